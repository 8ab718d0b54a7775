"""A barista station's display choices (font scale, high contrast), its spoken call-out and its
Ready board window, against a real organiser (in process) and the station's real replica. The
speech engine is the one stand-in: it is an OS service, so a recorder takes its place."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication

from expresso_desktop.core.menu import Menu
from expresso_desktop.sync import display_prefs
from expresso_desktop.sync.display_prefs import DisplayPrefs
from expresso_desktop.sync.events import ReplicaChanged
from expresso_desktop.sync.replica import put
from expresso_desktop.sync.station_service import StationService
from expresso_desktop.ui.barista.callout import NO_SPEECH, SpeechChoice
from expresso_desktop.ui.barista.display_settings import DisplayDialog, StationDisplay
from expresso_desktop.ui.barista.main_window import BaristaWindow, SyncSignals
from expresso_desktop.ui.common.ops import OpRunner
from expresso_desktop.ui.common.service_host import ServiceHost
from expresso_desktop.ui.common.theme import apply_theme, scale_font_sizes
from tests.sync.harness import Organiser, StationNode
from tests.ui.artifacts import artifacts_dir, settle


@dataclass
class Recorder:
    """Stands in for the OS voice: what it was asked to say."""

    said: list[str] = field(default_factory=list)

    def say(self, text: str) -> None:
        self.said.append(text)


@dataclass
class Station:
    org: Organiser
    node: StationNode
    signals: SyncSignals
    window: BaristaWindow
    display: StationDisplay
    voice: Recorder

    def sync(self) -> None:
        self.node.rounds.clear()
        assert asyncio.run(self.node.sync())
        for changed in self.node.rounds:
            self.signals.replica_changed.emit(changed)

    def tap(self, name: str, order_id: str) -> None:
        """A tap at this station, offline: the outbox and the replica at once."""
        self.node.tap(name, order_id=order_id)
        self.signals.replica_changed.emit(ReplicaChanged(order_ids=frozenset({order_id})))


@pytest.fixture
def station(qtbot: Any, tmp_path: Path, menu: Menu) -> Iterator[Station]:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    before = app.styleSheet()
    org = Organiser(tmp_path / "org")
    org.seed()
    node = StationNode(org, tmp_path / "station.db", org.station_ids()[0])
    with node.replica.write() as conn:  # as pairing leaves it: the window shows the queue
        put(conn, "server_url", "https://organiser.test")
    host = ServiceHost()
    host.start()
    ops = OpRunner(host)
    signals = SyncSignals()
    service = StationService(node.replica, menu)
    window = BaristaWindow(service=service, ops=ops, menu=menu, signals=signals)
    qtbot.addWidget(window)
    voice = Recorder()
    display = StationDisplay(
        window, node.replica, ops, signals, speech=SpeechChoice(voice, "a recorder")
    )
    st = Station(org, node, signals, window, display, voice)
    try:
        st.sync()
        qtbot.waitUntil(lambda: not window.reads.busy)
        yield st
    finally:
        display.close()
        app.setStyleSheet(before)
        ops.close()
        host.stop()
        node.close()
        org.close()


def test_an_order_made_ready_here_is_called_out_once(qtbot: Any, station: Station) -> None:
    mine = station.org.station_ids()[0]
    waiting = station.org.add_order(mine, "Ana")
    station.org.do("order.start", order_id=waiting)
    station.org.do("order.ready", order_id=waiting)  # ready before the call-out is on
    fresh = station.org.add_order(mine, "sam +61 412 345 678")
    station.sync()
    station.display.save(DisplayPrefs(callout=True))
    qtbot.waitUntil(
        lambda: station.display.callout.enabled and not station.display.callout.serial.busy
    )

    station.tap("order.start", fresh)
    station.tap("order.ready", fresh)  # offline: the tap alone
    number = station.org.order(fresh).number
    qtbot.waitUntil(lambda: station.voice.said == [f"Order {number}, Sam"])
    station.sync()  # the organiser confirms it: nothing said again
    qtbot.waitUntil(lambda: not station.display.callout.serial.busy)
    assert station.voice.said == [f"Order {number}, Sam"]
    assert display_prefs.read(station.node.replica).callout


def test_the_call_out_is_off_by_default(qtbot: Any, station: Station) -> None:
    order = station.org.add_order(station.org.station_ids()[0], "Ana")
    station.sync()
    station.tap("order.ready", order)
    qtbot.wait(50)  # nothing to wait for: the call-out reads nothing while off
    assert not station.display.callout.enabled and station.voice.said == []


def test_the_font_scale_and_high_contrast_apply_and_are_remembered(
    qtbot: Any, station: Station, tmp_path: Path
) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    delegate = station.window.delegate
    assert delegate.fonts.number.pixelSize() == 34
    for name in ("Ana", "Ben", "Cy"):
        station.org.add_order(station.org.station_ids()[0], name)
    station.sync()
    station.display.save(DisplayPrefs(font_scale=150, high_contrast=True))
    qtbot.waitUntil(lambda: station.display.prefs.font_scale == 150)
    assert delegate.fonts.number.pixelSize() == 51  # 34 px at 100 %
    assert delegate.fonts.line.pixelSize() == 30
    sheet = app.styleSheet()
    assert "#ffd400" in sheet  # the high-contrast layer
    assert "QWidget { font-size: 23px" in sheet  # 15 px at 100 %
    assert display_prefs.read(station.node.replica) == DisplayPrefs(150, True, False)

    window = station.window
    window.show()
    for prefs, name in (
        (DisplayPrefs(high_contrast=True), "barista-high-contrast"),
        (DisplayPrefs(font_scale=150), "barista-font-150"),
    ):
        station.display.apply(prefs)
        settle(app)  # the minimum size follows the new fonts first
        window.resize(1280, 800)
        settle(app)
        assert window.grab().save(str(artifacts_dir(tmp_path) / f"{name}.png"))

    station.display.apply(DisplayPrefs())
    assert delegate.fonts.number.pixelSize() == 34 and "#ffd400" not in app.styleSheet()


def test_the_display_dialog_offers_what_this_computer_can_do(qtbot: Any) -> None:
    dialog = DisplayDialog(
        DisplayPrefs(font_scale=150, callout=True), SpeechChoice(None, NO_SPEECH)
    )
    qtbot.addWidget(dialog)
    assert dialog.scales.checkedId() == 150
    assert not dialog.callout.isEnabled() and not dialog.callout.isChecked()
    dialog.scales.button(175).click()
    dialog.high_contrast.click()
    assert dialog.prefs() == DisplayPrefs(font_scale=175, high_contrast=True, callout=False)


def test_the_station_opens_its_own_ready_board(qtbot: Any, station: Station) -> None:
    ids = station.org.station_ids()
    mine = station.org.add_order(ids[0], "Ana")
    station.org.add_order(ids[1], "Ben")  # another station's: not on this board
    station.sync()
    board = station.display.open_board()
    qtbot.addWidget(board)
    qtbot.waitUntil(lambda: board.canvas.view is not None)
    assert board.canvas.shown_tiles() == []
    station.tap("order.ready", mine)
    number = station.org.order(mine).number
    qtbot.waitUntil(lambda: board.canvas.shown_tiles() == [f"{number} Ana"])
    station.tap("order.collect", mine)
    qtbot.waitUntil(lambda: board.canvas.shown_tiles() == [])


def test_font_sizes_scale_in_the_stylesheet() -> None:
    assert scale_font_sizes("a { font-size: 15px; } b { font-size:26px }", 200) == (
        "a { font-size: 30px; } b { font-size:52px }"
    )
    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    before = app.styleSheet()
    try:
        apply_theme(app, scale=100, high_contrast=False)
        assert "#ffd400" not in app.styleSheet()
    finally:
        app.setStyleSheet(before)
