"""The station's Stock panel on a real replica synced with a real organiser (in process): a Done
on an oat latte (a tap through the outbox) drops the oat bar at once; "Mark out" says OUT, goes
through the outbox, and after a sync the organiser's routing skips this station for oat drinks;
"Back in" undoes it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from expresso_desktop.core.items import DrinkSpec
from expresso_desktop.core.orders import Action
from expresso_desktop.services import orders
from expresso_desktop.services.writer import Tx
from expresso_desktop.ui.barista.stock_panel import StockPanel
from tests.ui.artifacts import save_screenshot

from .station_parts import StationParts, side_area, station_parts, themed

OAT_LATTE = DrinkSpec("latte", "medium", "oat")


@pytest.fixture
def parts(tmp_path: Path) -> Iterator[StationParts]:
    with station_parts(tmp_path) as station, themed():
        yield station


def _routed_to(parts: StationParts) -> int:
    """The station number the organiser's routing picks for an oat latte asking for station 1."""
    services = parts.org.services

    def place(tx: Tx) -> int:
        placed = orders.place_order(
            tx, event_id=services.event_id, menu=services.menu, items=[OAT_LATTE],
            customer_name="Kim", requested_station=1,
        )  # fmt: skip
        assert isinstance(placed, orders.PlacedOrder), placed
        return placed.station.number

    return services.writer.run_sync(place)


def _oat_order(parts: StationParts) -> str:
    services = parts.org.services

    def store(tx: Tx) -> str:
        order, _ = orders.store_order(
            tx, event_id=services.event_id, station_id=parts.station_id, specs=[OAT_LATTE],
            customer_name="Ana", source="sms",
        )  # fmt: skip
        return order.id

    return services.writer.run_sync(store)


def test_done_drops_the_bar_and_marking_out_reaches_routing(
    qtbot: Any, parts: StationParts, tmp_path: Path
) -> None:
    order_id = _oat_order(parts)
    parts.sync()
    panel = StockPanel(replica=parts.node.replica, ops=parts.ops, signals=parts.signals)
    area = side_area(panel, "Stock")  # as the window shows it, beside the queue
    qtbot.addWidget(area)
    area.show()
    qtbot.waitUntil(lambda: bool(panel.rows))
    oat = panel.row("Oat milk")
    assert oat.bar_data is not None and oat.button.text() == "Mark out"
    before = oat.bar_data.level
    qtbot.waitUntil(lambda: oat.button.height() >= 48)  # a touch target, theme applied

    # Start, then Done: taps through the outbox, as the queue's button makes them.
    (order,) = [o for o in parts.service.queue() if o.id == order_id]
    parts.service.tap(order, Action.START)
    (order,) = [o for o in parts.service.queue() if o.id == order_id]
    done = parts.service.tap(order, Action.READY)
    parts.signals.replica_changed.emit(done.changed)
    qtbot.waitUntil(lambda: oat.bar_data is not None and oat.bar_data.level == before - 298)
    assert oat.bar.value() < oat.bar.maximum()

    assert _routed_to(parts) == 1  # station 1 pours oat: it takes the order it was asked for
    qtbot.mouseClick(oat.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: oat.word.text() == "OUT — marked out")
    assert oat.button.text() == "Back in" and "1 out" in panel.summary.text()
    assert [r.name for r in parts.node.outbox()][-1] == "stock.mark_out"
    save_screenshot(area, "barista-stock", tmp_path)

    parts.sync()
    oat_row = next(i for i in parts.org.stock_items(parts.station_id) if i.name == "milk:oat")
    assert oat_row.out_of_stock
    assert _routed_to(parts) == 2  # routing skips station 1 now: station 2 pours oat too

    qtbot.mouseClick(oat.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: oat.button.text() == "Mark out")
    assert oat.word.text() == ""
    parts.sync()
    assert _routed_to(parts) == 1
    qtbot.waitUntil(lambda: not panel.reads.busy)  # nothing lands after the test
