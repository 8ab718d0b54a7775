"""The Orders screen against the real organiser (its servers on 127.0.0.1, the simulator as the
gateway): an order texted from the test phone appears without refresh; its detail shows the
drinks, the timeline and the text thread; it moves only to a station that can make it (and the
customer's "moved" text lands in the thread); VIP, undo, cancel with a reason; refusals sit
under the actions, naming the order."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from sqlmodel import select

from expresso_desktop.core.items import DrinkSpec
from expresso_desktop.services import orders
from expresso_desktop.services.order_views import OrderRow
from expresso_desktop.services.orders import start_order
from expresso_desktop.services.writer import Tx
from expresso_desktop.store.tables import Event
from expresso_desktop.ui.organiser import orders_screen
from expresso_desktop.ui.organiser.order_detail import LineList, OrderDetailPane
from expresso_desktop.ui.organiser.orders_screen import NOT_MADE, OrdersFilter, OrdersScreen
from tests.ui.artifacts import save_screenshot
from tests.ui.organiser_gui import Organiser, running_organiser

WAIT_MS = 15_000
ORDER_TEXT = "large oat flat white for Sam at station 2"


@pytest.fixture
def organiser(qtbot: Any, tmp_path: Path) -> Iterator[Organiser]:
    with running_organiser(qtbot, tmp_path, "orders") as running:
        yield running


def texted(qtbot: Any, organiser: Organiser, body: str) -> None:
    phone = organiser.window.simulator
    qtbot.waitUntil(phone.send_button.isEnabled, timeout=WAIT_MS)
    phone.message.setText(body)
    qtbot.mouseClick(phone.send_button, Qt.MouseButton.LeftButton)


def lines(view: LineList) -> list[str]:
    return view.lines()


def click(qtbot: Any, button: Any) -> None:
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_a_texted_order_is_shown_moved_undone_and_cancelled(
    qtbot: Any, organiser: Organiser, tmp_path: Path
) -> None:
    screen: OrdersScreen = organiser.window.orders_panel
    assert screen.empty.isVisible()
    texted(qtbot, organiser, ORDER_TEXT)
    qtbot.waitUntil(lambda: screen.model.rowCount() == 1, timeout=WAIT_MS)  # no refresh
    assert not screen.empty.isVisible()
    screen.table.selectRow(0)
    detail: OrderDetailPane = screen.detail
    qtbot.waitUntil(lambda: len(lines(detail.texts_view)) == 2, timeout=WAIT_MS)
    assert detail.heading.text() == "Order A001 · Sam"
    assert detail.items.text() == "• large oat flat white"
    assert "placed → New" in lines(detail.timeline)[0]
    assert "by the customer's text" in lines(detail.timeline)[0]
    inbound, confirmation = lines(detail.texts_view)
    assert "← In" in inbound and ORDER_TEXT in inbound
    assert "→ Out · confirmation" in confirmation and "A001" in confirmation

    # Move: only stations that can make a flat white with oat now (not the Garden Bar)
    offered = [detail.move_to.itemText(i) for i in range(detail.move_to.count())]
    assert offered == ["Station 1"]
    click(qtbot, detail.move_button)
    qtbot.waitUntil(lambda: screen.model.row_at(0).station == "Station 1", timeout=WAIT_MS)
    qtbot.waitUntil(lambda: len(lines(detail.texts_view)) == 3, timeout=WAIT_MS)
    assert "Station 1" in lines(detail.texts_view)[2]  # the customer's "moved" text
    qtbot.waitUntil(lambda: "moved (Station 2 → Station 1)" in lines(detail.timeline)[-1])
    assert "by the organiser" in lines(detail.timeline)[-1]

    # VIP
    click(qtbot, detail.vip_button)
    qtbot.waitUntil(lambda: detail.heading.text().endswith("★ VIP"), timeout=WAIT_MS)
    assert screen.model.row_at(0).vip

    # Undo: refused in place on a new order, then takes back a station's Start
    detail.undo_button.setEnabled(True)  # offered only after a step; the rule refuses anyway
    click(qtbot, detail.undo_button)
    qtbot.waitUntil(lambda: "A001" in detail.error.text(), timeout=WAIT_MS)
    order_id = screen.model.row_at(0).id
    organiser.services.writer.run_sync(partial(start_order, order_id=order_id))
    qtbot.waitUntil(lambda: detail.facts.text().startswith("Making"), timeout=WAIT_MS)
    assert detail.undo_button.isEnabled()
    click(qtbot, detail.undo_button)
    qtbot.waitUntil(lambda: detail.facts.text().startswith("New"), timeout=WAIT_MS)
    assert "step undone → New" in lines(detail.timeline)[-1]
    assert detail.error.text() == ""

    save_screenshot(organiser.window, "organiser-orders", tmp_path)

    # Cancel: a reason first, then a confirmation
    click(qtbot, detail.cancel_button)
    assert "Say why" in detail.error.text() and not detail.confirm_cancel.isVisible()
    detail.cancel_reason.setText("the milk ran out")
    click(qtbot, detail.cancel_button)
    assert detail.confirm_cancel.isVisible()
    click(qtbot, detail.confirm_cancel)
    qtbot.waitUntil(lambda: screen.model.row_at(0).status == "cancelled", timeout=WAIT_MS)
    qtbot.waitUntil(lambda: len(lines(detail.texts_view)) == 4, timeout=WAIT_MS)
    assert "cancellation" in lines(detail.texts_view)[3]
    assert "cancelled (the milk ran out)" in lines(detail.timeline)[-1]
    assert not detail.cancel_button.isEnabled() and not detail.move_button.isEnabled()


def test_a_text_to_the_customer_lands_in_the_thread(qtbot: Any, organiser: Organiser) -> None:
    screen: OrdersScreen = organiser.window.orders_panel
    texted(qtbot, organiser, "latte for Mia")
    qtbot.waitUntil(lambda: screen.model.rowCount() == 1, timeout=WAIT_MS)
    screen.table.selectRow(0)
    detail = screen.detail
    qtbot.waitUntil(lambda: len(lines(detail.texts_view)) == 2, timeout=WAIT_MS)
    detail.message.setText("Your latte is on its way, sorry for the wait")
    click(qtbot, detail.send_button)
    qtbot.waitUntil(lambda: len(lines(detail.texts_view)) == 3, timeout=WAIT_MS)
    assert "from the organiser" in lines(detail.texts_view)[2]
    assert detail.message.text() == ""


def _row(number: str, status: str, station_id: int, minutes: int, summary: str) -> OrderRow:
    return OrderRow(
        id=number,
        number=number,
        customer_name="Sam",
        summary=summary,
        station=f"Station {station_id}",
        status=status,
        source="sms",
        vip=False,
        created_at=datetime.now(UTC) - timedelta(minutes=minutes),
        station_id=station_id,
    )


def test_filters_by_words_status_station_and_age() -> None:
    now = datetime.now(UTC)
    rows = [
        _row("A001", "new", 1, 2, "latte"),
        _row("A002", "ready", 2, 15, "oat flat white"),
        _row("A003", "in_progress", 2, 45, "long black"),
    ]
    shown = OrdersFilter()

    def numbers() -> list[str]:
        return [r.number for r in rows if shown.accepts(r, now)]

    assert numbers() == ["A001", "A002", "A003"]
    shown.set_words("OAT white")
    assert numbers() == ["A002"]
    shown.set_words("")
    shown.set_status(NOT_MADE)
    assert numbers() == ["A001", "A003"]
    shown.set_station(2)
    assert numbers() == ["A003"]
    shown.set_status("")
    shown.set_age(2)  # 10–30 min
    assert numbers() == ["A002"]


def test_the_list_opens_a_page_first_and_a_search_finds_orders_it_does_not_hold(
    qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Scaled down (a first page of 2, a list of 4) to stand for 100 and 1,000."""
    monkeypatch.setattr(orders_screen, "FIRST_PAGE", 2)
    monkeypatch.setattr(orders_screen, "ORDERS_HELD", 4)
    names = ["Old Bo", "Ann", "Ben", "Cy", "Di", "Ed"]

    def place(tx: Tx) -> None:
        event_id = tx.session.exec(select(Event.id)).one()
        assert event_id is not None
        for name in names:
            latte = DrinkSpec("latte", "medium", "full cream")
            orders.store_order(
                tx, event_id=event_id, station_id=None, specs=[latte], customer_name=name
            )

    with running_organiser(qtbot, tmp_path, "live", prepare=place) as org:
        org.window.nav.show_screen("orders")
        screen = org.window.orders_panel
        qtbot.waitUntil(lambda: screen.model.rowCount() == 4, timeout=WAIT_MS)  # 2, then 4
        held = {screen.model.row_at(r).customer_name for r in range(4)}
        assert held == {"Ben", "Cy", "Di", "Ed"}  # the newest four
        screen.search.setText("old bo")
        qtbot.waitUntil(lambda: screen.proxy.rowCount() == 1, timeout=WAIT_MS)
        found = screen.model.row_at(screen.model.rowCount() - 1)
        assert found.customer_name == "Old Bo"  # read from the database, put at the end
        assert screen.count.text() == "Showing 1 of 5 orders"
