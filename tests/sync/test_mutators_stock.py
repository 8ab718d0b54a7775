"""A station's stock taps on a real replica, pushed through sync to a real organiser: Done takes
the recipe at once (offline too), the organiser takes exactly the same once, rebasing stays
exact, and marking out travels both ways."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import select

from expresso_desktop.core.items import DrinkSpec
from expresso_desktop.core.stock import order_consumption
from expresso_desktop.services import orders, stock
from expresso_desktop.services.changes import ChangeSet
from expresso_desktop.services.writer import Tx
from expresso_desktop.store.engine import read_session
from expresso_desktop.store.tables import StockMovement

from .harness import Organiser, StationNode
from .oracle import check_all, quiesce

OAT_FLAT_WHITE = DrinkSpec("flat white", "large", "oat", quantity=2)


def _order(org: Organiser, station_id: int) -> str:
    def place(tx: Tx) -> str:
        order, _ = orders.store_order(
            tx, event_id=org.services.event_id, station_id=station_id, specs=[OAT_FLAT_WHITE]
        )
        return order.id

    return org.services.writer.run_sync(place)


def _organiser_levels(org: Organiser, station_id: int) -> dict[str, float]:
    return {i.name: i.level for i in org.stock_items(station_id)}


def _replica_levels(node: StationNode, org: Organiser) -> dict[str, float]:
    images = (node.image("stock_items", i.id) for i in org.stock_items(node.station_id or 0))
    return {image["name"]: image["level"] for image in images if image is not None}


def _minus(levels: dict[str, float], use: dict[str, float]) -> dict[str, float]:
    return {name: level - use.get(name, 0) for name, level in levels.items()}


async def test_done_offline_drops_the_stock_at_once_and_the_organiser_takes_it_once(
    org: Organiser, station: Callable[..., StationNode]
) -> None:
    node = station(1)
    sid = node.station_id or 0
    order_id = _order(org, sid)
    assert await node.sync()
    before = _organiser_levels(org, sid)
    use = order_consumption([OAT_FLAT_WHITE], org.services.menu)

    node.net.up = False
    node.tap("order.start", order_id=order_id)
    node.tap("order.ready", order_id=order_id)
    assert _replica_levels(node, org) == _minus(before, use)  # the bars drop offline
    assert _organiser_levels(org, sid) == before

    node.net.up, node.net.duplicate, node.net.late = True, 1.0, 1.0  # every push twice, late
    assert await node.sync()
    await quiesce(org, [node])
    assert _organiser_levels(org, sid) == _minus(before, use)
    assert _replica_levels(node, org) == _minus(before, use)
    with read_session(org.services.engine) as session:
        rows = session.exec(select(StockMovement).where(StockMovement.order_id == order_id))
        organiser_ids = {r.id for r in rows}
    assert len(organiser_ids) == len(use)
    assert all(node.image("stock_movements", key) is not None for key in organiser_ids)
    check_all(org, [node])


async def test_a_pending_done_is_rebased_exactly_on_a_restock_it_had_not_seen(
    org: Organiser, station: Callable[..., StationNode]
) -> None:
    node = station(1)
    sid = node.station_id or 0
    order_id = _order(org, sid)
    assert await node.sync()
    oat = next(i for i in org.stock_items(sid) if i.name == "milk:oat")
    use = order_consumption([OAT_FLAT_WHITE], org.services.menu)

    node.tap("order.ready", order_id=order_id)  # not pushed yet
    org.services.writer.run_sync(
        lambda tx: stock.restock(tx, stock.get_item(tx.session, oat.id or 0), 1000, client_id="o")
    )
    await node.engine.pull_all()  # the organiser's restock, then the pending Done again
    image = node.image("stock_items", oat.id)
    assert image is not None and image["level"] == oat.level + 1000 - use["milk:oat"]
    await quiesce(org, [node])
    assert _organiser_levels(org, sid)["milk:oat"] == image["level"]
    check_all(org, [node])


async def test_marking_out_at_the_station_reaches_the_organiser_and_back_in(
    org: Organiser, station: Callable[..., StationNode]
) -> None:
    heard: list[ChangeSet] = []
    org.services.bus.subscribe(heard.append)
    node = station(1)
    sid = node.station_id or 0
    assert await node.sync()
    oat = next(i for i in org.stock_items(sid) if i.name == "milk:oat")

    node.net.up = False
    node.tap("stock.mark_out", item_id=oat.id, out=True)
    assert (node.image("stock_items", oat.id) or {})["out_of_stock"] is True
    node.net.up = True
    await quiesce(org, [node])
    assert next(i for i in org.stock_items(sid) if i.id == oat.id).out_of_stock is True
    assert [a.kind for cs in heard for a in cs.alerts] == ["stock_out"]

    node.tap("stock.restock", item_id=oat.id, qty=500)  # more arrived: back in
    assert (node.image("stock_items", oat.id) or {})["out_of_stock"] is False
    await quiesce(org, [node])
    assert next(i for i in org.stock_items(sid) if i.id == oat.id).out_of_stock is False
    check_all(org, [node])


async def test_a_collect_without_done_takes_the_recipe_once_at_both_ends(
    org: Organiser, station: Callable[..., StationNode]
) -> None:
    node = station(1)
    sid = node.station_id or 0
    order_id = _order(org, sid)
    assert await node.sync()
    before = _organiser_levels(org, sid)
    taken = _minus(before, order_consumption([OAT_FLAT_WHITE], org.services.menu))
    node.tap("order.collect", order_id=order_id)  # handed over without a Done tap
    assert _replica_levels(node, org) == taken
    await quiesce(org, [node])
    assert _organiser_levels(org, sid) == taken == _replica_levels(node, org)
    check_all(org, [node])
