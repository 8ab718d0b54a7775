"""The Inventory screen driven in the real organiser window: oat milk marked out at station 1
sends the next oat latte texted in (the phone simulator, a signed webhook) to station 2; a drink
marked Done drops the bar without a refresh, a restock brings it back to par and a count starts
a new generation; an item is added from the menu's stock list and its limits are checked beside
their fields."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QAbstractItemModelTester
from sqlmodel import select

from expresso_desktop.core.items import DrinkSpec
from expresso_desktop.services import orders
from expresso_desktop.services.stock_views import StockRow
from expresso_desktop.services.writer import Tx
from expresso_desktop.store.engine import read_session
from expresso_desktop.store.tables import Order, Station, StockItem
from expresso_desktop.ui.organiser.inventory_screen import InventoryScreen
from expresso_desktop.ui.organiser.stock_bar import BAR_ROLE, Bar
from tests.ui.artifacts import save_screenshot
from tests.ui.organiser_gui import Organiser, running_organiser


@pytest.fixture
def organiser(qtbot: Any, qtlog: Any, tmp_path: Path) -> Iterator[Organiser]:
    with running_organiser(qtbot, tmp_path, "inventory") as org:
        screen = org.window.inventory_screen
        tester = QAbstractItemModelTester(
            screen.model, QAbstractItemModelTester.FailureReportingMode.Warning
        )
        qtbot.waitUntil(lambda: screen.stations.count() == 3, timeout=10_000)
        qtbot.waitUntil(lambda: screen.proxy.rowCount() > 0, timeout=10_000)
        yield org
        assert [r.message for r in qtlog.records if "FAIL!" in r.message] == [] and tester


def station_id(org: Organiser, number: int) -> int:
    with read_session(org.services.engine) as session:
        found = session.exec(select(Station.id).where(Station.number == number)).one()
    assert found is not None
    return found


def item(org: Organiser, number: int, name: str) -> StockItem:
    with read_session(org.services.engine) as session:
        return session.exec(
            select(StockItem).where(
                StockItem.station_id == station_id(org, number), StockItem.name == name
            )
        ).one()


def row(screen: InventoryScreen, item_id: int | None) -> StockRow:
    at = screen.model.row_of(item_id)
    assert at is not None
    return screen.model.row_at(at)


def shown(screen: InventoryScreen, label: str) -> list[str]:
    """The station's row of ``label`` as the table shows it (the bar column: its tooltip)."""
    for r in range(screen.proxy.rowCount()):
        if screen.proxy.index(r, 0).data() == label:
            cells = [screen.proxy.index(r, c).data() for c in range(screen.proxy.columnCount())]
            cells[1] = screen.proxy.index(r, 1).data(Qt.ItemDataRole.ToolTipRole)
            return cells
    raise AssertionError(f"{label} is not shown")


def open_oat(screen: InventoryScreen, org: Organiser, number: int) -> int:
    screen.show_station(station_id(org, number))
    oat = item(org, number, "milk:oat").id
    assert oat is not None
    screen.select_item(oat)
    assert screen.item.heading.text() == "Oat milk"
    return oat


def test_oat_marked_out_at_station_1_sends_an_oat_latte_to_station_2(
    qtbot: Any, organiser: Organiser, tmp_path: Path
) -> None:
    window, screen = organiser.window, organiser.window.inventory_screen
    oat = open_oat(screen, organiser, 1)
    assert shown(screen, "Oat milk")[2:] == ["● OK", "10,000 of 10,000 ml"]
    qtbot.mouseClick(screen.item.out_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: row(screen, oat).marked_out)
    assert item(organiser, 1, "milk:oat").out_of_stock
    assert shown(screen, "Oat milk")[2] == "✕ OUT · marked"
    assert screen.item.out_button.text() == "Back in stock"
    assert screen.item.message.text() == "Oat milk is marked out at Station 1."
    assert screen.stations.item(0).text() == "Station 1\n✕ 1 out"
    save_screenshot(window, "organiser-inventory", tmp_path)

    window.nav.show_screen("messages")
    panel = window.simulator
    qtbot.waitUntil(panel.send_button.isEnabled, timeout=10_000)
    panel.message.setText("oat latte for Sam")
    qtbot.mouseClick(panel.send_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.orders_panel.model.rowCount() == 1, timeout=10_000)
    assert window.orders_panel.model.row_at(0).station.startswith("Station 2")
    with read_session(organiser.services.engine) as session:
        order = session.exec(select(Order)).one()
    assert order.station_id == station_id(organiser, 2)
    # back in: the next one may go to station 1 again
    window.nav.show_screen("inventory")
    qtbot.mouseClick(screen.item.out_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not row(screen, oat).marked_out)
    assert screen.stations.item(0).text() == "Station 1\n● All stocked"


