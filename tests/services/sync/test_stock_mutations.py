"""Stock handlers: deltas, never levels; a late delta from before a count is recorded but
not subtracted; the level may go negative (alerted); counts are the organiser's."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import select

from expresso_desktop.core.items import DrinkSpec
from expresso_desktop.core.stock import order_client_id, order_consumption
from expresso_desktop.core.sync_protocol import Mutation, Reason, ResultStatus, movement_id
from expresso_desktop.services import orders
from expresso_desktop.services.changes import ChangeSet
from expresso_desktop.services.organiser import OrganiserServices
from expresso_desktop.services.writer import Tx
from expresso_desktop.store.engine import read_session
from expresso_desktop.store.tables import StockItem, StockMovement

from ..helpers import station_id, stock_item, write
from .conftest import Client

MILK = "milk:full cream"


def _item(services: OrganiserServices, item_id: int) -> StockItem:
    with read_session(services.engine) as session:
        item = session.get(StockItem, item_id)
        assert item is not None
        return item


def _movements(services: OrganiserServices, item_id: int) -> list[StockMovement]:
    with read_session(services.engine) as session:
        query = select(StockMovement).where(StockMovement.item_id == item_id)
        return list(session.exec(query).all())


def test_a_use_is_a_delta_with_the_id_both_ends_derive(
    organiser: OrganiserServices, client: Callable[..., Client]
) -> None:
    one = client(1)
    milk = stock_item(organiser, 1, MILK)
    assert milk.id is not None
    answer = one.push("stock.consume", item_id=milk.id, qty=2, generation=milk.generation)
    assert answer.results[0].status is ResultStatus.APPLIED
    assert _item(organiser, milk.id).level == milk.level - 2
    [movement] = _movements(organiser, milk.id)
    assert movement.id == movement_id(one.caller.client_id, 1, milk.id) and movement.counted
    one.push("stock.restock", item_id=milk.id, qty=5)
    assert _item(organiser, milk.id).level == milk.level + 3


def test_a_use_from_before_the_count_is_recorded_not_subtracted(
    organiser: OrganiserServices, client: Callable[..., Client], heard: list[ChangeSet]
) -> None:
    one, boss = client(1), client(None, "organiser")
    milk = stock_item(organiser, 1, MILK)
    assert milk.id is not None
    counted = boss.push("stock.reset", item_id=milk.id, counted_level=40)
    assert counted.results[0].status is ResultStatus.APPLIED
    one.push("stock.consume", item_id=milk.id, qty=3, generation=milk.generation)
    assert _item(organiser, milk.id).level == 40
    assert [m.counted for m in _movements(organiser, milk.id)] == [False]
    assert "stock_reconcile" in [a.kind for cs in heard for a in cs.alerts]


def test_the_level_may_go_negative_and_the_organiser_hears_of_it(
    organiser: OrganiserServices, client: Callable[..., Client], heard: list[ChangeSet]
) -> None:
    one = client(1)
    milk = stock_item(organiser, 1, MILK)
    assert milk.id is not None
    one.push("stock.consume", item_id=milk.id, qty=milk.level + 1)
    assert _item(organiser, milk.id).level == -1
    assert "stock_negative" in [a.kind for cs in heard for a in cs.alerts]


def test_other_stations_items_and_bad_counts_are_refused(
    organiser: OrganiserServices, client: Callable[..., Client]
) -> None:
    one, boss = client(1), client(None, "organiser")
    theirs = stock_item(organiser, 2, MILK)
    refused = one.push("stock.consume", item_id=theirs.id, qty=1).results[0]
    assert refused.reason == Reason.NOT_YOUR_STATION
    bad = boss.push("stock.reset", item_id=theirs.id, counted_level=-1).results[0]
    assert bad.reason == Reason.INVALID_ARGS
    assert one.push("stock.consume", item_id=99999, qty=1).results[0].reason == (
        Reason.UNKNOWN_ENTITY
    )


def _levels(services: OrganiserServices, station: int) -> dict[str, float]:
    with read_session(services.engine) as session:
        query = select(StockItem).where(StockItem.station_id == station_id(services, station))
        return {i.name: i.level for i in session.exec(query).all()}


def test_a_ready_pushed_by_a_station_takes_the_recipe_exactly_once(
    organiser: OrganiserServices, client: Callable[..., Client]
) -> None:
    one = client(1)
    latte = DrinkSpec("latte", "large", "oat")

    def place(tx: Tx) -> str:
        order, _ = orders.store_order(
            tx, event_id=organiser.event_id, station_id=station_id(organiser, 1), specs=[latte]
        )
        return order.id

    order_id = write(organiser, place)
    before = _levels(organiser, 1)
    ready = Mutation(1, "order.ready", {"order_id": order_id})
    one.seq = 1
    assert one.send(ready).results[0].status is ResultStatus.APPLIED
    assert one.send(ready).results[0].status is ResultStatus.DUPLICATE  # a re-sent push
    use = order_consumption([latte], organiser.menu)
    assert _levels(organiser, 1) == {n: v - use.get(n, 0) for n, v in before.items()}
    with read_session(organiser.engine) as session:
        rows = session.exec(select(StockMovement).where(StockMovement.order_id == order_id))
        ids = {(r.id, r.seq, r.reason) for r in rows}
    client_id = order_client_id(order_id)
    item_ids = [stock_item(organiser, 1, name).id or 0 for name in use]
    assert ids == {(movement_id(client_id, 1, item_id), 1, "order") for item_id in item_ids}


def test_a_station_marks_its_own_items_out_and_back_in(
    organiser: OrganiserServices, client: Callable[..., Client], heard: list[ChangeSet]
) -> None:
    one = client(1)
    oat, theirs = stock_item(organiser, 1, "milk:oat"), stock_item(organiser, 2, "milk:oat")
    assert one.push("stock.mark_out", item_id=oat.id, out=True).results[0].status is (
        ResultStatus.APPLIED
    )
    assert _item(organiser, oat.id or 0).out_of_stock is True
    assert [a.kind for cs in heard for a in cs.alerts] == ["stock_out"]
    assert heard[-1].stock_item_ids == {oat.id}  # the row goes to the station with it
    refused = one.push("stock.mark_out", item_id=theirs.id, out=True).results[0]
    assert refused.reason == Reason.NOT_YOUR_STATION
    bad = one.push("stock.mark_out", item_id=oat.id, out="yes").results[0]
    assert bad.reason == Reason.INVALID_ARGS
    one.push("stock.mark_out", item_id=oat.id, out=False)
    assert _item(organiser, oat.id or 0).out_of_stock is False
