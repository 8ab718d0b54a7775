"""A station's first run as a barista does it: the organiser (in process, its real LAN API over
TLS and its real mDNS advert on loopback) appears in the list, a tap on it and the code it shows
pair the station; then who is on the bar: a wrong PIN says why, the right one opens the queue
with the barista named; "Change barista" is a PIN away; log out; the next start opens straight
on the queue."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from sqlmodel import select

from expresso_desktop.server.lan_server import build_lan
from expresso_desktop.services import devices, schedule_admin
from expresso_desktop.settings import AppPaths
from expresso_desktop.store.engine import read_session
from expresso_desktop.store.tables import Event, StaffUser
from expresso_desktop.sync import barista
from expresso_desktop.sync.station import StationOptions
from expresso_desktop.ui.barista.pair_box import OrganiserRow, short_fingerprint
from expresso_desktop.ui.barista.station_app import PairingResult, StationApp
from expresso_desktop.ui.common.service_host import ServersStarted, ServiceHost
from tests.sync.harness import Organiser
from tests.ui.artifacts import save_screenshot

LOOPBACK = ("127.0.0.1",)
PINS = {"Sam": "4821", "Priya": "7305"}
NET_MS = 20_000  # bounds on mDNS, TLS and a first download: never timing assertions


@dataclass
class LanOrganiser:
    org: Organiser
    url: str
    fingerprint: str  # as the advert spells it
    event_name: str
    staff: dict[str, int]

    def pairing_code(self) -> str:
        one = self.org.station_ids()[0]
        issued = self.org.services.writer.run_sync(
            lambda tx: devices.create_pairing_code(
                session=tx.session, role="barista", station_id=one
            )
        )
        return issued.code


def _give_pins(org: Organiser) -> dict[str, int]:
    def work(tx: Any) -> dict[str, int]:
        ids = {}
        for name, pin in PINS.items():
            person = tx.session.exec(select(StaffUser).where(StaffUser.name == name)).one()
            schedule_admin.save_staff(tx, person, pin)
            ids[name] = int(person.id)
        return ids

    return org.services.writer.run_sync(work)


def _event_name(org: Organiser) -> str:
    with read_session(org.services.engine) as session:
        event = session.get(Event, org.services.event_id)
        assert event is not None
        return event.name


@pytest.fixture
def organiser(qtbot: Any, tmp_path: Path) -> Iterator[LanOrganiser]:
    org = Organiser(tmp_path / "org")
    org.seed()
    staff = _give_pins(org)
    lan = build_lan(
        org.services, host="127.0.0.1", port=0, mdns_interfaces=list(LOOPBACK)
    )  # its advert names this run's own certificate: other organisers on loopback are ignored
    host = ServiceHost(lambda: lan.components)
    with qtbot.waitSignal(host.started, timeout=NET_MS) as started:
        host.start()
    ready = started.args[0]
    assert isinstance(ready, ServersStarted)
    fingerprint = lan.listener.identity.fingerprint_hex.replace(":", "").lower()
    try:
        yield LanOrganiser(org, lan.listener.url, fingerprint, _event_name(org), staff)
    finally:
        host.stop()
        org.close()


def _our_row(station: StationApp, organiser: LanOrganiser) -> OrganiserRow | None:
    rows = station.window.pair_box.rows
    return next((r for r in rows if r.found.fingerprint == organiser.fingerprint), None)


def _type_pin(qtbot: Any, station: StationApp, pin: str) -> None:
    box = station.login_box
    for digit in pin:
        qtbot.mouseClick(box.digit_buttons[digit], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(box.login_button, Qt.MouseButton.LeftButton)


def _pick(qtbot: Any, station: StationApp, staff_id: int) -> None:
    box = station.login_box
    qtbot.waitUntil(lambda: box.staff_group.button(staff_id) is not None, timeout=NET_MS)
    qtbot.mouseClick(box.staff_group.button(staff_id), Qt.MouseButton.LeftButton)


def test_first_run_finds_the_organiser_pairs_and_a_pin_opens_the_queue(
    qtbot: Any, organiser: LanOrganiser, tmp_path: Path
) -> None:
    paths = AppPaths(tmp_path / "station")
    options = StationOptions(mdns_interfaces=LOOPBACK)
    station = StationApp(paths, options)
    qtbot.addWidget(station.window)
    station.start()
    window, box = station.window, station.window.pair_box
    try:
        qtbot.waitUntil(lambda: window.pages.currentWidget() is box)
        qtbot.waitUntil(lambda: _our_row(station, organiser) is not None, timeout=NET_MS)
        row = _our_row(station, organiser)
        assert row is not None
        assert row.event_label.text() == organiser.event_name
        assert organiser.url.removeprefix("https://") in row.detail_label.text()
        assert short_fingerprint(organiser.fingerprint) in row.detail_label.text()
        save_screenshot(window, "barista-pair-discovered", tmp_path)

        qtbot.mouseClick(row, Qt.MouseButton.LeftButton)
        assert box.steps.currentIndex() == 1
        assert organiser.event_name in box.chosen_label.text()
        qtbot.keyClicks(box.code, "ACD EF")  # five: said at once, nothing sent
        qtbot.mouseClick(box.button, Qt.MouseButton.LeftButton)
        assert box.message.text().startswith("✕ A pairing code has 6")
        box.code.setText("ACDEFG")  # six, but not one the organiser issued
        with qtbot.waitSignal(station.paired, timeout=NET_MS) as refused:
            qtbot.mouseClick(box.button, Qt.MouseButton.LeftButton)
        assert not refused.args[0].ok
        assert box.message.text().startswith("✕ Wrong or expired code")
        save_screenshot(window, "barista-pair-code", tmp_path)

        box.code.setText(organiser.pairing_code())
        with qtbot.waitSignal(station.paired, timeout=NET_MS) as paired:
            qtbot.keyClick(box.code, Qt.Key.Key_Return)
        result = paired.args[0]
        assert isinstance(result, PairingResult) and result.ok and result.url == organiser.url

        # Who is on the bar: the staff list arrives with the event.
        login = station.login_box
        assert station.gate.currentWidget() is login
        sam, priya = organiser.staff["Sam"], organiser.staff["Priya"]
        _pick(qtbot, station, sam)
        qtbot.waitUntil(lambda: login.station_label.text().startswith("Station 1"))
        _type_pin(qtbot, station, "1357")
        qtbot.waitUntil(lambda: login.message.text() != "", timeout=NET_MS)
        assert login.message.text().startswith("✕ Wrong PIN for Sam")
        assert station.gate.currentWidget() is login and barista.current(station.replica) is None
        save_screenshot(window, "barista-pin", tmp_path)
        for digit in "48":
            qtbot.mouseClick(login.digit_buttons[digit], Qt.MouseButton.LeftButton)
        assert login.dots.text() == "● ●" and login.message.text() == ""  # a new try

        login.clear_pin()
        _type_pin(qtbot, station, PINS["Sam"])
        qtbot.waitUntil(lambda: station.gate.currentIndex() == 0, timeout=NET_MS)
        qtbot.waitUntil(lambda: window.barista_label.text() == "Barista: Sam")
        assert window.pages.currentIndex() == 0  # the queue, not the pairing form
        who = barista.current(station.replica)
        assert who is not None and who.id == sam and not who.offline

        # Change barista: a PIN away; Sam stays on until Priya's PIN is right.
        qtbot.mouseClick(station.badge.change_button, Qt.MouseButton.LeftButton)
        assert station.gate.currentWidget() is login
        qtbot.waitUntil(lambda: "Sam is logged in now" in login.staff_note.text())
        _pick(qtbot, station, priya)
        _type_pin(qtbot, station, PINS["Priya"])
        qtbot.waitUntil(lambda: window.barista_label.text() == "Barista: Priya", timeout=NET_MS)
        assert station.gate.currentIndex() == 0

        qtbot.mouseClick(station.badge.logout_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: station.gate.currentWidget() is login)
        qtbot.waitUntil(lambda: login.back_button.text() == "Continue without logging in")
        assert barista.current(station.replica) is None
        _pick(qtbot, station, priya)
        _type_pin(qtbot, station, PINS["Priya"])
        qtbot.waitUntil(lambda: station.gate.currentIndex() == 0, timeout=NET_MS)
    finally:
        station.close()

    # The next start: paired, Priya still on: straight on the queue, nothing to choose.
    again = StationApp(paths, options)
    qtbot.addWidget(again.window)
    again.start()
    try:
        assert again.gate.currentIndex() == 0
        assert again.badge.logout_button.isVisibleTo(again.badge)
        qtbot.waitUntil(lambda: again.window.barista_label.text() == "Barista: Priya")
        assert again.window.title.text().startswith("Station 1")
        assert again.window.pages.currentIndex() == 0
    finally:
        again.close()


def test_a_station_started_with_a_pairing_code_pairs_without_the_form(
    qtbot: Any, organiser: LanOrganiser, tmp_path: Path
) -> None:
    """`expresso barista --server URL --pair CODE`: what the command line gave is used at once."""
    options = StationOptions(
        server=organiser.url, pair=organiser.pairing_code(), mdns_interfaces=LOOPBACK
    )
    station = StationApp(AppPaths(tmp_path / "station"), options)
    qtbot.addWidget(station.window)
    with qtbot.waitSignal(station.paired, timeout=NET_MS) as paired:
        station.start()
    try:
        result = paired.args[0]
        assert result.ok and result.url == organiser.url, result
        assert station.gate.currentWidget() is station.login_box  # next: who is on the bar
        qtbot.waitUntil(lambda: station.login_box.station_label.text().startswith("Station 1"))
    finally:
        station.close()
