"""What a sync round reports to the window (``on_round``): the orders and tables its pulled
pages changed, ``everything`` after a download, nothing for an empty round; and the link
state the runner reports (``on_status``)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from expresso_desktop.core.sync_protocol import Change
from expresso_desktop.sync.events import LinkChanged, ReplicaChanged
from expresso_desktop.sync.replica import Touched, apply_changes
from expresso_desktop.sync.runner import SyncRunner

from .harness import Organiser, StationNode

Make = Callable[..., StationNode]


async def test_the_first_round_downloads_everything(station: Make) -> None:
    node = station()
    changed = await node.engine.sync_once()
    assert changed.everything and node.rounds == [changed]


async def test_a_round_reports_the_orders_its_pages_changed(org: Organiser, station: Make) -> None:
    node = station()
    await node.sync()
    order_id = org.add_order(org.station_ids()[0])
    changed = await node.engine.sync_once()
    assert changed.order_ids == {order_id} and not changed.everything
    assert {"orders", "order_items"} <= changed.entities
    assert node.rounds[-1] == changed


async def test_an_empty_round_reports_nothing(station: Make) -> None:
    node = station()
    await node.sync()
    reported = len(node.rounds)
    changed = await node.engine.sync_once()
    assert changed.empty and len(node.rounds) == reported


async def test_a_refused_tap_reports_its_order_when_it_is_undone(
    org: Organiser, station: Make
) -> None:
    one, two = station(1), station(2)
    order_id = org.add_order(None)  # unassigned: both may claim it
    await one.sync()
    await two.sync()
    one.tap("order.start", order_id=order_id)
    two.tap("order.start", order_id=order_id)
    await one.sync()
    changed = await two.engine.sync_once()  # refused (taken_by): the card goes back
    assert order_id in changed.order_ids
    assert two.order(order_id)["station_id"] == one.station_id


async def test_order_items_are_reported_as_their_order(org: Organiser, station: Make) -> None:
    node = station()
    order_id = org.add_order(org.station_ids()[0])
    await node.sync()
    with node.replica.read() as conn:
        item_id = conn.exec_driver_sql(
            "SELECT id FROM order_items WHERE order_id = ?", (order_id,)
        ).scalar()
    touched = Touched()
    with node.replica.write() as conn:
        apply_changes(conn, [Change(10**6, "order_items", str(item_id), "delete")], touched)
        changed = touched.changed(conn)  # the tombstone keeps the row: its order is known
    assert changed == ReplicaChanged(frozenset({order_id}), frozenset({"order_items"}))


async def test_the_runner_reports_the_link_going_down_and_up(station: Make) -> None:
    node = station()
    node.net.up = False
    links: list[LinkChanged] = []
    changed = asyncio.Event()

    def on_status(link: LinkChanged) -> None:
        links.append(link)
        changed.set()

    runner = SyncRunner(node.engine, interval_s=0.05, poll_s=0.05, on_status=on_status)
    stop = asyncio.Event()
    task = asyncio.create_task(runner.run(stop))
    try:
        await asyncio.wait_for(changed.wait(), 5)
        assert links[-1].online is False and "request lost" in links[-1].detail
        changed.clear()
        node.net.up = True
        await asyncio.wait_for(changed.wait(), 15)  # after the backoff
        assert links[-1] == LinkChanged(True, "")
    finally:
        stop.set()
        await task
