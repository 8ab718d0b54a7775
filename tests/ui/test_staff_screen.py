"""The Staff screen driven in the real organiser window: people listed from the store, a person
added with a PIN typed masked and checked as it is typed (stored only as a hash, never shown),
deactivation confirmed first, people written elsewhere (the LAN API's path) appearing and going,
and what someone made showing up once they make it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QAbstractItemModelTester
from PySide6.QtWidgets import QLineEdit, QMessageBox
from sqlmodel import select

from expresso_desktop.core.actors import Actor
from expresso_desktop.core.items import DrinkSpec
from expresso_desktop.core.staff import verify_pin
from expresso_desktop.services import order_actions, orders, schedule_admin, staff_views
from expresso_desktop.services.staff_views import StaffDraft
from expresso_desktop.services.writer import Tx
from expresso_desktop.store.engine import read_session
from expresso_desktop.store.tables import StaffUser, Station
from expresso_desktop.store.types import utcnow
from expresso_desktop.ui.organiser.staff_screen import StaffScreen
from tests.ui.artifacts import save_screenshot
from tests.ui.organiser_gui import Organiser, running_organiser


@pytest.fixture
def organiser(qtbot: Any, qtlog: Any, tmp_path: Path) -> Iterator[Organiser]:
    with running_organiser(qtbot, tmp_path, "staff") as org:
        screen = org.window.staff_screen
        tester = QAbstractItemModelTester(
            screen.model, QAbstractItemModelTester.FailureReportingMode.Warning
        )
        qtbot.waitUntil(lambda: screen.model.rowCount() == 4, timeout=10_000)
        yield org
        assert [r.message for r in qtlog.records if "FAIL!" in r.message] == [] and tester


def names(screen: StaffScreen) -> list[str]:
    return [screen.model.row_at(i).name for i in range(screen.model.rowCount())]


def shown(screen: StaffScreen, name: str) -> list[str]:
    """The row of ``name`` as the table shows it."""
    at = names(screen).index(name)
    return [screen.model.index(at, c).data() for c in range(screen.model.columnCount())]


def stored(org: Organiser, name: str) -> StaffUser | None:
    with read_session(org.services.engine) as session:
        return session.exec(select(StaffUser).where(StaffUser.name == name)).first()


def test_a_person_is_added_with_a_pin_checked_as_it_is_typed(
    qtbot: Any, organiser: Organiser, tmp_path: Path
) -> None:
    screen = organiser.window.staff_screen
    assert shown(screen, "Sam")[:5] == ["Sam", "Barista", "—", "● Active", "— no PIN"]
    assert screen.pin.echoMode() == QLineEdit.EchoMode.Password
    qtbot.mouseClick(screen.add_button, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(screen.name, "Mia")
    screen.role.setCurrentIndex(screen.role.findData("runner"))
    qtbot.keyClicks(screen.skills, "latte art, trainer")
    qtbot.keyClicks(screen.pin, "12")
    assert screen.pin_error.isVisible()
    assert screen.pin_error.text() == "✕ PIN must be 4-8 digits"
    assert not screen.save_button.isEnabled()
    screen.pin.clear()
    qtbot.keyClicks(screen.pin, "1111")
    assert screen.pin_error.text() == "✕ PIN is too easy to guess"
    save_screenshot(organiser.window, "organiser-staff-pin-refused", tmp_path)
    screen.save()  # refused in place, nothing written
    assert screen.message.text() == "Not saved: PIN is too easy to guess."
    screen.pin.clear()
    qtbot.keyClicks(screen.pin, "4826")
    assert screen.pin_error.text() == "" and screen.save_button.isEnabled()
    qtbot.mouseClick(screen.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Mia" in names(screen))
    assert shown(screen, "Mia") == [
        "Mia",
        "Runner",
        "latte art, trainer",
        "● Active",
        "✓ PIN set",
        "0",
        "—",
    ]
    person = stored(organiser, "Mia")
    assert person is not None and verify_pin("4826", person.pin_hash or "")
    assert screen.pin.text() == "" and screen.editing == person.id
    assert screen.message.text() == "Added Mia."
    assert screen.pin_state.text() == "✓ Has a PIN — type a new one to reset it"
    save_screenshot(organiser.window, "organiser-staff", tmp_path)
    # a PIN reset: a new one replaces it
    qtbot.keyClicks(screen.pin, "7351")
    qtbot.mouseClick(screen.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: screen.message.text() == "Saved Mia.")
    person = stored(organiser, "Mia")
    assert person is not None and verify_pin("7351", person.pin_hash or "")


def test_a_name_with_an_invisible_character_is_refused_next_to_the_field(
    qtbot: Any, organiser: Organiser
) -> None:
    screen = organiser.window.staff_screen
    screen.new_person()
    screen.name.setText("Mia\u202e")  # pasted: QTest cannot type a format character
    assert screen.name_error.text().startswith("✕ Must not contain control or invisible")
    assert not screen.save_button.isEnabled()


def test_deactivating_asks_first_and_reactivating_does_not(
    qtbot: Any, organiser: Organiser
) -> None:
    screen = organiser.window.staff_screen
    at = names(screen).index("Jo")
    screen.table.clicked.emit(screen.model.index(at, 0))  # the user picks Jo
    assert screen.editing is not None and screen.name.text() == "Jo"
    qtbot.mouseClick(screen.active_button, Qt.MouseButton.LeftButton)
    box = screen.confirm_box
    assert isinstance(box, QMessageBox) and box.text().startswith("Deactivate Jo?")
    box.button(QMessageBox.StandardButton.Cancel).click()
    assert shown(screen, "Jo")[3] == "● Active"
    qtbot.mouseClick(screen.active_button, Qt.MouseButton.LeftButton)
    assert screen.confirm_box is not None
    screen.confirm_box.button(QMessageBox.StandardButton.Yes).click()
    qtbot.waitUntil(lambda: shown(screen, "Jo")[3] == "○ Inactive")
    jo = stored(organiser, "Jo")
    assert jo is not None and not jo.active
    assert screen.active_button.text() == "Reactivate"
    qtbot.mouseClick(screen.active_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: shown(screen, "Jo")[3] == "● Active")


def test_people_written_elsewhere_appear_and_go(qtbot: Any, organiser: Organiser) -> None:
    screen = organiser.window.staff_screen
    writer = organiser.services.writer
    draft = StaffDraft(None, "Kai", "barista", ("trainer",), pin="2580")
    kai = writer.run_sync(lambda tx: staff_views.save_person(tx, draft), initiator="lan:1")
    qtbot.waitUntil(lambda: "Kai" in names(screen))
    assert shown(screen, "Kai")[2:5] == ["trainer", "● Active", "✓ PIN set"]

    def remove(tx: Tx) -> None:
        person = schedule_admin.live(tx.session, StaffUser, kai.id, "staff member")
        schedule_admin.tombstone(tx, "staff_users", person)

    writer.run_sync(remove, initiator="lan:1")
    qtbot.waitUntil(lambda: "Kai" not in names(screen))
    assert names(screen) == ["Alex", "Jo", "Priya", "Sam"]


def test_what_someone_makes_shows_up_in_their_row(qtbot: Any, organiser: Organiser) -> None:
    screen = organiser.window.staff_screen
    services = organiser.services
    with read_session(services.engine) as session:
        sam = session.exec(select(StaffUser).where(StaffUser.name == "Sam")).one().id
        one = session.exec(select(Station).where(Station.number == 1)).one().id
    bar = Actor("barista", one, 7, sam, "replica-1", "bar")
    order = services.writer.run_sync(
        lambda tx: order_actions.create_at_station(
            tx,
            event_id=services.event_id,
            station_id=one or 0,
            specs=[DrinkSpec("latte", "medium", "full cream", quantity=2)],
            menu=services.menu,
            actor=bar,
        )
    )
    begin = utcnow()
    services.writer.run_sync(lambda tx: orders.start_order(tx, order.id, actor=bar, now=begin))
    done = begin + timedelta(seconds=95)
    services.writer.run_sync(lambda tx: orders.mark_ready(tx, order.id, actor=bar, now=done))
    qtbot.waitUntil(lambda: shown(screen, "Sam")[5:] == ["2", "1 min 35 s"], timeout=10_000)
