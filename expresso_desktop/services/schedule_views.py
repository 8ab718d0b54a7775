"""The Schedule screen's reads and saves: one day of the roster in the event's time zone (a lane
per station and one for roaming staff, the opening hours that apply to each, the shifts with
their breaks and any problem the roster has), a draft shift checked without saving it, and the
drafts the screen saves.

Every rule is ``core.schedules``' through ``services.schedule_admin`` (``draft_problems`` is
the same check ``save_shift`` refuses with). Reads are blocking snapshot reads (a window runs
them through its op runner); saves are functions of a ``Tx`` for the single writer. Everything
returned is frozen; times are aware, in the event's zone.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from expresso_desktop.core import schedules
from expresso_desktop.core.errors import ValidationError
from expresso_desktop.services import schedule_admin as admin
from expresso_desktop.services.pairing import station_label
from expresso_desktop.services.station_admin import list_stations
from expresso_desktop.services.station_views import event_zone
from expresso_desktop.services.writer import Tx
from expresso_desktop.store.engine import read_session
from expresso_desktop.store.tables import Break, OperatingHours, Shift, StaffUser
from expresso_desktop.store.tables_people import STAFF_ROLES

# What a day's plan is read from: a committed change to any of these re-reads it.
SCHEDULE_ENTITIES = frozenset(
    {"shifts", "breaks", "operating_hours", "staff_users", "stations", "events"}
)
ROAMING = "Roaming (no station)"
ROLES = STAFF_ROLES
_DRAFT_KEY = "draft"  # a new shift's id while it is checked: no row has it
_SHIFT_REF = re.compile(r"\bshift (\d+)\b")
_OUTSIDE_HOURS = "outside the operating hours"  # core.schedules' words for it

Interval = tuple[datetime, datetime]


@dataclass(frozen=True, slots=True)
class Lane:
    """A row of the timeline: a station, or (``station_id`` None) staff on no station."""

    station_id: int | None
    label: str
    open: tuple[Interval, ...]  # the hours that apply to it this day; () = no hours set


@dataclass(frozen=True, slots=True)
class HoursRow:
    id: int
    station_id: int | None
    applies_to: str  # "All stations" or the station's label
    day: date
    opens: time
    closes: time


@dataclass(frozen=True, slots=True)
class BreakBar:
    id: int | None  # None: a break of a draft, not saved yet
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True, slots=True)
class ShiftBar:
    id: int
    staff_id: int
    staff_name: str
    station_id: int | None
    station_label: str
    starts_at: datetime
    ends_at: datetime
    role: str
    breaks: tuple[BreakBar, ...]
    problems: tuple[str, ...]  # in words; () = fits the roster and the hours


@dataclass(frozen=True, slots=True)
class Person:
    id: int
    name: str
    active: bool


@dataclass(frozen=True)
class DayPlan:
    day: date
    zone: ZoneInfo
    lanes: tuple[Lane, ...]
    hours: tuple[HoursRow, ...]  # this day's rows, for editing
    shifts: tuple[ShiftBar, ...]  # those touching the day
    people: tuple[Person, ...]  # everyone who can be put on a shift (by name)

    @property
    def starts_at(self) -> datetime:
        return datetime.combine(self.day, time(0), tzinfo=self.zone)

    @property
    def ends_at(self) -> datetime:
        return datetime.combine(self.day + timedelta(days=1), time(0), tzinfo=self.zone)

    def shift(self, shift_id: int) -> ShiftBar | None:
        return next((s for s in self.shifts if s.id == shift_id), None)


@dataclass(frozen=True, slots=True)
class ShiftDraft:
    """A shift as a form holds it (``id`` None: a new one). Times are aware."""

    id: int | None
    staff_id: int
    station_id: int | None
    starts_at: datetime
    ends_at: datetime
    role: str = "barista"
    breaks: tuple[BreakBar, ...] = ()


@dataclass(frozen=True, slots=True)
class DraftProblem:
    field: str  # "starts_at", "ends_at", "breaks", ...
    reason: str  # in words, naming the other shift when there is one


@dataclass(frozen=True, slots=True)
class HoursDraft:
    station_id: int | None
    day: date
    opens: time
    closes: time


@dataclass(frozen=True, slots=True)
class DraftChecked:
    """The answer to a draft check: the draft it was asked for and what is wrong with it."""

    draft: ShiftDraft
    problems: tuple[DraftProblem, ...] = ()


# -- reads ----------------------------------------------------------------------------------------
class ScheduleReads:
    """Snapshot reads of the master database (blocking: run them off the GUI thread)."""

    def __init__(self, engine: Engine, event_id: int) -> None:
        self._engine = engine
        self.event_id = event_id

    def today(self) -> date:
        with read_session(self._engine) as session:
            return datetime.now(event_zone(session, self.event_id)).date()

    def day_plan(self, day: date) -> DayPlan:
        with read_session(self._engine) as session:
            return day_plan(session, self.event_id, day)

    def check(self, draft: ShiftDraft) -> DraftChecked:
        with read_session(self._engine) as session:
            return DraftChecked(draft, tuple(check_draft(session, self.event_id, draft)))


def day_plan(session: Session, event_id: int, day: date) -> DayPlan:
    words = _Words.of(session, event_id)
    start = datetime.combine(day, time(0), tzinfo=words.zone)
    end = start + timedelta(days=1)
    all_hours = _hours_rows(session, event_id, day - timedelta(days=1), day + timedelta(days=1))
    schedule = schedules.Schedule(hours=[_core_hours(h, words.zone) for h in all_hours])
    lanes = tuple(
        Lane(station_id, label, _clip(schedule.hours_for(_key(station_id)), start, end))
        for station_id, label in [*words.stations.items(), (None, ROAMING)]
    )
    problems: dict[str, list[str]] = {}
    for p in admin.roster_problems(session, event_id):
        problems.setdefault(p.shift_id, []).append(p.reason)
    rows = session.exec(
        select(Shift)
        .where(Shift.deleted == False, col(Shift.ends_at) > start, col(Shift.starts_at) < end)  # noqa: E712
        .order_by(col(Shift.starts_at), col(Shift.id))
    ).all()
    shifts = tuple(
        replace(bar, problems=tuple(words.reason(r, bar) for r in problems.get(str(bar.id), ())))
        for bar in map(words.bar, rows)
    )
    hours = tuple(
        HoursRow(
            h.id or 0,
            h.station_id,
            words.station(h.station_id) if h.station_id is not None else "All stations",
            h.day,
            h.opens,
            h.closes,
        )
        for h in all_hours
        if h.day == day
    )
    return DayPlan(day, words.zone, lanes, hours, shifts, _people(session))


def check_draft(session: Session, event_id: int, draft: ShiftDraft) -> list[DraftProblem]:
    """What saving ``draft`` would be refused for, in words; [] when it may be saved."""
    key = _DRAFT_KEY if draft.id is None else str(draft.id)
    core = schedules.Shift(
        key,
        str(draft.staff_id),
        _key(draft.station_id),
        draft.starts_at,
        draft.ends_at,
        tuple(schedules.Break(b.starts_at, b.ends_at) for b in draft.breaks),
    )
    words = _Words.of(session, event_id)
    out: list[DraftProblem] = []
    for p in admin.draft_problems(session, event_id, core):
        if p.shift_id == key:
            out.append(DraftProblem(p.field, words.reason(p.reason, draft)))
        else:  # an earlier shift reported as overlapped by the draft: say which one it is
            other = words.shift(p.shift_id)
            out.append(DraftProblem("starts_at", f"overlaps {other} of the same person"))
    return out


# -- saves (writer-only) ----------------------------------------------------------------------
def save_shift_draft(tx: Tx, event_id: int, draft: ShiftDraft) -> int:
    """The draft saved with its breaks, all in one transaction: breaks taken off the form are
    removed, the shift is saved (and checked), then its new breaks (each checked). Returns the
    shift's id."""
    session = tx.session
    if draft.role not in ROLES:
        raise ValidationError(f"unknown role {draft.role!r}", field="role")
    if draft.id is None:
        shift = Shift(staff_id=draft.staff_id, starts_at=draft.starts_at, ends_at=draft.ends_at)
    else:
        shift = admin.live(session, Shift, draft.id, "shift")
        kept = {b.id for b in draft.breaks if b.id is not None}
        for brk in _breaks_of(session, draft.id):
            if brk.id not in kept:
                admin.tombstone(tx, "breaks", brk)
    shift.staff_id = draft.staff_id
    shift.station_id = draft.station_id
    shift.starts_at = draft.starts_at
    shift.ends_at = draft.ends_at
    shift.role = draft.role  # type: ignore[assignment]  # checked against ROLES above
    saved = admin.save_shift(tx, event_id, shift)
    assert saved.id is not None
    for b in draft.breaks:
        if b.id is None:
            admin.save_break(
                tx, event_id, Break(shift_id=saved.id, starts_at=b.starts_at, ends_at=b.ends_at)
            )
    return saved.id


