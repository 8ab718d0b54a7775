"""The Schedule screen driven in the real organiser window: a day's timeline per station in the
event's zone, a valid shift saved from the form and seen on the timeline, an invalid one
(overlapping, outside the hours) shown red with its reason before saving and refused with
nothing stored, and shifts and hours written elsewhere (the LAN API's path) appearing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import QDate, QDateTime, QPoint, Qt, QTime
from PySide6.QtTest import QAbstractItemModelTester
from PySide6.QtWidgets import QMessageBox
from sqlmodel import select

from expresso_desktop.services import schedule_views
from expresso_desktop.services.schedule_views import BreakBar, HoursDraft, ShiftDraft
from expresso_desktop.services.writer import Tx
from expresso_desktop.store.engine import read_session
from expresso_desktop.store.tables import Event, Shift, StaffUser, Station
from expresso_desktop.ui.organiser.schedule_screen import ScheduleScreen
from tests.ui.artifacts import save_screenshot
from tests.ui.organiser_gui import Organiser, running_organiser

ZONE = ZoneInfo("Australia/Sydney")
DAY = datetime.now(ZONE).date() + timedelta(days=2)  # clear of the demo's shifts around now


def at(hour: int, minute: int = 0, day: date = DAY) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=ZONE)


def _ids(tx: Tx) -> tuple[dict[str, int], dict[int, int]]:
    people = {p.name: p.id or 0 for p in tx.session.exec(select(StaffUser)).all()}
    stations = {s.number: s.id or 0 for s in tx.session.exec(select(Station)).all()}
    return people, stations


def roster(tx: Tx) -> None:
    """The event in Sydney; on DAY: hours 07:00–16:00 (the Garden Bar 10:00–15:00) and four
    shifts, one with a break."""
    event = tx.session.exec(select(Event)).one()
    event.timezone = ZONE.key
    tx.session.add(event)
    people, stations = _ids(tx)
    event_id = event.id or 0
    for station, opens, closes in ((None, 7, 16), (stations[3], 10, 15)):
        hours = HoursDraft(station, DAY, time(opens), time(closes))
        schedule_views.save_hours_draft(tx, event_id, hours)
    for name, station, start, end in (
        ("Sam", stations[1], 7, 11),
        ("Priya", stations[2], 8, 12),
        ("Jo", stations[3], 10, 14),
        ("Alex", None, 11, 15),
    ):
        breaks = (BreakBar(None, at(9), at(9, 15)),) if name == "Sam" else ()
        role = "organiser" if name == "Alex" else "barista"
        draft = ShiftDraft(None, people[name], station, at(start), at(end), role, breaks)
        schedule_views.save_shift_draft(tx, event_id, draft)


@pytest.fixture
def organiser(qtbot: Any, qtlog: Any, tmp_path: Path) -> Iterator[Organiser]:
    """The window on the Schedule screen showing DAY; its tables under Qt's model tester."""
    with running_organiser(qtbot, tmp_path, "schedule", prepare=roster) as org:
        screen = org.window.schedule_screen
        testers = [
            QAbstractItemModelTester(model, QAbstractItemModelTester.FailureReportingMode.Warning)
            for model in (screen.shifts_model, screen.hours_form.model)
        ]
        qtbot.waitUntil(lambda: screen.plan is not None, timeout=10_000)
        screen.show_day(DAY)
        qtbot.waitUntil(lambda: screen.plan is not None and screen.plan.day == DAY)
        yield org
        complaints = [r.message for r in qtlog.records if "FAIL!" in r.message]
        assert complaints == [] and len(testers) == 2


def stored_shifts(org: Organiser) -> list[tuple[str, datetime, datetime]]:
    with read_session(org.services.engine) as session:
        rows = session.exec(
            select(StaffUser.name, Shift.starts_at, Shift.ends_at)
            .join(StaffUser, StaffUser.id == Shift.staff_id)  # type: ignore[arg-type]
            .where(Shift.deleted == False)  # noqa: E712
        ).all()
    return sorted((name, s.astimezone(ZONE), e.astimezone(ZONE)) for name, s, e in rows)


