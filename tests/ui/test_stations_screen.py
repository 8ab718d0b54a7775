"""The Stations screen driven in the real organiser window: the demo's stations listed, a station
added with what it makes (chosen from the menu), a taken number refused next to its field —
as it is typed, and by the rule when another window took it meanwhile — pausing at once and
closing and deleting asked first, and a device paired for a station showing it online."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QAbstractItemModelTester
from PySide6.QtWidgets import QMessageBox
from sqlmodel import select

from expresso_desktop.services import devices, station_admin_views
from expresso_desktop.services.station_admin_views import StationDraft
from expresso_desktop.services.writer import Tx
from expresso_desktop.store.engine import read_session
from expresso_desktop.store.tables import Station
from expresso_desktop.ui.organiser.stations_screen import StationsScreen
from tests.ui.artifacts import save_screenshot
from tests.ui.organiser_gui import Organiser, running_organiser


@pytest.fixture
def organiser(qtbot: Any, qtlog: Any, tmp_path: Path) -> Iterator[Organiser]:
    with running_organiser(qtbot, tmp_path, "stations") as org:
        screen = org.window.stations_screen
        tester = QAbstractItemModelTester(
            screen.model, QAbstractItemModelTester.FailureReportingMode.Warning
        )
        qtbot.waitUntil(lambda: screen.model.rowCount() == 3, timeout=10_000)
        qtbot.waitUntil(lambda: screen.form.makes.lists["drinks"].count() > 0, timeout=10_000)
        yield org
        assert [r.message for r in qtlog.records if "FAIL!" in r.message] == [] and tester


def numbers(screen: StationsScreen) -> list[int]:
    return [screen.model.row_at(i).number for i in range(screen.model.rowCount())]


def shown(screen: StationsScreen, number: int) -> list[str]:
    at = numbers(screen).index(number)
    return [screen.model.index(at, c).data() for c in range(screen.model.columnCount())]


def stored(org: Organiser, number: int) -> Station | None:
    with read_session(org.services.engine) as session:
        return session.exec(
            select(Station).where(Station.number == number, Station.deleted == False)  # noqa: E712
        ).first()


def pick(screen: StationsScreen, number: int) -> None:
    """The user clicks the station's row."""
    screen.table.clicked.emit(screen.model.index(numbers(screen).index(number), 0))


