"""A station's history on a real replica: today's collected and cancelled orders of this
station only, newest first, searchable by number or name; Recall brings a collected order back
to ready at the organiser (``order.undo``), a cancelled one cannot come back and says why."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from expresso_desktop.core.errors import IllegalTransition
from expresso_desktop.core.menu import Menu
from expresso_desktop.core.orders import OrderStatus
from expresso_desktop.sync import station_history
from expresso_desktop.sync.station_history import history, recall

from .customer_orders import texted_order
from .harness import Organiser, StationNode

Make = Callable[..., StationNode]


async def test_today_s_finished_orders_newest_first_with_search_and_recall(
    org: Organiser, station: Make, menu: Menu
) -> None:
    one, two, _ = org.station_ids()
    ana, ben, cy = (texted_order(org, one, name) for name in ("Ana Ruiz", "Ben Ng", "Cy Po"))
    other = texted_order(org, two, "Dee")
    for order_id in (ana, ben):
        org.do("order.collect", order_id=order_id)
    org.do("order.cancel", order_id=cy, reason="we've run out of oat milk")
    org.do("order.collect", order_id=other)  # another station's: not in this history
    node = station(1)
    assert await node.sync()

    entries = history(node.replica, menu)
    assert [e.order_id for e in entries] == [cy, ben, ana]
    cancelled, collected = entries[0], entries[1]
    assert cancelled.status is OrderStatus.CANCELLED and cancelled.name == "Cy"
    assert cancelled.cancel_reason == "we've run out of oat milk"
    assert cancelled.recall_blocked == f"{cancelled.number}: a cancelled order cannot be undone"
    assert collected.recallable and collected.drinks == "latte"

    assert [e.order_id for e in history(node.replica, menu, search="ben")] == [ben]
    number = org.order(ana).number or ""
    assert [e.order_id for e in history(node.replica, menu, search=number.lower())] == [ana]
    tomorrow = datetime.now(UTC) + timedelta(days=1)
    assert history(node.replica, menu, since=tomorrow) == []

    with pytest.raises(IllegalTransition, match="cancelled"):
        recall(node.replica, cancelled)
    recall(node.replica, collected)
    assert (node.order(ben) or {})["status"] == "ready"  # at once, locally
    assert [e.order_id for e in history(node.replica, menu)] == [cy, ana]
    assert await node.sync()
    assert org.order(ben).status == "ready"
    assert [r.status for r in node.outbox()] == ["acked"]


def test_today_starts_at_local_midnight() -> None:
    now = datetime(2026, 12, 2, 15, 30, tzinfo=UTC)
    start = station_history.start_of_today(now)
    assert start <= now < start + timedelta(days=1)
    assert start.astimezone().time().hour == 0
