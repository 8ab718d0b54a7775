"""A station opens in two steps: its window paints "Opening the station…" before the replica,
the sync and the queue are imported (the first frame needs none of them), then the station is
built on that same window and shows its queue."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QLabel, QWidget

from expresso_desktop.settings import AppPaths
from expresso_desktop.sync.replica import put
from expresso_desktop.sync.station_options import StationOptions
from expresso_desktop.ui.barista.main_window import BaristaWindow
from expresso_desktop.ui.barista.station_app import StationApp
from tests.ui.artifacts import save_screenshot
from tests.ui.station_parts import station_parts

REPO = Path(__file__).resolve().parents[2]
# What the first frame must not wait for: the database layer, the network, the keyring.
HEAVY = ("sqlalchemy", "sqlmodel", "alembic", "aiohttp", "zeroconf", "keyring")
FIRST_FRAME = f"""
import sys
from PySide6.QtWidgets import QApplication
app = QApplication(sys.argv[:1])
from expresso_desktop.cli.main import build_parser
from expresso_desktop.cli.station import station_options
station_options(build_parser().parse_args(["barista"]))
from expresso_desktop.ui.barista.main_window import BaristaWindow
from expresso_desktop.ui.barista.opening import OpeningBoard
window = BaristaWindow()
window.show()
app.processEvents()
loaded = sorted(m for m in sys.modules if m.split(".")[0] in {HEAVY!r}
                or m.startswith(("expresso_desktop.store", "expresso_desktop.sync.replica")))
print("loaded:", *loaded)
"""


def _texts(widget: QWidget) -> list[str]:
    return [label.text() for label in widget.findChildren(QLabel) if label.isVisibleTo(widget)]


def test_the_first_frame_imports_no_database_network_or_keyring() -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    out = subprocess.run(
        [sys.executable, "-c", FIRST_FRAME],
        capture_output=True, text=True, env=env, cwd=REPO, timeout=60, check=True,
    ).stdout  # fmt: skip
    assert out.strip() == "loaded:", out


def test_the_station_opens_on_its_shown_window_then_shows_the_queue(
    qtbot: Any, tmp_path: Path
) -> None:
    shell = BaristaWindow()
    qtbot.addWidget(shell)
    shell.show()
    qtbot.waitExposed(shell)
    assert "Opening the station…" in _texts(shell)
    assert shell.statusBar().currentMessage() == "Opening the station…"
    save_screenshot(shell, "barista-opening", tmp_path)

    with station_parts(tmp_path) as parts:  # a replica paired and synced with an organiser
        parts.org.add_order(parts.station_id, "Ana")
        parts.sync()
        with parts.node.replica.write() as conn:  # paired, as far as the window can tell
            put(conn, "server_url", "https://organiser.test")
        station = StationApp(AppPaths(tmp_path), StationOptions(), window=shell)
        station.host.start()  # its ops: the replica is the one the harness syncs
        try:
            assert station.window is shell
            station.show_queue()
            qtbot.waitUntil(lambda: [o.customer_name for o in shell.model.orders()] == ["Ana"])
            assert shell.pages.currentIndex() == 0  # the queue, not the pairing form
            assert "Opening the station…" not in _texts(shell)
            assert shell.statusBar().currentMessage() == ""
            # Today and History are built when first opened; Stock and Chat at once.
            tabs = shell.side_panels
            titles = [tabs.tabText(i) for i in range(tabs.count())]
            assert titles[:2] == ["Stock", "Today"] and titles[3] == "History"
            tabs.setCurrentIndex(1)
            qtbot.waitUntil(lambda: not station.ops.busy)
            assert station.today_panel.isVisible()
            tabs.setCurrentIndex(0)
            save_screenshot(shell, "barista-opened", tmp_path)
        finally:
            station.close()
