"""A station's own checks on its replica (sync/mutators.py) and the organiser's answer to what
gets through anyway, from real station replicas pushing through sync: a walk-in or a move the
station cannot make is refused at the tap with the reason; forced through (the station's
capabilities changed meanwhile, an older app) the organiser rejects it with ``cannot_make`` and
a reason the station stores and shows; an undo travels through the outbox once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlmodel import select

from expresso_desktop.core.items import DrinkSpec
from expresso_desktop.services import order_actions, station_admin
from expresso_desktop.services.changes import emit
from expresso_desktop.services.writer import Tx
from expresso_desktop.store.engine import read_session
from expresso_desktop.store.tables import OrderEvent, Station, StockItem
from expresso_desktop.sync import station_queries
from expresso_desktop.sync.mutators import LocalRefusal

from .harness import Organiser, StationNode
from .oracle import check_all, check_outboxes

Make = Callable[..., StationNode]


async def _offline(node: StationNode) -> StationNode:
    assert await node.sync()
    node.net.up = False
    return node


def _change_station(org: Organiser, number: int, **fields: Any) -> None:
    def work(tx: Tx) -> None:
        station = tx.session.exec(select(Station).where(Station.number == number)).one()
        station_admin.update_station(tx, station, fields)

    org.services.writer.run_sync(work)


def _soy_latte_at(org: Organiser, number: int) -> tuple[str, str]:
    def work(tx: Tx) -> tuple[str, str]:
        station = tx.session.exec(select(Station).where(Station.number == number)).one()
        order = order_actions.create_at_station(
            tx,
            event_id=org.services.event_id,
            station_id=station.id or 0,
            specs=[DrinkSpec("latte", "medium", "soy")],
            menu=org.services.menu,
        )
        return order.id, order.number or ""

    return org.services.writer.run_sync(work)


async def test_an_offline_walk_in_the_station_cannot_make_is_refused_at_the_tap(
    org: Organiser, station: Make
) -> None:
    node = await _offline(station(2))  # station 2 pours no soy
    with pytest.raises(LocalRefusal) as soy:
        station_queries.walk_in(node.replica, "soy latte", "Kim")
    assert soy.value.reason == "walk-in soy latte: Station 2 can't make soy milk drinks right now"
    node.net.up = True
    oat = next(i for i in org.stock_items(node.station_id or 0) if i.name == "milk:oat")

    def mark_out(tx: Tx) -> None:
        row = tx.session.get(StockItem, oat.id)
        assert row is not None
        row.out_of_stock = True
        tx.session.add(row)
        emit(tx.session, tx.changes, "stock_items", row)

    org.services.writer.run_sync(mark_out)
    await _offline(node)
    with pytest.raises(LocalRefusal) as out:
        station_queries.walk_in(node.replica, "oat flat white", None)
    assert out.value.reason == "walk-in oat flat white: Station 2 is out of oat milk right now"
    assert node.outbox() == []  # nothing queued
    station_queries.walk_in(node.replica, "flat white", None)  # what it can make still goes


async def test_a_walk_in_the_station_can_no_longer_make_is_rejected_with_the_reason(
    org: Organiser, station: Make
) -> None:
    node = await _offline(station(1))
    walk_in = station_queries.walk_in(node.replica, "oat latte", "Kim")
    assert node.order(walk_in["id"]) is not None  # shown at once, offline
    # Meanwhile the organiser takes oat off station 1 (the jug broke).
    caps = {"drinks": ["latte"], "milks": ["full cream"], "extras": []}
    _change_station(org, 1, capabilities=caps)
    node.net.up = True
    assert await node.sync()
    (row,) = node.outbox()
    reason = "walk-in oat latte: Station 1 can't make oat milk drinks right now"
    assert (row.status, row.reason, row.message) == ("rejected", "cannot_make", reason)
    assert node.order(walk_in["id"]) is None  # taken back at the rebase
    rejections = station_queries.status(node.replica)["rejections"]
    assert rejections == [
        {"seq": row.seq, "name": "order.create", "reason": "cannot_make", "message": reason}
    ]
    (notice,) = [n for n in node.notices if n.kind == "rejected"]
    assert reason in notice.message and notice.reason == "cannot_make"
    check_all(org, [node])


async def test_a_move_to_a_station_that_cannot_make_it_is_refused_on_both_ends(
    org: Organiser, station: Make
) -> None:
    order_id, number = _soy_latte_at(org, 1)
    node = await _offline(station(1))
    two = org.station_ids()[1]
    with pytest.raises(LocalRefusal) as here:
        node.tap("order.reassign", order_id=order_id, to_station=two, base_assign_version=0)
    assert (
        here.value.reason == f"{number} (soy latte): Station 2 can't make soy milk drinks right now"
    )
    node.force_tap("order.reassign", order_id=order_id, to_station=two, base_assign_version=0)
    node.net.up = True
    assert await node.sync()
    (row,) = node.outbox()
    assert (row.status, row.reason) == ("rejected", "cannot_make")
    assert row.message == f"{number}: Station 2 can't make soy milk drinks right now"
    assert org.order(order_id).station_id == org.station_ids()[0]


async def test_an_undo_travels_through_the_outbox_exactly_once(
    org: Organiser, station: Make
) -> None:
    node = await _offline(station(1))
    order_id = org.add_order(node.station_id)
    node.net.up = True
    assert await node.sync()
    for verb in ("start", "ready"):
        node.tap(f"order.{verb}", order_id=order_id)
    station_queries.act(node.replica, "undo", order_id)
    assert (node.order(order_id) or {})["status"] == "in_progress"  # at once, locally
    node.net.duplicate = 1.0  # every push arrives twice
    node.net.drop_response = 1.0  # ... and its answer is lost: it is sent again
    assert not await node.sync()
    node.net.calm()
    assert await node.sync()
    assert [r.status for r in node.outbox()] == ["acked"] * 3
    assert org.order(order_id).status == "in_progress"
    with read_session(org.services.engine) as session:
        actions = session.exec(
            select(OrderEvent.action).where(OrderEvent.order_id == order_id).order_by(OrderEvent.id)
        ).all()
    assert actions == ["placed", "start", "ready", "undo"]
    # An undo of what the organiser has moved on from is not applied.
    node.tap("order.undo", order_id=order_id, base_status="in_progress")
    org.do("order.ready", order_id=order_id)
    assert await node.sync()
    assert node.outbox()[-1].reason == "stale"
    assert org.order(order_id).status == "ready"
    # Converged (the oracle's other checks; an undo is the one backward status move).
    assert node.replica.cursor == org.head()
    assert node.replica.state_hash() == org.state_hash()
    check_outboxes(org, [node])
