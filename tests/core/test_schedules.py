from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from expresso_desktop.core.schedules import (
    Break,
    OperatingHours,
    Schedule,
    Shift,
    intersect,
    merge,
    subtract,
    validate_shifts,
)

DAY = datetime(2026, 11, 24, tzinfo=UTC)


def at(h: int, m: int = 0) -> datetime:
    return DAY + timedelta(hours=h, minutes=m)


def shift(
    sid: str,
    staff: str,
    start: datetime,
    end: datetime,
    station: str | None = "s1",
    breaks: tuple[Break, ...] = (),
) -> Shift:
    return Shift(sid, staff, station, start, end, breaks)


HOURS = [OperatingHours(DAY, time(7), time(15))]


def test_station_open_when_staffed_inside_hours_and_not_on_break() -> None:
    schedule = Schedule(
        shifts=[shift("a", "ann", at(6), at(12), breaks=(Break(at(10), at(10, 30)),))],
        hours=HOURS,
    )
    assert not schedule.is_open("s1", at(6, 30))  # staffed but before opening
    assert schedule.is_open("s1", at(7))
    assert not schedule.is_open("s1", at(10, 15))  # on a break
    assert schedule.is_open("s1", at(10, 30))
    assert not schedule.is_open("s1", at(12))
    assert schedule.next_opening("s1", at(10, 10)) == at(10, 30)


def test_two_people_cover_each_others_break() -> None:
    schedule = Schedule(
        shifts=[
            shift("a", "ann", at(7), at(12), breaks=(Break(at(9), at(9, 30)),)),
            shift("b", "bo", at(8), at(12)),
        ]
    )
    assert schedule.is_open("s1", at(9, 15))
    assert [s.id for s in schedule.on_shift(at(9, 15), "s1")] == ["b"]


def test_station_hours_override_event_hours() -> None:
    own = OperatingHours(DAY, time(9), time(11), station_id="s1")
    schedule = Schedule(shifts=[shift("a", "ann", at(7), at(14))], hours=[*HOURS, own])
    assert not schedule.is_open("s1", at(8))
    assert schedule.is_open("s1", at(10))


def test_validation_reports_every_problem() -> None:
    problems = validate_shifts(
        [
            shift("ok", "ann", at(7), at(11)),
            shift("overlap", "ann", at(10), at(13)),
            shift("backwards", "bo", at(12), at(9)),
            shift("early", "cy", at(5), at(8)),
            shift("break", "di", at(8), at(9), breaks=(Break(at(9), at(9, 15)),)),
            shift("naive", "ed", datetime(2026, 11, 24, 8), datetime(2026, 11, 24, 9)),
        ],
        HOURS,
    )
    found = {(p.shift_id, p.field) for p in problems}
    assert ("overlap", "starts_at") in found
    assert ("backwards", "ends_at") in found
    assert ("early", "starts_at") in found
    assert ("break", "breaks") in found
    assert ("naive", "starts_at") in found
    assert not any(p.shift_id == "ok" for p in problems)


def test_overlap_with_a_long_earlier_shift_is_found() -> None:
    problems = validate_shifts(
        [
            shift("long", "ann", at(7), at(15)),
            shift("short1", "ann", at(8), at(9)),
            shift("short2", "ann", at(10), at(11)),
        ]
    )
    assert sorted(p.shift_id for p in problems) == ["short1", "short2"]


def test_overnight_hours() -> None:
    hours = OperatingHours(DAY, time(22), time(2))
    assert hours.interval() == (at(22), at(26))


def test_interval_helpers() -> None:
    assert merge([(at(1), at(3)), (at(2), at(4)), (at(5), at(6))]) == [
        (at(1), at(4)),
        (at(5), at(6)),
    ]
    assert subtract([(at(1), at(5))], [(at(2), at(3))]) == [(at(1), at(2)), (at(3), at(5))]
    assert intersect([(at(1), at(5))], [(at(4), at(8))]) == [(at(4), at(5))]