def fill(
    screen: ScheduleScreen, name: str, station: int | None, start: datetime, end: datetime
) -> None:
    assert screen.plan is not None
    form = screen.shift_form
    person = next(p.id for p in screen.plan.people if p.name == name)
    lane = next(
        lane.station_id
        for lane in screen.plan.lanes
        if (lane.station_id is None) == (station is None)
        and (station is None or lane.label.startswith(f"Station {station}"))
    )
    form.person.setCurrentIndex(form.person.findData(person))
    form.station.setCurrentIndex(form.station.findData(lane or 0))
    for edit, moment in ((form.starts, start), (form.ends, end)):
        edit.setDateTime(
            QDateTime(
                QDate(moment.year, moment.month, moment.day), QTime(moment.hour, moment.minute)
            )
        )


def shift_of(screen: ScheduleScreen, name: str) -> int:
    assert screen.plan is not None
    return next(s.id for s in screen.plan.shifts if s.staff_name == name)


def checked(screen: ScheduleScreen) -> bool:
    form = screen.shift_form
    return form.check_label.text().startswith(("✓", "✕"))


def test_the_day_shows_a_lane_per_station_with_its_hours_shifts_and_breaks(
    qtbot: Any, organiser: Organiser, tmp_path: Path
) -> None:
    screen = organiser.window.schedule_screen
    form = screen.shift_form
    assert screen.plan is not None
    assert [lane.label for lane in screen.plan.lanes] == [
        "Station 1",
        "Station 2",
        "Station 3 · Garden Bar",
        "Roaming (no station)",
    ]
    assert screen.zone_label.text() == "Times in Australia/Sydney (the event's time zone)"
    timeline = screen.timeline
    texts = timeline.bar_texts()
    for bar in ("Sam 07:00–11:00", "Priya 08:00–12:00", "Jo 10:00–14:00"):
        assert bar in texts
    assert "Alex 11:00–15:00 · organiser" in texts
    assert timeline.height() >= 36 + 4 * 48
    assert screen.shifts_model.rowCount() == 4
    assert [screen.hours_form.model.row_at(i).applies_to for i in range(2)] == [
        "All stations",
        "Station 3 · Garden Bar",
    ]
    sam_row = screen.shifts_model.row_of(
        next(s.id for s in screen.plan.shifts if s.staff_name == "Sam")
    )
    assert sam_row is not None
    assert screen.shifts_model.index(sam_row, 3).data() == "09:00–09:15"
    # a click on Sam's bar opens the shift in the form
    rect = timeline.bar_rect(shift_of(screen, "Sam"))
    assert rect is not None
    qtbot.mouseClick(timeline, Qt.MouseButton.LeftButton, pos=rect.center().toPoint())
    assert form.editing is not None and form.person.currentText() == "Sam"
    assert form.break_list.count() == 1 and form.break_list.item(0).text() == "09:00–09:15"
    qtbot.waitUntil(lambda: form.check_label.text().startswith("✓"))
    save_screenshot(organiser.window, "organiser-schedule", tmp_path)


def test_a_valid_shift_is_saved_from_the_form_and_drawn_on_the_timeline(
    qtbot: Any, organiser: Organiser, tmp_path: Path
) -> None:
    screen = organiser.window.schedule_screen
    form = screen.shift_form
    form.new_button.click()
    fill(screen, "Priya", 2, at(12, 30), at(15, 30))
    qtbot.waitUntil(lambda: form.check_label.text().startswith("✓"))
    assert "✓ Priya 12:30–15:30 — not saved yet" in screen.timeline.bar_texts()
    # a break on it, from the form
    form.break_starts.setTime(QTime(14, 0))
    form.break_ends.setTime(QTime(14, 20))
    form.add_break_button.click()
    qtbot.waitUntil(lambda: form.save_button.isEnabled())
    qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Priya 12:30–15:30" in screen.timeline.bar_texts(), timeout=10_000)
    assert ("Priya", at(12, 30), at(15, 30)) in stored_shifts(organiser)
    assert form.message.text() == "Saved: Priya 12:30–15:30."
    qtbot.waitUntil(lambda: form.editing is not None and form.break_list.count() == 1)
    assert form.break_list.item(0).text() == "14:00–14:20"
    assert screen.shifts_model.rowCount() == 5


