"""Widgets as a user sees them, offscreen through pytest-qt."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import Qt

from expresso_desktop.settings import AppPaths
from expresso_desktop.sync.station import StationOptions
from expresso_desktop.ui.barista.station_app import StationApp
from expresso_desktop.ui.organiser.parser_panel import ParserPanel


def test_order_language_tester_shows_the_parse(qtbot, menu) -> None:  # type: ignore[no-untyped-def]
    panel = ParserPanel(menu)
    qtbot.addWidget(panel)
    panel.input.clear()
    qtbot.keyClicks(panel.input, "2 soy lattes for Mia")
    assert json.loads(panel.json_view.text())["items"][0]["quantity"] == 2
    assert "Mia" in panel.summary.text() and "2× soy latte" in panel.summary.text()
    panel.input.setText("STATUS")
    assert panel.summary.text() == "Not an order: status"


def test_customer_text_is_never_rich_text(qtbot, menu) -> None:  # type: ignore[no-untyped-def]
    panel = ParserPanel(menu)
    qtbot.addWidget(panel)
    panel.input.setText("latte for <img src=x>")
    assert panel.summary.textFormat() == Qt.TextFormat.PlainText
    assert panel.json_view.textFormat() == Qt.TextFormat.PlainText


def test_unpaired_station_asks_for_pairing_and_explains_failures(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    station = StationApp(AppPaths(tmp_path), StationOptions())
    qtbot.addWidget(station.window)
    station.start()
    try:
        box = station.window.pair_box
        qtbot.waitUntil(lambda: station.window.pages.currentWidget() is box)
        box.button.click()  # no code yet
        assert "Enter the pairing code" in box.message.text()
        box.server.setText("https://127.0.0.1:9")  # nothing listens there
        box.code.setText("ABC123")
        box.button.click()
        assert not box.button.isEnabled()
        qtbot.waitUntil(box.button.isEnabled, timeout=20_000)
        assert box.message.text() not in ("", "Pairing…")
        assert station.window.pages.currentWidget() is box  # still not paired
    finally:
        station.close()
