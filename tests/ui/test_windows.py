"""Widgets as a user sees them, offscreen through pytest-qt."""

from __future__ import annotations

from pathlib import Path

from expresso_desktop.settings import AppPaths
from expresso_desktop.sync.station import StationOptions
from expresso_desktop.ui.barista.station_app import StationApp


def test_unpaired_station_asks_for_pairing_and_explains_failures(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    station = StationApp(AppPaths(tmp_path), StationOptions())
    qtbot.addWidget(station.window)
    station.start()
    try:
        box = station.window.pair_box
        qtbot.waitUntil(lambda: station.window.pages.currentWidget() is box)
        box.button.click()  # no code yet
        assert "Type the 6-character pairing code" in box.message.text()
        box.server.setText("https://127.0.0.1:9")  # nothing listens there
        box.code.setText("ABC123")
        box.button.click()
        assert not box.button.isEnabled()
        qtbot.waitUntil(box.button.isEnabled, timeout=20_000)
        said = box.message.text() or box.server_message.text()  # beside the code or the address
        assert said.startswith("✕ ") and len(said) > 4
        assert station.window.pages.currentWidget() is box  # still not paired
    finally:
        station.close()
