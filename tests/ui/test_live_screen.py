"""The Live screen driven in the real organiser window (demo event, real services and servers on
127.0.0.1): shown first, a tile per station with its counts, an order placed elsewhere counted
without a refresh, an item marked out listed as an alert whose button opens Inventory, and the
status bar's words (SMS mode, webhook, stations online, texts waiting, alerts)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from expresso_desktop.core.items import DrinkSpec
from expresso_desktop.services import orders, stock
from expresso_desktop.services.orders import PlacedOrder
from expresso_desktop.services.writer import Tx
from expresso_desktop.ui.organiser.live_screen import LiveScreen
from tests.services.helpers import stock_item
from tests.ui.artifacts import save_screenshot
from tests.ui.organiser_gui import Organiser, running_organiser


@pytest.fixture
def organiser(qtbot: Any, tmp_path: Path) -> Iterator[Organiser]:
    with running_organiser(qtbot, tmp_path, "live") as org:
        screen = org.window.live_screen
        qtbot.waitUntil(lambda: len(screen.tiles) == 3, timeout=10_000)
        yield org


def counts(screen: LiveScreen) -> list[str]:
    return [tile.counts.text() for tile in screen.tiles.values()]


def test_the_window_opens_on_live_with_a_tile_per_station(
    qtbot: Any, organiser: Organiser, tmp_path: Path
) -> None:
    window = organiser.window
    assert window.nav.keys[0] == "live" and window.nav.current_key() == "live"
    screen = window.live_screen
    tiles = list(screen.tiles.values())
    assert [t.title.text() for t in tiles] == ["Station 1", "Station 2", "Station 3 · Garden Bar"]
    assert counts(screen) == ["New 0 · In progress 0 · Ready 0"] * 3
    assert [t.status.text() for t in tiles] == ["▶ Open"] * 3
    assert [t.staff.text() for t in tiles] == ["On shift: Sam", "On shift: Priya", "On shift: Jo"]
    assert {t.connection.text() for t in tiles} == {"— No device paired"}
    assert screen.no_alerts.isVisible() and not screen.alert_list.isVisible()
    line = window.status_line
    qtbot.waitUntil(lambda: line.mode.text() == "SMS: Simulator", timeout=10_000)
    qtbot.waitUntil(lambda: line.waiting.text() == "Texts waiting: none", timeout=10_000)
    assert line.stations.text() == "Stations online 0/3"
    assert line.webhook.text() == "Webhook: not needed"
    assert line.alerts.text() == "Alerts: none"
    path = save_screenshot(window, "organiser-live", tmp_path)
    assert path.stat().st_size > 0


def test_an_order_placed_elsewhere_is_counted_without_a_refresh(
    qtbot: Any, organiser: Organiser, tmp_path: Path
) -> None:
    services = organiser.services
    screen = organiser.window.live_screen

    def place(tx: Tx) -> PlacedOrder | object:
        return orders.place_order(
            tx,
            event_id=services.event_id,
            menu=services.menu,
            items=[DrinkSpec("latte", "medium", "full cream")],
            requested_station=2,
        )

    assert isinstance(services.writer.run_sync(place), PlacedOrder)
    qtbot.waitUntil(lambda: counts(screen)[1] == "New 1 · In progress 0 · Ready 0", timeout=5_000)
    assert counts(screen)[0] == counts(screen)[2] == "New 0 · In progress 0 · Ready 0"
    qtbot.waitUntil(lambda: screen.chart.bars[-1].value == 1, timeout=5_000)
    save_screenshot(organiser.window, "organiser-live-order", tmp_path)


def test_an_item_marked_out_is_an_alert_that_opens_inventory(
    qtbot: Any, organiser: Organiser, tmp_path: Path
) -> None:
    services = organiser.services
    window = organiser.window
    screen = window.live_screen
    oat = stock_item(services, 1, "milk:oat")
    services.writer.run_sync(
        lambda tx: stock.mark_out(tx, stock.get_item(tx.session, oat.id), True)
    )
    qtbot.waitUntil(lambda: screen.alert_list.count() == 1, timeout=5_000)
    row = screen.alert_row(0)
    assert "marked out" in row.label.text() and row.label.text().startswith("⚠ ")
    assert row.button is not None and row.button.text() == "Go to Inventory"
    qtbot.waitUntil(
        lambda: screen.tiles[oat.station_id].stock.text() == "✕ Out: Oat milk", timeout=5_000
    )
    assert window.status_line.alerts.text() == "⚠ Alerts: 1"
    save_screenshot(window, "organiser-live-alert", tmp_path)
    qtbot.mouseClick(row.button, Qt.MouseButton.LeftButton)
    assert window.nav.current_key() == "inventory"
    window.nav.show_screen("live")
    qtbot.mouseClick(screen.clear_button, Qt.MouseButton.LeftButton)
    assert screen.alert_list.count() == 0 and window.status_line.alerts.text() == "Alerts: none"
