"""The customer ready board against a real organiser (in process) and a display device's
real replica synced from it: an order made ready appears as an "A0xx Name" tile, newest
first, and leaves when collected or cancelled; no digit of a phone number is ever painted."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from expresso_desktop.settings import AppPaths
from expresso_desktop.sync.board_queries import BoardOptions, BoardReads
from expresso_desktop.sync.replica import put
from expresso_desktop.sync.station import StationOptions
from expresso_desktop.ui.barista.board_app import BoardApp
from expresso_desktop.ui.barista.board_window import EMPTY_TEXT, BoardLayout, BoardWindow
from expresso_desktop.ui.barista.main_window import SyncSignals
from expresso_desktop.ui.common.ops import OpRunner
from expresso_desktop.ui.common.service_host import ServiceHost
from tests.sync.harness import Organiser, StationNode
from tests.ui.artifacts import save_screenshot

PHONE = "+61 412 345 678"


@dataclass
class Board:
    org: Organiser
    node: StationNode
    signals: SyncSignals
    window: BoardWindow

    def sync(self) -> None:
        """One sync round; the window hears of it as from the running sync."""
        self.node.rounds.clear()
        assert asyncio.run(self.node.sync())
        for changed in self.node.rounds:
            self.signals.replica_changed.emit(changed)

    def ready(self, order_id: str) -> str:
        self.org.do("order.start", order_id=order_id)
        self.org.do("order.ready", order_id=order_id)
        return self.org.order(order_id).number or ""

    def tiles(self) -> list[str]:
        return self.window.canvas.shown_tiles()


@pytest.fixture
def board(qtbot: Any, tmp_path: Path) -> Iterator[Board]:
    org = Organiser(tmp_path / "org")
    org.seed()
    node = StationNode(org, tmp_path / "board.db", None, role="display")
    with node.replica.write() as conn:  # as pairing leaves it
        put(conn, "server_url", "https://organiser.test")
    host = ServiceHost()
    host.start()
    ops = OpRunner(host)
    signals = SyncSignals()
    window = BoardWindow(reads=BoardReads(node.replica), ops=ops, signals=signals)
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    board = Board(org, node, signals, window)
    try:
        board.sync()
        qtbot.waitUntil(lambda: window.canvas.view is not None and window.canvas.view.paired)
        yield board
    finally:
        ops.close()
        host.stop()
        node.close()
        org.close()


def test_ready_orders_appear_newest_first_and_leave_when_collected(
    qtbot: Any, board: Board, tmp_path: Path
) -> None:
    first, second = board.org.station_ids()[:2]
    names = ("Ana", f"ben {PHONE}", "Chiara", PHONE)
    keys = [board.org.add_order((first, second)[i % 2], n) for i, n in enumerate(names)]
    numbers = [board.ready(key) for key in keys]
    board.sync()
    expected = [f"{numbers[3]}", f"{numbers[2]} Chiara", f"{numbers[1]} Ben", f"{numbers[0]} Ana"]
    qtbot.waitUntil(lambda: board.tiles() == expected)

    painted = " ".join(board.window.canvas.texts())
    assert "Harbourside" in painted  # the event's name heads the board
    for number in numbers:
        painted = painted.replace(number, "")
    assert not re.search(r"\d", painted), painted  # not one digit of a phone number
    shot = save_screenshot(board.window, "board-ready", tmp_path)
    assert shot.exists()
    save_screenshot(board.window, "board-ready-1080p", tmp_path, (1920, 1080))
    assert board.window.canvas.layout_now().min_px >= 64  # readable from 5 m

    board.org.do("order.collect", order_id=keys[2])
    board.org.do("order.cancel", order_id=keys[0], reason="left")
    board.sync()
    qtbot.waitUntil(lambda: board.tiles() == [expected[0], expected[2]])


def test_the_empty_board_says_what_happens(qtbot: Any, board: Board, tmp_path: Path) -> None:
    qtbot.waitUntil(lambda: EMPTY_TEXT in board.window.canvas.texts())
    assert board.tiles() == []
    save_screenshot(board.window, "board-empty", tmp_path)


def test_more_orders_than_fit_say_how_many_more(qtbot: Any, board: Board) -> None:
    station_id = board.org.station_ids()[0]
    for n in range(14):
        board.ready(board.org.add_order(station_id, f"Guest{n}"))
    board.sync()
    board.window.resize(900, 600)
    capacity = BoardLayout.fit(900, 600).capacity
    qtbot.waitUntil(lambda: len(board.tiles()) == capacity - 1)
    assert board.window.canvas.more_text() == f"+{14 - capacity + 1} more ready"


@pytest.mark.parametrize(("width", "height"), [(1920, 1080), (3840, 2160), (1080, 1920)])
def test_tile_text_is_at_least_64_px_on_a_1080p_screen_or_larger(width: int, height: int) -> None:
    layout = BoardLayout.fit(width, height)
    assert layout.min_px >= 64  # a long name's, shrunk to fit
    assert layout.capacity >= 4


def test_an_unpaired_board_shows_the_pairing_form(qtbot: Any, tmp_path: Path) -> None:
    paths = AppPaths(tmp_path / "data").board
    options = BoardOptions(StationOptions(server="https://10.0.0.5:8443"), fullscreen=False)
    app = BoardApp(paths, options)
    qtbot.addWidget(app.window)
    try:
        app.start()
        qtbot.waitUntil(lambda: app.window.pages.currentWidget() is app.pair_box)
        assert app.pair_box.server.text() == "https://10.0.0.5:8443"
        assert (paths.data_dir / "station.db").exists()  # its own replica, not the barista's
    finally:
        app.close()