def test_a_station_is_added_with_what_it_makes(
    qtbot: Any, organiser: Organiser, tmp_path: Path
) -> None:
    screen = organiser.window.stations_screen
    assert shown(screen, 3)[:6] == [
        "3",
        "Garden Bar",
        "garden terrace",
        "▶ Open",
        "6/13 drinks · 6/9 milks · 4/8 extras",
        "— No device paired",
    ]
    qtbot.mouseClick(screen.add_button, Qt.MouseButton.LeftButton)
    assert screen.form.number.value() == 4 and screen.form.save_button.text() == "Add station"
    qtbot.keyClicks(screen.form.name, "Rooftop")
    qtbot.keyClicks(screen.form.location, "level 5, by the lifts")
    qtbot.keyClicks(screen.form.map_url, "maps.example.com/roof")
    assert screen.form.errors["map_url"].text().startswith("✕ A map link starts with https://")
    assert not screen.form.save_button.isEnabled()
    screen.form.map_url.setText("https://maps.example.com/roof")
    screen.form.makes.check("drinks", "latte", "flat white")
    screen.form.makes.check("milks", "oat", "none")
    assert screen.form.makes.titles["drinks"].text() == "Drinks 2/13"
    qtbot.mouseClick(screen.form.status_buttons["paused"], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(screen.form.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: 4 in numbers(screen))
    assert shown(screen, 4)[:5] == [
        "4",
        "Rooftop",
        "level 5, by the lifts",
        "❚❚ Paused",
        "2/13 drinks · 2/9 milks · no extras",
    ]
    station = stored(organiser, 4)
    assert station is not None and station.capabilities_json == {
        "drinks": ["latte", "flat white"],
        "milks": ["oat", "none"],
        "extras": [],
    }
    assert (station.name, station.map_url, station.status) == (
        "Rooftop",
        "https://maps.example.com/roof",
        "paused",
    )
    assert screen.form.message.text() == "Added Station 4 · Rooftop."
    assert screen.editing == station.id and not screen.form.number.isEnabled()
    pick(screen, 1)
    save_screenshot(organiser.window, "organiser-stations", tmp_path)


def test_the_form_offers_the_next_free_number_once_the_stations_are_read(
    qtbot: Any, organiser: Organiser
) -> None:
    """Opened before the stations arrive, it offered 1 and said "Station 1 already exists"."""
    screen = organiser.window.stations_screen
    qtbot.waitUntil(lambda: screen.model.rowCount() == 3)
    assert screen.editing is None and screen.form.number.value() == 4
    assert not screen.form.errors["number"].isVisible()


def test_a_taken_number_is_refused_next_to_the_field(qtbot: Any, organiser: Organiser) -> None:
    screen = organiser.window.stations_screen
    screen.new_station()
    screen.form.number.setValue(2)
    assert screen.form.errors["number"].text() == "✕ Station 2 already exists"
    assert not screen.form.save_button.isEnabled()
    screen.form.number.setValue(5)
    assert not screen.form.errors["number"].isVisible() and screen.form.save_button.isEnabled()
    screen.form.name.setText("Side bar")
    # Another window (the LAN API's path) takes 5 before this one's save reaches the writer:
    # the rule refuses it, and the reason shows beside the number.
    taken = StationDraft(None, 5, "Terrace", "", "", "open", ("latte",), (), ())
    organiser.services.writer.run_sync(
        lambda tx: station_admin_views.save_station(
            tx, event_id=organiser.services.event_id, draft=taken
        ),
        initiator="lan:1",
    )
    screen.save()
    qtbot.waitUntil(lambda: screen.form.message.text() == "Not saved: station 5 already exists")
    assert screen.form.errors["number"].text() == "✕ Station 5 already exists"
    station = stored(organiser, 5)
    assert station is not None and station.name == "Terrace"
    qtbot.waitUntil(lambda: 5 in numbers(screen))


def test_pausing_applies_at_once_and_closing_asks_first(qtbot: Any, organiser: Organiser) -> None:
    screen = organiser.window.stations_screen
    pick(screen, 2)
    assert screen.form.title() == "Station 2" and screen.form.delete_button.isVisible()
    qtbot.mouseClick(screen.form.status_buttons["paused"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: shown(screen, 2)[3] == "❚❚ Paused")
    station = stored(organiser, 2)
    assert station is not None and station.status == "paused"
    assert screen.form.message.text() == "Station 2 is paused now."
    qtbot.mouseClick(screen.form.status_buttons["closed"], Qt.MouseButton.LeftButton)
    box = screen.confirm_box
    assert isinstance(box, QMessageBox) and box.text().startswith("Close Station 2?")
    assert screen.form.status_buttons["paused"].isChecked()  # nothing changes until Yes
    box.button(QMessageBox.StandardButton.Cancel).click()
    assert shown(screen, 2)[3] == "❚❚ Paused"
    qtbot.mouseClick(screen.form.status_buttons["closed"], Qt.MouseButton.LeftButton)
    assert screen.confirm_box is not None
    screen.confirm_box.button(QMessageBox.StandardButton.Yes).click()
    qtbot.waitUntil(lambda: shown(screen, 2)[3] == "■ Closed")
    assert screen.form.status_buttons["closed"].isChecked()


def test_deleting_asks_first_and_the_row_goes(qtbot: Any, organiser: Organiser) -> None:
    screen = organiser.window.stations_screen
    pick(screen, 3)
    qtbot.mouseClick(screen.form.delete_button, Qt.MouseButton.LeftButton)
    box = screen.confirm_box
    assert isinstance(box, QMessageBox) and box.text().startswith("Delete Station 3 · Garden Bar?")
    box.button(QMessageBox.StandardButton.Yes).click()
    qtbot.waitUntil(lambda: numbers(screen) == [1, 2])
    assert stored(organiser, 3) is None
    assert (
        screen.editing is None and screen.form.message.text() == "Deleted Station 3 · Garden Bar."
    )


def test_a_device_paired_for_a_station_shows_it_online(qtbot: Any, organiser: Organiser) -> None:
    screen = organiser.window.stations_screen
    pick(screen, 2)
    qtbot.mouseClick(screen.form.pair_button, Qt.MouseButton.LeftButton)
    dialog = screen.pair_dialog
    assert dialog is not None and dialog.windowTitle() == "Pair a device for Station 2"
    qtbot.waitUntil(lambda: dialog.box.card is not None, timeout=10_000)
    card = dialog.box.card
    assert card is not None and card.station_id == screen.editing and card.role == "barista"

    def pair(tx: Tx) -> None:  # what the LAN server's /pair does with the code
        issued = devices.redeem_pairing_code(card.code, session=tx.session, name="bar tablet")
        assert issued is not None
        devices.mark_seen([issued.device_id], session=tx.session)

    organiser.services.writer.run_sync(pair, initiator="lan:pair")
    qtbot.waitUntil(lambda: shown(screen, 2)[5] == "● Online", timeout=10_000)
    qtbot.waitUntil(lambda: dialog.box.expiry_label.text().startswith("Paired."), timeout=10_000)
    assert shown(screen, 1)[5] == "— No device paired"
