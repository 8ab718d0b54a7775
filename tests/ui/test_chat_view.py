"""Chat between the organiser and a station, both ends driven as people use them: the real
organiser window (its services and servers in process) and a real station replica synced to it
through the sync tests' in-process link, its barista window with the Chat side panel.

The organiser writes to station 1 → it shows in the station's panel after a sync round; the
station answers → the organiser's sidebar badges it until the Chat screen is looked at; a
message written offline waits in the outbox and shows "sending…"."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import pytest
from PySide6.QtCore import Qt

from expresso_desktop.core.chat import ALL, ORGANISER, ChatLine
from expresso_desktop.core.menu import Menu
from expresso_desktop.services.sync.server import SyncServer
from expresso_desktop.sync.replica import put
from expresso_desktop.sync.station_chat import StationChat
from expresso_desktop.sync.station_service import StationService
from expresso_desktop.ui.barista.chat_panel import ChatPanel
from expresso_desktop.ui.barista.main_window import BaristaWindow, SyncSignals
from expresso_desktop.ui.common.chat_view import ChatView
from expresso_desktop.ui.common.ops import OpRunner
from expresso_desktop.ui.common.service_host import ServiceHost
from tests.services.helpers import station_id
from tests.sync.harness import Organiser as SyncOrganiser
from tests.sync.harness import StationNode
from tests.ui.artifacts import save_screenshot
from tests.ui.organiser_gui import Organiser, running_organiser

DEVICE = "Station 1 tablet"


@dataclass
class _Link:
    """What a station's in-process link needs of the organiser: its sync server."""

    sync: SyncServer


@dataclass
class Station:
    node: StationNode
    signals: SyncSignals
    window: BaristaWindow
    panel: ChatPanel

    def sync(self) -> bool:
        """One round; what it changed reaches the window as the sync's signal would carry it."""
        self.node.rounds.clear()
        ok = asyncio.run(self.node.sync())
        for changed in self.node.rounds:
            self.signals.replica_changed.emit(changed)
        return ok

    @property
    def tab_title(self) -> str:
        tabs = self.window.side_panels
        return tabs.tabText(tabs.indexOf(self.panel))


@pytest.fixture
def organiser(qtbot: Any, tmp_path: Path) -> Iterator[Organiser]:
    with running_organiser(qtbot, tmp_path, "chat") as org:
        yield org


@pytest.fixture
def station(qtbot: Any, tmp_path: Path, organiser: Organiser, menu: Menu) -> Iterator[Station]:
    services = organiser.services
    link = cast(SyncOrganiser, _Link(services.sync))
    node = StationNode(link, tmp_path / "station.db", station_id(services, 1), name=DEVICE)
    with node.replica.write() as conn:  # paired (the in-process link needs no address)
        put(conn, "server_url", "https://organiser.invalid")
    host = ServiceHost()
    host.start()
    ops = OpRunner(host)
    signals = SyncSignals()
    window = BaristaWindow(
        service=StationService(node.replica, menu), ops=ops, menu=menu, signals=signals
    )
    panel = ChatPanel(ops, StationChat(node.replica), signals)
    window.add_side_panel(panel, "Chat")  # as station_app.py does
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    st = Station(node, signals, window, panel)
    try:
        assert st.sync()  # the first download
        qtbot.waitUntil(lambda: panel.view.picker.count() == 2, timeout=10_000)
        qtbot.waitUntil(lambda: panel.isVisible())  # the station's page, not the pairing form
        yield st
    finally:
        ops.close()
        host.stop()
        node.close()


def texts(view: ChatView) -> list[tuple[str, str, bool]]:
    return [(line.author, line.body, line.own) for line in view.conversation.lines]


def last(view: ChatView) -> ChatLine:
    return view.conversation.lines[-1]


def write(qtbot: Any, view: ChatView, text: str) -> None:
    qtbot.keyClicks(view.compose, text)
    qtbot.keyClick(view.compose, Qt.Key.Key_Return)  # Enter sends


def test_organiser_and_station_chat_with_unread_badges_and_offline_sending(
    qtbot: Any, organiser: Organiser, station: Station, tmp_path: Path
) -> None:
    window = organiser.window
    desk = window.chat_screen.view
    qtbot.waitUntil(lambda: desk.picker.count() == 4, timeout=10_000)  # All + the demo's three
    assert desk.picker.itemText(0) == "All stations"
    mine = f"station:{station.node.station_id}"
    desk.show_channel(mine)
    assert desk.picker.currentText().startswith("Station 1")
    assert desk.conversation.empty.isVisible()

    # The organiser writes to station 1.
    write(qtbot, desk, "Oat milk is on its way")
    qtbot.waitUntil(lambda: texts(desk) == [(ORGANISER, "Oat milk is on its way", True)])
    assert desk.compose.text() == ""
    assert last(desk).version > 0  # the organiser's own are never "sending…"

    # It reaches the station with the next round: unread on the tab until someone looks.
    panel = station.panel.view
    assert panel.channel == ALL
    assert station.sync()
    qtbot.waitUntil(lambda: station.tab_title == "Chat (1)", timeout=10_000)
    assert panel.picker.itemText(1) == "Organiser ↔ this station  (1 new)"
    panel.show_channel(mine)
    qtbot.waitUntil(lambda: texts(panel) == [(ORGANISER, "Oat milk is on its way", False)])
    qtbot.waitUntil(lambda: station.tab_title == "Chat")

    # The organiser looks elsewhere; the station answers; the sidebar says so.
    window.nav.show_screen("live")
    write(qtbot, panel, "Thanks! Can you send cups too?")
    qtbot.waitUntil(lambda: len(panel.conversation.lines) == 2)
    assert last(panel).own and last(panel).pending
    assert panel.conversation.bubbles[-1].caption_text == "You · sending…"
    assert station.sync()
    assert station.sync()  # the pull that brings the organiser's copy back
    qtbot.waitUntil(lambda: not last(panel).pending, timeout=10_000)
    assert panel.conversation.bubbles[-1].caption_text.startswith("You · ")
    chat_row = window.nav.keys.index("chat")
    qtbot.waitUntil(lambda: window.nav.sidebar.item(chat_row).text() == "Chat  1 new")
    window.nav.show_screen("chat")
    qtbot.waitUntil(lambda: texts(desk)[-1] == (DEVICE, "Thanks! Can you send cups too?", False))
    qtbot.waitUntil(lambda: window.nav.sidebar.item(chat_row).text() == "Chat")

    # Offline: the message waits in the outbox, "sending…", and the organiser has not got it.
    station.node.net.up = False
    write(qtbot, panel, "Wifi is down here, back soon")
    qtbot.waitUntil(lambda: len(panel.conversation.lines) == 3)
    assert not station.sync()
    assert [r.name for r in station.node.outbox() if r.status == "pending"] == ["chat.post"]
    assert panel.conversation.bubbles[-1].caption_text == "You · sending…"
    qtbot.waitUntil(lambda: "1 change waiting" in station.window.link_label.text())
    assert len(desk.conversation.lines) == 2

    save_screenshot(window, "organiser-chat", tmp_path)
    save_screenshot(station.window, "barista-chat", tmp_path)


def test_an_empty_message_is_not_sent(qtbot: Any, organiser: Organiser) -> None:
    desk = organiser.window.chat_screen.view
    qtbot.waitUntil(lambda: desk.picker.count() == 4, timeout=10_000)
    write(qtbot, desk, "   ")
    qtbot.waitUntil(organiser.idle)
    assert desk.conversation.lines == ()
    assert desk.conversation.empty.text().startswith("No messages in “All stations” yet.")
