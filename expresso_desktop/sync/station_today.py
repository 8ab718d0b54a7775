"""The Today panel's read: this station's day in the event's time zone — the opening hours that
apply to it, who works here (shifts with their breaks, staff by name) and where "now" falls —
from the replica, by ``core.schedules`` (the organiser's own rules: a station is open while
inside its hours and someone on shift here is not on a break).

A blocking SQLite read: a panel runs it through its op runner.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from expresso_desktop.core import schedules
from expresso_desktop.core.routing import station_name
from expresso_desktop.store import sync_rows

from .replica import Replica, get

# What the day is read from: a round touching any of these re-reads it.
TODAY_ENTITIES = frozenset(
    {"shifts", "breaks", "operating_hours", "staff_users", "stations", "events"}
)

Interval = tuple[datetime, datetime]


class When(StrEnum):
    """Where a shift or break stands against now."""

    DONE = "done"
    NOW = "now"
    BREAK = "on a break"  # a shift whose break is running
    LATER = "later"


@dataclass(frozen=True, slots=True)
class BreakLine:
    starts_at: datetime  # in the event's zone
    ends_at: datetime
    when: When


@dataclass(frozen=True, slots=True)
class ShiftLine:
    staff_name: str
    role: str
    starts_at: datetime  # in the event's zone
    ends_at: datetime
    breaks: tuple[BreakLine, ...]
    when: When


@dataclass(frozen=True)
class TodayPlan:
    """``hours``: the opening hours that apply to this station today (() = none set: it is
    open while staffed); ``open_now`` / ``next_opening`` by ``core.schedules``."""

    station: str
    day: date
    zone: ZoneInfo
    now: datetime  # in the event's zone
    hours: tuple[Interval, ...]
    shifts: tuple[ShiftLine, ...]
    open_now: bool
    next_opening: datetime | None
    paired: bool = True


def read_today(replica: Replica, now: datetime | None = None) -> TodayPlan:
    """This station's day (the day ``now`` falls on in the event's zone)."""
    with replica.read() as conn:
        return _today(conn, now or datetime.now(ZoneInfo("UTC")))


def _today(conn: Connection, now: datetime) -> TodayPlan:
    station = _row(conn, "stations", get(conn, "station_id"))
    event = _row(conn, "events", None if station is None else str(station["event_id"]))
    zone = _zone(event)
    local_now = now.astimezone(zone)
    day = local_now.date()
    if station is None:
        return TodayPlan("This station", day, zone, local_now, (), (), False, None, paired=False)
    start = datetime.combine(day, time(0), tzinfo=zone)
    end = start + timedelta(days=1)
    key = str(station["id"])
    shifts, names, roles = _shifts(conn, int(station["id"]), start, end)
    schedule = schedules.Schedule(shifts, _hours(conn, int(station["event_id"]), day, zone))
    hours = _clip(schedule.hours_for(key), start, end)
    on_now = {s.id for s in schedule.on_shift(now, key)}
    lines = tuple(
        ShiftLine(
            staff_name=names.get(s.staff_id, "Someone"),
            role=roles[s.id],
            starts_at=s.starts_at.astimezone(zone),
            ends_at=s.ends_at.astimezone(zone),
            breaks=tuple(
                BreakLine(b.starts_at.astimezone(zone), b.ends_at.astimezone(zone), _when(b, now))
                for b in sorted(s.breaks, key=lambda b: b.starts_at)
            ),
            when=When.NOW if s.id in on_now else _when(s, now, on_a_break=True),
        )
        for s in shifts
    )
    label = station_name(int(station["number"]), station.get("name"))
    return TodayPlan(
        label,
        day,
        zone,
        local_now,
        hours,
        lines,
        schedule.is_open(key, now),
        schedule.next_opening(key, now),
    )


def _when(
    span: schedules.Shift | schedules.Break, now: datetime, *, on_a_break: bool = False
) -> When:
    if span.ends_at <= now:
        return When.DONE
    if span.starts_at > now:
        return When.LATER
    return When.BREAK if on_a_break else When.NOW


def _row(conn: Connection, entity: str, key: str | None) -> dict[str, Any] | None:
    row = sync_rows.read_image(conn, entity, key) if key else None
    return None if row is None or row["deleted"] else row


def _zone(event: dict[str, Any] | None) -> ZoneInfo:
    try:
        return ZoneInfo(str(event["timezone"]) if event is not None else "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _shifts(
    conn: Connection, station_id: int, start: datetime, end: datetime
) -> tuple[list[schedules.Shift], dict[str, str], dict[str, str]]:
    """The station's shifts touching [start, end), their breaks; staff names and roles."""
    shifts_t, breaks_t, staff_t = (sync_rows.table(n) for n in ("shifts", "breaks", "staff_users"))
    rows = (
        conn.execute(
            sa.select(shifts_t)
            .where(
                shifts_t.c.station_id == station_id,
                shifts_t.c.deleted == sa.false(),
                shifts_t.c.ends_at > start,
                shifts_t.c.starts_at < end,
            )
            .order_by(shifts_t.c.starts_at, shifts_t.c.id)
        )
        .mappings()
        .all()
    )
    breaks: dict[str, list[schedules.Break]] = {}
    for b in conn.execute(
        sa.select(breaks_t).where(
            breaks_t.c.shift_id.in_([r["id"] for r in rows]), breaks_t.c.deleted == sa.false()
        )
    ).mappings():
        breaks.setdefault(str(b["shift_id"]), []).append(
            schedules.Break(b["starts_at"], b["ends_at"])
        )
    staff_ids = {r["staff_id"] for r in rows}
    names = {
        str(s["id"]): str(s["name"])
        for s in conn.execute(
            sa.select(staff_t.c.id, staff_t.c.name).where(staff_t.c.id.in_(staff_ids))
        ).mappings()
    }
    shifts = [
        schedules.Shift(
            str(r["id"]),
            str(r["staff_id"]),
            str(station_id),
            r["starts_at"],
            r["ends_at"],
            tuple(breaks.get(str(r["id"]), ())),
        )
        for r in rows
    ]
    return shifts, names, {str(r["id"]): str(r["role"]) for r in rows}


def _hours(
    conn: Connection, event_id: int, day: date, zone: ZoneInfo
) -> list[schedules.OperatingHours]:
    """The event's hours rows around ``day`` (the day before: hours past midnight)."""
    t = sync_rows.table("operating_hours")
    rows = conn.execute(
        sa.select(t).where(
            t.c.event_id == event_id,
            t.c.deleted == sa.false(),
            t.c.day >= day - timedelta(days=1),
            t.c.day <= day,
        )
    ).mappings()
    return [
        schedules.OperatingHours(
            datetime.combine(r["day"], time(0), tzinfo=zone),
            r["opens"],
            r["closes"],
            None if r["station_id"] is None else str(r["station_id"]),
        )
        for r in rows
    ]


def _clip(intervals: Sequence[Interval], start: datetime, end: datetime) -> tuple[Interval, ...]:
    clipped = [(max(a, start), min(b, end)) for a, b in schedules.merge(intervals)]
    return tuple(
        (a.astimezone(start.tzinfo), b.astimezone(start.tzinfo)) for a, b in clipped if a < b
    )
