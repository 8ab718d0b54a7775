"""The Schedule screen's reads and saves (services/schedule_views.py): a day's plan in the
event's zone, a draft shift checked without saving (the same rules ``save_shift`` refuses
with, in words), and the drafts saved with their breaks and hours."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from expresso_desktop.core.errors import ValidationError
from expresso_desktop.services import schedule_views
from expresso_desktop.services.organiser import OrganiserServices
from expresso_desktop.services.schedule_admin import ScheduleInvalid
from expresso_desktop.services.schedule_views import (
    ROAMING,
    BreakBar,
    HoursDraft,
    ScheduleReads,
    ShiftDraft,
)
from expresso_desktop.services.writer import Tx
from expresso_desktop.store.engine import read_session
from expresso_desktop.store.tables import Event, StaffUser
from expresso_desktop.store.types import utcnow
from tests.services.helpers import logged, station_id, write

SYDNEY = ZoneInfo("Australia/Sydney")
DAY = (utcnow() + timedelta(days=5)).date()  # clear of the demo's shifts around now


def person(services: OrganiserServices, name: str) -> int:
    with read_session(services.engine) as session:
        return session.exec(select(StaffUser).where(StaffUser.name == name)).one().id or 0


def at(hour: int, minute: int = 0, day: date = DAY, zone: ZoneInfo = SYDNEY) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=zone)


def in_sydney(services: OrganiserServices) -> None:
    def move(tx: Tx) -> None:
        event = tx.session.get(Event, services.event_id)
        assert event is not None
        event.timezone = "Australia/Sydney"
        tx.session.add(event)

    write(services, move)


def hours(services: OrganiserServices, opens: int, closes: int, station: int | None = None) -> int:
    draft = HoursDraft(
        None if station is None else station_id(services, station),
        DAY,
        time(opens),
        time(closes),
    )
    return write(services, lambda tx: schedule_views.save_hours_draft(tx, services.event_id, draft))


def shift(services: OrganiserServices, draft: ShiftDraft) -> int:
    return write(services, lambda tx: schedule_views.save_shift_draft(tx, services.event_id, draft))


@pytest.fixture
def reads(organiser: OrganiserServices) -> ScheduleReads:
    in_sydney(organiser)
    hours(organiser, 7, 15)  # the whole event
    hours(organiser, 10, 14, station=3)  # the Garden Bar opens later
    return ScheduleReads(organiser.engine, organiser.event_id)


def test_a_days_plan_has_a_lane_per_station_and_one_for_roaming_with_their_hours(
    organiser: OrganiserServices, reads: ScheduleReads
) -> None:
    sam = person(organiser, "Sam")
    saved = shift(
        organiser,
        ShiftDraft(
            None,
            sam,
            station_id(organiser, 1),
            at(8),
            at(12),
            breaks=(BreakBar(None, at(10), at(10, 15)),),
        ),
    )
    plan = reads.day_plan(DAY)
    assert plan.zone == SYDNEY and plan.starts_at == at(0)
    assert [lane.label for lane in plan.lanes] == [
        "Station 1",
        "Station 2",
        "Station 3 · Garden Bar",
        ROAMING,
    ]
    assert [lane.open for lane in plan.lanes] == [
        ((at(7), at(15)),),
        ((at(7), at(15)),),
        ((at(10), at(14)),),  # its own hours, not the event's
        ((at(7), at(15)),),
    ]
    assert [(h.applies_to, h.opens, h.closes) for h in plan.hours] == [
        ("All stations", time(7), time(15)),
        ("Station 3 · Garden Bar", time(10), time(14)),
    ]
    (bar,) = plan.shifts
    assert (bar.id, bar.staff_name, bar.station_label, bar.starts_at, bar.ends_at) == (
        saved,
        "Sam",
        "Station 1",
        at(8),
        at(12),
    )
    assert bar.starts_at.tzinfo == SYDNEY and bar.problems == ()
    assert [(b.starts_at, b.ends_at) for b in bar.breaks] == [(at(10), at(10, 15))]
    assert reads.day_plan(DAY + timedelta(days=1)).shifts == ()


def test_a_draft_is_checked_in_words_without_storing_anything(
    organiser: OrganiserServices, reads: ScheduleReads
) -> None:
    sam, two = person(organiser, "Sam"), station_id(organiser, 2)
    shift(organiser, ShiftDraft(None, sam, station_id(organiser, 1), at(8), at(12)))
    before = len(logged(organiser, "shifts"))

    fine = ShiftDraft(None, sam, two, at(12), at(15))
    assert reads.check(fine).problems == ()
    late = ShiftDraft(None, sam, two, at(13), at(17))
    assert [(p.field, p.reason) for p in reads.check(late).problems] == [
        ("starts_at", "shift is outside the operating hours (Station 2 is open 07:00–15:00)")
    ]
    garden = ShiftDraft(None, person(organiser, "Jo"), station_id(organiser, 3), at(8), at(11))
    assert reads.check(garden).problems[0].reason == (
        "shift is outside the operating hours (Station 3 · Garden Bar is open 10:00–14:00)"
    )
    roaming = ShiftDraft(None, person(organiser, "Jo"), None, at(14), at(16))
    assert reads.check(roaming).problems[0].reason == (
        "shift is outside the operating hours (The event is open 07:00–15:00)"
    )
    # overlapping the same person's shift, whichever of the two starts first
    day = f"{at(8):%a}"
    other = f"overlaps the shift {day} 08:00–12:00 at Station 1 of the same person"
    for draft in (
        ShiftDraft(None, sam, two, at(11), at(14)),
        ShiftDraft(None, sam, two, at(7), at(9)),
    ):
        assert [(p.field, p.reason) for p in reads.check(draft).problems] == [("starts_at", other)]
    backwards = ShiftDraft(None, sam, two, at(14), at(13))
    assert [p.reason for p in reads.check(backwards).problems] == ["shift ends before it starts"]
    outside = ShiftDraft(None, sam, two, at(12), at(15), breaks=(BreakBar(None, at(9), at(10)),))
    assert [p.field for p in reads.check(outside).problems] == ["breaks"]
    assert len(logged(organiser, "shifts")) == before


def test_an_edited_draft_is_checked_in_place_of_its_stored_shift(
    organiser: OrganiserServices, reads: ScheduleReads
) -> None:
    sam, one = person(organiser, "Sam"), station_id(organiser, 1)
    saved = shift(organiser, ShiftDraft(None, sam, one, at(8), at(12)))
    # moving it later does not overlap itself
    assert reads.check(ShiftDraft(saved, sam, one, at(9), at(13))).problems == ()
    assert reads.check(ShiftDraft(saved, sam, one, at(9), at(16))).problems[0].reason == (
        "shift is outside the operating hours (Station 1 is open 07:00–15:00)"
    )


def test_saving_an_invalid_draft_is_refused_and_stores_nothing(
    organiser: OrganiserServices, reads: ScheduleReads
) -> None:
    sam = person(organiser, "Sam")
    before = len(logged(organiser, "shifts")), len(logged(organiser, "breaks"))
    late = ShiftDraft(
        None,
        sam,
        station_id(organiser, 2),
        at(13),
        at(17),
        breaks=(BreakBar(None, at(14), at(14, 15)),),
    )
    with pytest.raises(ScheduleInvalid) as refused:
        shift(organiser, late)
    assert refused.value.reason == "shift is outside the operating hours"
    assert (len(logged(organiser, "shifts")), len(logged(organiser, "breaks"))) == before
    assert reads.day_plan(DAY).shifts == ()


def test_an_edit_moves_the_shift_and_drops_breaks_taken_off_the_form(
    organiser: OrganiserServices, reads: ScheduleReads
) -> None:
    sam, one = person(organiser, "Sam"), station_id(organiser, 1)
    first = ShiftDraft(
        None,
        sam,
        one,
        at(8),
        at(12),
        breaks=(BreakBar(None, at(9), at(9, 10)), BreakBar(None, at(10), at(10, 10))),
    )
    saved = shift(organiser, first)
    (bar,) = reads.day_plan(DAY).shifts
    kept = bar.breaks[1]
    moved = ShiftDraft(
        saved,
        sam,
        None,
        at(9, 30),
        at(13),
        role="runner",
        breaks=(kept, BreakBar(None, at(12), at(12, 30))),
    )
    assert shift(organiser, moved) == saved
    (bar,) = reads.day_plan(DAY).shifts
    assert (bar.station_label, bar.role, bar.starts_at) == (ROAMING, "runner", at(9, 30))
    assert [(b.starts_at, b.ends_at) for b in bar.breaks] == [
        (at(10), at(10, 10)),
        (at(12), at(12, 30)),
    ]
    write(organiser, lambda tx: schedule_views.remove_shift(tx, saved))
    assert reads.day_plan(DAY).shifts == ()
    assert logged(organiser, "breaks")[-1].op == "delete"


def test_hours_are_one_row_per_day_and_station_and_a_shift_they_exclude_says_so(
    organiser: OrganiserServices, reads: ScheduleReads
) -> None:
    sam = person(organiser, "Sam")
    shift(organiser, ShiftDraft(None, sam, station_id(organiser, 1), at(8), at(12)))
    event_wide = hours(organiser, 9, 15)  # the same day, all stations: that row changes
    plan = reads.day_plan(DAY)
    assert [(h.id, h.opens) for h in plan.hours if h.station_id is None] == [(event_wide, time(9))]
    assert plan.shifts[0].problems == (
        "shift is outside the operating hours (Station 1 is open 09:00–15:00)",
    )
    with pytest.raises(ValidationError) as backwards:
        hours(organiser, 15, 9)
    assert backwards.value.field == "closes"
    write(organiser, lambda tx: schedule_views.remove_hours(tx, event_wide))
    plan = reads.day_plan(DAY)
    assert [h.applies_to for h in plan.hours] == ["Station 3 · Garden Bar"]
    assert plan.lanes[0].open == () and plan.shifts[0].problems == ()