def remove_shift(tx: Tx, shift_id: int) -> None:
    shift = admin.live(tx.session, Shift, shift_id, "shift")
    for brk in _breaks_of(tx.session, shift_id):
        admin.tombstone(tx, "breaks", brk)
    admin.tombstone(tx, "shifts", shift)


def save_hours_draft(tx: Tx, event_id: int, draft: HoursDraft) -> int:
    """The hours of a day for a station (or all): a day has one row per station and one for
    all stations, so a draft for a day and station that has hours changes that row."""
    row = tx.session.exec(
        select(OperatingHours).where(
            OperatingHours.event_id == event_id,
            OperatingHours.deleted == False,  # noqa: E712
            OperatingHours.day == draft.day,
            OperatingHours.station_id == draft.station_id,  # None: IS NULL
        )
    ).first()
    if row is None:
        row = OperatingHours(
            event_id=event_id, day=draft.day, opens=draft.opens, closes=draft.closes
        )
    row.station_id = draft.station_id
    row.day = draft.day
    row.opens = draft.opens
    row.closes = draft.closes
    saved = admin.save_hours(tx, row)
    return saved.id or 0


def remove_hours(tx: Tx, hours_id: int) -> None:
    admin.tombstone(
        tx, "operating_hours", admin.live(tx.session, OperatingHours, hours_id, "hours")
    )


