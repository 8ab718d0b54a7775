"""A barista station as a barista uses it: a real organiser process on 127.0.0.1, the station
window pairs through its form, shows the order a customer texted, and a tap on the card's
button reaches the organiser. Then the organiser goes away: taps keep working and wait."""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from expresso_desktop.core.orders import Action, OrderStatus
from expresso_desktop.settings import AppPaths
from expresso_desktop.sync.station import StationOptions
from expresso_desktop.ui.barista.order_card import CardTapped
from expresso_desktop.ui.barista.station_app import PairingResult, StationApp

REPO = Path(__file__).resolve().parents[2]
MAIN = str(REPO / "main.py")


def _cli(data: Path, *args: str) -> str:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    out = subprocess.run(
        [sys.executable, MAIN, "--data-dir", str(data), *args],
        capture_output=True, text=True, env=env, timeout=60, check=True,
    )  # fmt: skip
    return out.stdout


@pytest.fixture
def organiser(tmp_path: Path) -> Iterator[tuple[Path, str, subprocess.Popen[str]]]:
    data = tmp_path / "organiser"
    args = ["--data-dir", str(data), "serve", "--demo", "--webhook-port", "0",
            "--lan-host", "127.0.0.1", "--lan-port", "0", "--no-mdns"]  # fmt: skip
    proc = subprocess.Popen(
        [sys.executable, MAIN, *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )  # fmt: skip
    assert proc.stdout is not None
    url = ""
    lines = []
    for line in proc.stdout:
        lines.append(line)
        if match := re.search(r"lan on (https://\S+)", line):
            url = match.group(1)
        if "Expresso serving" in line:
            break
    assert url, "".join(lines)
    yield data, url, proc
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)
    proc.stdout.close()


def _status_at_organiser(data: Path, number: str) -> str:
    with sqlite3.connect(data / "organiser.db") as db:
        row = db.execute("SELECT status FROM orders WHERE number = ?", (number,)).fetchone()
    return str(row[0]) if row else ""


def test_station_pairs_shows_the_queue_and_taps_reach_the_organiser(
    qtbot,
    organiser,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    data, url, proc = organiser
    code = re.search(r"Pairing code: (\w+)", _cli(data, "devices", "pair", "--station", "1"))
    assert code
    _cli(data, "sms-sim", "--from", "+61400000009", "large oat latte for Ana at station 1")

    station = StationApp(AppPaths(tmp_path / "station"), StationOptions())
    qtbot.addWidget(station.window)
    station.start()
    window = station.window
    try:
        # never paired: the form
        qtbot.waitUntil(lambda: window.pages.currentWidget() is window.pair_box)
        window.pair_box.server.setText(url)
        window.pair_box.code.setText(code.group(1))
        with qtbot.waitSignal(station.paired, timeout=30_000) as paired:
            window.pair_box.button.click()
        result = paired.args[0]
        assert isinstance(result, PairingResult) and result.ok and result.url == url
        qtbot.waitUntil(lambda: window.model.rowCount() == 1, timeout=30_000)
        order = window.model.orders()[0]
        assert (order.number, order.customer_name, order.status) == (
            "A001", "Ana", OrderStatus.NEW,
        )  # fmt: skip
        assert window.title.text().startswith("Station 1")
        qtbot.waitUntil(lambda: window.link_label.text().startswith("● Online"), timeout=10_000)

        # What a tap on the card's button does; the card changes without waiting for a round.
        window.delegate.tapped.emit(CardTapped(order, Action.START))
        qtbot.waitUntil(lambda: window.model.orders()[0].status is OrderStatus.IN_PROGRESS)
        qtbot.waitUntil(lambda: _status_at_organiser(data, "A001") == "in_progress", timeout=15_000)

        # The organiser disappears: the next tap is kept locally and counted as waiting.
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        window.delegate.tapped.emit(CardTapped(window.model.orders()[0], Action.READY))
        qtbot.waitUntil(lambda: window.model.orders()[0].status is OrderStatus.READY)
        qtbot.waitUntil(lambda: "Offline" in window.link_label.text(), timeout=30_000)

        # The ready tap waits; the start may too until a pull confirms the organiser had it.
        # The label follows the link's count (which can still grow as the start is re-queued).
        def label_counts_waiting() -> bool:
            waiting = re.search(r"(\d+) changes? waiting", window.link_label.text())
            pending = station.service.link().pending
            return bool(waiting) and int(waiting.group(1)) == pending >= 1  # type: ignore[union-attr]

        qtbot.waitUntil(label_counts_waiting, timeout=15_000)
        assert _status_at_organiser(data, "A001") == "in_progress"
    finally:
        station.close()