@pytest.mark.parametrize(
    "name,station,start,end,reason",
    [
        (
            "Sam",
            2,
            at(10),
            at(13),
            "Overlaps the shift {day} 07:00–11:00 at Station 1 of the same person",
        ),
        (
            "Jo",
            3,
            at(14),
            at(17),
            "Shift is outside the operating hours (Station 3 · Garden Bar is open 10:00–15:00)",
        ),
    ],
    ids=["overlapping", "outside-hours"],
)
def test_an_invalid_shift_shows_its_reason_before_saving_and_is_not_stored(
    qtbot: Any,
    organiser: Organiser,
    tmp_path: Path,
    name: str,
    station: int,
    start: datetime,
    end: datetime,
    reason: str,
) -> None:
    screen = organiser.window.schedule_screen
    form = screen.shift_form
    before = stored_shifts(organiser)
    form.new_button.click()
    fill(screen, name, station, start, end)
    qtbot.waitUntil(lambda: checked(screen))
    words = reason.format(day=f"{DAY:%a}")
    assert form.check_label.text() == f"✕ Can't be saved yet:\n• {words}"
    assert f"✕ {name} {start:%H:%M}–{end:%H:%M} — {words}" in screen.timeline.bar_texts()
    assert not form.save_button.isEnabled()
    form.save()  # pressed anyway (the button is off): refused, with the reason
    assert form.message.text() == f"Not saved: {words[0].lower()}{words[1:]}."
    qtbot.waitUntil(organiser.idle)
    assert stored_shifts(organiser) == before
    save_screenshot(organiser.window, f"organiser-schedule-invalid-{name.lower()}", tmp_path)
    # fixing it turns it valid again
    fill(screen, name, station, at(14), at(15))
    qtbot.waitUntil(lambda: form.check_label.text().startswith("✓"))
    assert form.save_button.isEnabled()


def test_shifts_and_hours_written_elsewhere_appear_and_a_deleted_shift_goes(
    qtbot: Any, organiser: Organiser
) -> None:
    screen = organiser.window.schedule_screen
    form = screen.shift_form
    services = organiser.services
    with read_session(services.engine) as session:
        jo = session.exec(select(StaffUser).where(StaffUser.name == "Jo")).one().id or 0
    draft = ShiftDraft(None, jo, None, at(14, 30), at(15, 30), "runner")
    saved = services.writer.run_sync(
        lambda tx: schedule_views.save_shift_draft(tx, services.event_id, draft), initiator="lan:1"
    )
    qtbot.waitUntil(lambda: "Jo 14:30–15:30 · runner" in screen.timeline.bar_texts())
    hours = HoursDraft(None, DAY, time(6), time(16))
    services.writer.run_sync(
        lambda tx: schedule_views.save_hours_draft(tx, services.event_id, hours), initiator="lan:1"
    )
    qtbot.waitUntil(
        lambda: screen.plan is not None and screen.plan.lanes[0].open == ((at(6), at(16)),)
    )
    # the organiser deletes it here, confirming first
    form.edit_shift(saved)
    form.delete_button.click()
    box = form.confirm_box
    assert isinstance(box, QMessageBox) and "Jo 14:30–15:30" in box.text()
    box.button(QMessageBox.StandardButton.Yes).click()
    qtbot.waitUntil(lambda: "Jo 14:30–15:30 · runner" not in screen.timeline.bar_texts())
    assert ("Jo", at(14, 30), at(15, 30)) not in stored_shifts(organiser)
    assert form.editing is None


def test_a_click_on_an_empty_slot_plans_a_shift_there(qtbot: Any, organiser: Organiser) -> None:
    screen = organiser.window.schedule_screen
    form = screen.shift_form
    timeline = screen.timeline
    sam = timeline.bar_rect(
        next(s.id for s in (screen.plan.shifts if screen.plan else ()) if s.staff_name == "Sam")
    )
    assert sam is not None
    # right of Sam's bar on Station 1's row, at 13:00
    x = timeline.x_of(at(13))
    qtbot.mouseClick(
        timeline, Qt.MouseButton.LeftButton, pos=QPoint(int(x) + 1, int(sam.center().y()))
    )
    assert form.editing is None
    assert form.station.currentText() == "Station 1"
    assert form.starts.dateTime().time() == QTime(13, 0)
    assert form.ends.dateTime().time() == QTime(17, 0)