# -- helpers ----------------------------------------------------------------------------------
def _key(station_id: int | None) -> str | None:
    return None if station_id is None else str(station_id)


def _hours_rows(session: Session, event_id: int, first: date, last: date) -> list[OperatingHours]:
    return list(
        session.exec(
            select(OperatingHours)
            .where(
                OperatingHours.event_id == event_id,
                OperatingHours.deleted == False,  # noqa: E712
                col(OperatingHours.day) >= first,
                col(OperatingHours.day) <= last,
            )
            .order_by(col(OperatingHours.day), col(OperatingHours.opens))
        ).all()
    )


def _core_hours(h: OperatingHours, zone: ZoneInfo) -> schedules.OperatingHours:
    midnight = datetime.combine(h.day, time(0), tzinfo=zone)
    return schedules.OperatingHours(midnight, h.opens, h.closes, _key(h.station_id))


def _clip(intervals: Sequence[Interval], start: datetime, end: datetime) -> tuple[Interval, ...]:
    clipped = [(max(a, start), min(b, end)) for a, b in schedules.merge(intervals)]
    return tuple((a, b) for a, b in clipped if a < b)


def _people(session: Session) -> tuple[Person, ...]:
    rows = session.exec(
        select(StaffUser).where(StaffUser.deleted == False).order_by(col(StaffUser.name))  # noqa: E712
    ).all()
    return tuple(Person(p.id or 0, p.name, p.active) for p in rows)


def _breaks_of(session: Session, shift_id: int) -> list[Break]:
    return list(
        session.exec(
            select(Break)
            .where(Break.shift_id == shift_id, Break.deleted == False)  # noqa: E712
            .order_by(col(Break.starts_at))
        ).all()
    )


@dataclass(frozen=True)
class _Words:
    """Shifts as a person reads them: names for ids, times in the event's zone."""

    session: Session
    event_id: int
    zone: ZoneInfo
    stations: dict[int | None, str]
    names: dict[int, str]

    @classmethod
    def of(cls, session: Session, event_id: int) -> _Words:
        stations: dict[int | None, str] = {
            s.id: station_label(s.number, s.name) for s in list_stations(session, event_id)
        }
        names = {p.id or 0: p.name for p in session.exec(select(StaffUser)).all()}
        return cls(session, event_id, event_zone(session, event_id), stations, names)

    def station(self, station_id: int | None) -> str:
        return ROAMING if station_id is None else self.stations.get(station_id, "a station")

    def bar(self, s: Shift) -> ShiftBar:
        assert s.id is not None
        return ShiftBar(
            id=s.id,
            staff_id=s.staff_id,
            staff_name=self.names.get(s.staff_id, f"person {s.staff_id}"),
            station_id=s.station_id,
            station_label=self.station(s.station_id),
            starts_at=s.starts_at.astimezone(self.zone),
            ends_at=s.ends_at.astimezone(self.zone),
            role=s.role,
            breaks=tuple(
                BreakBar(b.id, b.starts_at.astimezone(self.zone), b.ends_at.astimezone(self.zone))
                for b in _breaks_of(self.session, s.id)
            ),
            problems=(),
        )

    def shift(self, shift_id: str) -> str:
        """ "the shift Sat 09:00–13:00 at Station 2" (or "shift 12" if it is gone)."""
        row = self.session.get(Shift, int(shift_id)) if shift_id.isdigit() else None
        if row is None:
            return f"shift {shift_id}"
        bar = self.bar(row)
        return f"the shift {bar.starts_at:%a %H:%M}–{bar.ends_at:%H:%M} at {bar.station_label}"

    def reason(self, reason: str, of: ShiftBar | ShiftDraft) -> str:
        """A core reason about shift ``of`` in words: "shift 12" as the shift a person would
        recognise, and the opening hours it falls outside."""
        said = _SHIFT_REF.sub(lambda m: self.shift(m.group(1)), reason)
        if _OUTSIDE_HOURS in said:
            said += f" ({self.hours_around(of.station_id, of.starts_at, of.ends_at)})"
        return said

    def hours_around(self, station_id: int | None, start: datetime, end: datetime) -> str:
        """ "Station 2 is open 07:00–16:00": the hours that apply on the days of a shift."""
        first, last = start.astimezone(self.zone).date(), end.astimezone(self.zone).date()
        rows = _hours_rows(self.session, self.event_id, first - timedelta(days=1), last)
        schedule = schedules.Schedule(hours=[_core_hours(h, self.zone) for h in rows])
        windows = [
            (a, b)
            for a, b in schedules.merge(schedule.hours_for(_key(station_id)))
            if b > start - timedelta(hours=12) and a < end + timedelta(hours=12)
        ]
        place = self.station(station_id) if station_id is not None else "The event"
        spans = ", ".join(f"{a:%H:%M}–{b:%H:%M}" for a, b in windows) or "not at all"
        return f"{place} is open {spans}"
