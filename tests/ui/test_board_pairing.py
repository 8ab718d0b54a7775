"""A ready board as a venue sets one up: ``expresso board`` pairs with a ``display`` code over
HTTPS against the organiser's real LAN server (in process on 127.0.0.1, its own TLS certificate,
the fingerprint pinned), syncs on its own, shows an order made ready and clears it on collect.
When the organiser goes away the board says so (a line with a mark and words, since when) and
keeps its last tiles; when the organiser is back on its address the line goes."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from expresso_desktop.core.lan import normal_fingerprint
from expresso_desktop.server.lan_server import Lan, build_lan
from expresso_desktop.services import devices
from expresso_desktop.settings import AppPaths
from expresso_desktop.sync.board_queries import BoardOptions
from expresso_desktop.sync.station import StationOptions
from expresso_desktop.ui.barista.board_app import BoardApp
from expresso_desktop.ui.barista.station_app import PairingResult
from expresso_desktop.ui.common.service_host import ServiceHost
from tests.sync.harness import Organiser
from tests.ui.artifacts import save_screenshot

FULL_HD = (1920, 1080)  # the board as a venue screen shows it
NET_MS = 20_000  # bounds on TLS, a first download and reconnecting: never timing assertions


@dataclass
class LanOrganiser:
    """The organiser's LAN server in this process; ``stop``/``start`` again on the same port
    (the board keeps the address it paired with)."""

    org: Organiser
    lan: Lan | None = None
    host: ServiceHost | None = None

    @property
    def url(self) -> str:
        assert self.lan is not None
        return self.lan.listener.url

    @property
    def fingerprint(self) -> str:
        assert self.lan is not None
        return self.lan.listener.identity.fingerprint_hex

    def display_code(self) -> str:
        issued = self.org.services.writer.run_sync(
            lambda tx: devices.create_pairing_code(session=tx.session, role="display")
        )
        return issued.code

    def stop(self) -> None:
        if self.host is not None:
            self.host.stop()
            self.host = None

    def start(self, qtbot: Any, port: int = 0) -> None:
        lan = build_lan(
            self.org.services, host="127.0.0.1", port=port, mdns_interfaces=None, mdns=False
        )
        self.lan, self.host = lan, ServiceHost(lambda: lan.components)
        with qtbot.waitSignal(self.host.started, timeout=NET_MS):
            self.host.start()


@pytest.fixture
def organiser(qtbot: Any, tmp_path: Path) -> Iterator[LanOrganiser]:
    org = Organiser(tmp_path / "org")
    org.seed()
    server = LanOrganiser(org)
    server.start(qtbot)
    try:
        yield server
    finally:
        server.stop()
        org.close()


def test_a_board_pairs_with_a_display_code_shows_and_clears_and_says_when_it_lost_the_link(
    qtbot: Any, organiser: LanOrganiser, tmp_path: Path
) -> None:
    org = organiser.org
    options = StationOptions(
        server=organiser.url, pair=organiser.display_code(), fingerprint=organiser.fingerprint
    )
    board = BoardApp(AppPaths(tmp_path / "data").board, BoardOptions(options, fullscreen=False))
    window, canvas = board.window, board.window.canvas
    qtbot.addWidget(window)
    window.show()
    try:
        with qtbot.waitSignal(board.paired, timeout=NET_MS) as paired:
            board.start()
        result = paired.args[0]
        assert isinstance(result, PairingResult) and result.ok, result.error
        assert board.replica.state("role") == "display"
        pinned = normal_fingerprint(board.replica.state("fingerprint"))
        assert pinned == normal_fingerprint(organiser.fingerprint)
        qtbot.waitUntil(lambda: "Harbourside" in canvas.title_text(), timeout=NET_MS)
        assert window.pages.currentWidget() is canvas and canvas.link_text() == ""

        sam = org.add_order(org.station_ids()[0], "Sam Lee")
        org.do("order.start", order_id=sam)
        org.do("order.ready", order_id=sam)
        tile = f"{org.order(sam).number} Sam"
        qtbot.waitUntil(lambda: canvas.shown_tiles() == [tile], timeout=NET_MS)
        save_screenshot(window, "board-main-1080p", tmp_path, FULL_HD)

        # The organiser goes away: the tiles stay, the line says since when.
        port = int(organiser.url.rsplit(":", 1)[1])
        organiser.stop()
        qtbot.waitUntil(lambda: canvas.link_text() != "", timeout=NET_MS)
        qtbot.waitUntil(lambda: " since " in canvas.link_text(), timeout=NET_MS)
        assert canvas.link_text().startswith("⚠ Not connected since ")
        assert canvas.shown_tiles() == [tile]
        assert canvas.link_text() in canvas.texts()
        save_screenshot(window, "board-lost-link-1080p", tmp_path, FULL_HD)

        # Back on its address: the line goes; a collect there clears the tile here.
        organiser.start(qtbot, port)
        qtbot.waitUntil(lambda: canvas.link_text() == "", timeout=NET_MS)
        org.do("order.collect", order_id=sam)
        qtbot.waitUntil(lambda: canvas.shown_tiles() == [], timeout=NET_MS)
    finally:
        board.close()
