"""Shifts, breaks and operating hours; when a station is staffed and open.

A station is open at an instant when it is inside the operating hours that apply to it (its own,
or the event-wide ones) and at least one barista on shift there is not on a break.
All datetimes are timezone-aware; naive ones are refused so a laptop's local clock never leaks in.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from expresso_desktop.core.errors import ValidationError

Interval = tuple[datetime, datetime]


@dataclass(frozen=True, slots=True)
class Break:
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True, slots=True)
class Shift:
    id: str
    staff_id: str
    station_id: str | None
    starts_at: datetime
    ends_at: datetime
    breaks: tuple[Break, ...] = ()


@dataclass(frozen=True, slots=True)
class OperatingHours:
    """Opening hours on one calendar date (event-local), for one station or (None) all."""

    day: datetime  # midnight of the day, timezone-aware
    opens: time
    closes: time
    station_id: str | None = None

    def interval(self) -> Interval:
        start = self.day.replace(hour=self.opens.hour, minute=self.opens.minute)
        end = self.day.replace(hour=self.closes.hour, minute=self.closes.minute)
        if end <= start:  # closes after midnight
            end += timedelta(days=1)
        return start, end


@dataclass(frozen=True, slots=True)
class ShiftProblem:
    shift_id: str
    field: str
    reason: str


@dataclass(frozen=True)
class Schedule:
    shifts: Sequence[Shift] = ()
    hours: Sequence[OperatingHours] = ()

    def hours_for(self, station_id: str | None) -> list[Interval]:
        # Stations with no hours of their own follow the event-wide hours; with none at all,
        # staffing alone decides (a fresh event works before anyone sets hours).
        own = [h.interval() for h in self.hours if h.station_id == station_id]
        if own or station_id is None:
            return own
        return [h.interval() for h in self.hours if h.station_id is None]

    def open_windows(self, station_id: str) -> list[Interval]:
        staffed = merge(
            w
            for s in self.shifts
            if s.station_id == station_id
            for w in subtract(
                [(s.starts_at, s.ends_at)], [(b.starts_at, b.ends_at) for b in s.breaks]
            )
        )
        hours = self.hours_for(station_id)
        if not hours:
            return staffed
        return intersect(staffed, merge(hours))

    def is_open(self, station_id: str, at: datetime) -> bool:
        _require_aware(at, "at")
        return any(start <= at < end for start, end in self.open_windows(station_id))

    def next_opening(self, station_id: str, after: datetime) -> datetime | None:
        starts = [start for start, _ in self.open_windows(station_id) if start > after]
        return min(starts, default=None)

    def on_shift(self, at: datetime, station_id: str | None = None) -> list[Shift]:
        """Shifts running at ``at`` (not on a break), optionally at one station."""
        return [
            s
            for s in self.shifts
            if (station_id is None or s.station_id == station_id)
            and s.starts_at <= at < s.ends_at
            and not any(b.starts_at <= at < b.ends_at for b in s.breaks)
        ]


def validate_shifts(
    shifts: Sequence[Shift], hours: Sequence[OperatingHours] = ()
) -> list[ShiftProblem]:
    """Every problem, not just the first: an organiser fixes a roster in one pass."""
    problems: list[ShiftProblem] = []
    schedule = Schedule(hours=hours)
    for s in shifts:
        try:
            _require_aware(s.starts_at, "starts_at")
            _require_aware(s.ends_at, "ends_at")
        except ValidationError as exc:
            problems.append(ShiftProblem(s.id, exc.field or "starts_at", exc.reason))
            continue
        if s.ends_at <= s.starts_at:
            problems.append(ShiftProblem(s.id, "ends_at", "shift ends before it starts"))
            continue
        if s.ends_at - s.starts_at > timedelta(hours=16):
            problems.append(ShiftProblem(s.id, "ends_at", "shift is longer than 16 hours"))
        for b in s.breaks:
            if not (s.starts_at <= b.starts_at < b.ends_at <= s.ends_at):
                problems.append(ShiftProblem(s.id, "breaks", "break is outside its shift"))
        windows = merge(schedule.hours_for(s.station_id))
        if windows and not any(a <= s.starts_at and s.ends_at <= b for a, b in windows):
            problems.append(ShiftProblem(s.id, "starts_at", "shift is outside the operating hours"))
    by_staff: dict[str, list[Shift]] = {}
    for s in shifts:
        if s.ends_at > s.starts_at:
            by_staff.setdefault(s.staff_id, []).append(s)
    for staff_shifts in by_staff.values():
        staff_shifts.sort(key=lambda s: s.starts_at)
        # Compare with the longest-running earlier shift, not just the previous one: a long
        # shift can overlap several short ones after it.
        longest = staff_shifts[0]
        for later in staff_shifts[1:]:
            if later.starts_at < longest.ends_at:
                reason = f"overlaps shift {longest.id} of the same person"
                problems.append(ShiftProblem(later.id, "starts_at", reason))
            if later.ends_at > longest.ends_at:
                longest = later
    return problems


# -- interval arithmetic ------------------------------------------------------------------------
def merge(intervals: Iterable[Interval]) -> list[Interval]:
    out: list[Interval] = []
    for start, end in sorted(i for i in intervals if i[1] > i[0]):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def subtract(base: Iterable[Interval], holes: Iterable[Interval]) -> list[Interval]:
    result = merge(base)
    for h_start, h_end in merge(holes):
        nxt: list[Interval] = []
        for start, end in result:
            if h_end <= start or h_start >= end:
                nxt.append((start, end))
                continue
            if start < h_start:
                nxt.append((start, h_start))
            if h_end < end:
                nxt.append((h_end, end))
        result = nxt
    return result


def intersect(a: Sequence[Interval], b: Sequence[Interval]) -> list[Interval]:
    out = []
    for a_start, a_end in a:
        for b_start, b_end in b:
            start, end = max(a_start, b_start), min(a_end, b_end)
            if start < end:
                out.append((start, end))
    return merge(out)


def _require_aware(value: datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValidationError(f"{name} must include a timezone", field=name)