def test_a_drink_made_drops_the_bar_and_a_restock_brings_it_back(
    qtbot: Any, organiser: Organiser, tmp_path: Path
) -> None:
    screen = organiser.window.inventory_screen
    services = organiser.services
    oat = open_oat(screen, organiser, 1)
    one = station_id(organiser, 1)

    def made(tx: Tx) -> None:  # a barista's Done, as the writer runs it from any path
        order, _items = orders.store_order(
            tx,
            event_id=services.event_id,
            station_id=one,
            specs=[DrinkSpec("latte", "large", "oat", quantity=2)],
        )
        orders.start_order(tx, order.id)
        orders.mark_ready(tx, order.id)

    services.writer.run_sync(made, initiator="sync:replica-1")
    qtbot.waitUntil(lambda: row(screen, oat).level < 10_000, timeout=10_000)
    used = 10_000 - row(screen, oat).level
    bar = screen.proxy.index(0, 1).data(BAR_ROLE)
    assert isinstance(bar, Bar)
    assert screen.item.state.text().startswith("● OK — ")
    assert screen.item.restock_hint.text() == f"Back to par: +{used:,.0f} ml"
    assert screen.item.restock_qty.value() == used  # the default: back to par
    qtbot.mouseClick(screen.item.restock_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: row(screen, oat).level == 10_000)
    assert screen.item.message.text() == f"Restocked Oat milk: +{used:,.0f} ml."
    assert item(organiser, 1, "milk:oat").level == 10_000
    # a physical count: a new generation, under the low mark
    screen.item.count_value.setValue(1500)
    qtbot.mouseClick(screen.item.count_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: row(screen, oat).generation == 1)
    assert shown(screen, "Oat milk")[2:] == ["▲ LOW", "1,500 of 10,000 ml"]
    assert shown(screen, "Oat milk")[1] == "Oat milk: 1,500 of 10,000 ml; low at 2,000 ml — ▲ LOW"
    assert screen.stations.item(0).text() == "Station 1\n▲ 1 low"
    save_screenshot(organiser.window, "organiser-inventory-low", tmp_path)


def test_an_item_is_added_from_the_menu_and_its_limits_checked(
    qtbot: Any, organiser: Organiser
) -> None:
    screen = organiser.window.inventory_screen
    screen.show_station(station_id(organiser, 2))
    labels = [screen.add_choice.itemText(i) for i in range(screen.add_choice.count())]
    assert "Soy milk" in labels and "Oat milk" not in labels
    screen.add_choice.setCurrentIndex(labels.index("Soy milk"))
    assert screen.add_level.value() == 6000 and screen.add_unit.text() == "ml"
    qtbot.mouseClick(screen.add_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: screen.item.heading.text() == "Soy milk")
    assert shown(screen, "Soy milk")[2:] == ["● OK", "6,000 of 6,000 ml"]
    assert screen.item.message.text() == "Station 2 now tracks Soy milk."
    assert "Soy milk" not in [
        screen.add_choice.itemText(i) for i in range(screen.add_choice.count())
    ]
    screen.item.unit.setText("")
    qtbot.mouseClick(screen.item.limits_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: screen.item.errors["unit"].isVisible())
    assert screen.item.errors["unit"].text() == "✕ A unit is 1-12 characters (ml, g, cups)"
    screen.item.unit.setText("ml")
    screen.item.par.setValue(8000)
    screen.item.low.setValue(2500)
    qtbot.mouseClick(screen.item.limits_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: screen.item.message.text() == "Saved the limits of Soy milk.")
    soy = item(organiser, 2, "milk:soy")
    assert (soy.unit, soy.par, soy.low_threshold, soy.level) == ("ml", 8000, 2500, 6000)
    assert shown(screen, "Soy milk")[3] == "6,000 of 8,000 ml"
    assert not screen.item.errors["unit"].isVisible()
