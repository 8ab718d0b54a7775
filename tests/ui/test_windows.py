"""Widgets as a user sees them, offscreen through pytest-qt."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import Qt

from expresso_desktop.settings import AppPaths
from expresso_desktop.ui.barista.main_window import BaristaWindow
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


def test_barista_window_lists_the_menu(qtbot, menu, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    barista = BaristaWindow(menu=menu, paths=AppPaths(tmp_path))
    qtbot.addWidget(barista)
    table = barista.menu_view.model()
    names = [table.index(r, 0).data() for r in range(table.rowCount())]
    assert names == list(menu.drink_names)
    assert table.headerData(0, Qt.Orientation.Horizontal) == "Drink"
    assert "Not paired" in barista.status.text()
