"""Drinks waiting per station, followed from the change bus (services/queues.py): always the
same counts as the SQL over the orders, committed or not, rolled back or not."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlmodel import col, select

from expresso_desktop.core.items import DrinkSpec
from expresso_desktop.services import order_actions, orders
from expresso_desktop.services.organiser import OrganiserServices
from expresso_desktop.services.queues import Queues
from expresso_desktop.services.read_cache import ReadCache
from expresso_desktop.services.station_views import load_floor
from expresso_desktop.services.writer import Tx
from expresso_desktop.store.repositories import orders_repo
from expresso_desktop.store.tables import Order
from expresso_desktop.store.types import utcnow
from tests.services.helpers import station_id, write

LATTE = DrinkSpec("latte", "medium", "full cream")
TWO_FLAT_WHITES = DrinkSpec("flat white", "medium", "full cream", quantity=2)


EVENT = 1  # the demo event, the organiser's first


def counted(tx: Tx, cache: ReadCache | None) -> Queues:
    """What routing sees in ``tx``: from the followed counts (``cache``) or from SQL."""
    now = utcnow()
    pending = tx.changes if cache else None
    floor = load_floor(tx.session, EVENT, now, cache=cache, pending=pending)
    return {
        int(v.id): (v.queue_length, v.vip_queue_length)
        for v in floor.views
        if v.queue_length or v.vip_queue_length
    }


def ahead_in_sql(tx: Tx, order_id: str) -> int | None:
    """The definition: drinks of the waiting orders at its station that came in no later (only
    its own once it is being made)."""
    order = tx.session.get(Order, order_id)
    assert order is not None
    if order.station_id is None or order.status not in ("new", "in_progress"):
        return None
    if order.status == "in_progress":
        return sum(i.quantity for i in orders_repo.items(order_id, session=tx.session))
    others = tx.session.exec(
        select(Order).where(
            Order.station_id == order.station_id,
            col(Order.status).in_(("new", "in_progress")),
            col(Order.created_at) <= order.created_at,
        )
    ).all()
    return sum(i.quantity for o in others for i in orders_repo.items(o.id, session=tx.session))


def agree(tx: Tx, cache: ReadCache) -> Queues:
    followed, sql = counted(tx, cache), counted(tx, None)
    assert followed == sql
    assert cache.waiting is not None
    for order_id in tx.session.exec(select(Order.id)).all():
        ahead = cache.waiting.drinks_ahead(tx.session.get_bind(), EVENT, order_id, tx.changes)  # type: ignore[arg-type]
        assert ahead == ahead_in_sql(tx, order_id)
    return followed


@pytest.fixture
def cache(organiser: OrganiserServices) -> ReadCache:
    assert organiser.event_id == EVENT
    return ReadCache(organiser.bus)


def test_counts_follow_every_order_change_the_way_sql_counts_them(
    organiser: OrganiserServices, cache: ReadCache
) -> None:
    one, two = station_id(organiser, 1), station_id(organiser, 2)
    assert write(organiser, lambda tx: agree(tx, cache)) == {}

    def store(station: int, *specs: DrinkSpec, vip: bool = False) -> Callable[[Tx], str]:
        def fn(tx: Tx) -> str:
            order, _ = orders.store_order(
                tx, event_id=EVENT, station_id=station, specs=list(specs), vip=vip
            )
            agree(tx, cache)  # its own uncommitted order counts in its transaction
            return order.id

        return fn

    a = write(organiser, store(one, LATTE, TWO_FLAT_WHITES))
    b = write(organiser, store(one, LATTE, vip=True))
    c = write(organiser, store(two, LATTE))
    assert write(organiser, lambda tx: agree(tx, cache)) == {one: (4, 1), two: (1, 0)}
    steps: list[Callable[[Tx], object]] = [
        lambda tx: orders.start_order(tx, a),
        lambda tx: orders.mark_ready(tx, a),
        lambda tx: order_actions.undo_last(tx, a),  # back to being made: counted again
        lambda tx: order_actions.move_order(tx, b, two, menu=organiser.menu),
        lambda tx: order_actions.amend_items(
            tx, c, [DrinkSpec("latte", "large", "oat", quantity=3)], menu=organiser.menu
        ),
        lambda tx: orders.cancel_order(tx, b, "out of cups"),
        lambda tx: orders.mark_ready(tx, a),
    ]
    for step in steps:
        write(organiser, lambda tx, step=step: (step(tx), agree(tx, cache)))
        write(organiser, lambda tx: agree(tx, cache))
    assert write(organiser, lambda tx: agree(tx, cache)) == {two: (3, 0)}
    cache.close()


def test_what_a_savepoint_or_a_transaction_rolled_back_is_never_counted(
    organiser: OrganiserServices, cache: ReadCache
) -> None:
    one = station_id(organiser, 1)

    def rolled_back_savepoint(tx: Tx) -> Queues:
        with pytest.raises(RuntimeError), tx.savepoint():
            orders.store_order(tx, event_id=EVENT, station_id=one, specs=[LATTE])
            raise RuntimeError("the conversation failed")
        return agree(tx, cache)

    assert write(organiser, rolled_back_savepoint) == {}

    def failed(tx: Tx) -> None:
        orders.store_order(tx, event_id=EVENT, station_id=one, specs=[LATTE])
        assert agree(tx, cache) == {one: (1, 0)}
        raise RuntimeError("the store failed")

    with pytest.raises(RuntimeError):
        write(organiser, failed)
    assert write(organiser, lambda tx: agree(tx, cache)) == {}
    cache.close()


def test_orders_committed_before_the_first_ask_are_read_once(
    organiser: OrganiserServices, cache: ReadCache
) -> None:
    one = station_id(organiser, 1)
    yesterday = utcnow() - timedelta(days=1)
    for _ in range(3):
        write(
            organiser,
            lambda tx: orders.store_order(
                tx, event_id=EVENT, station_id=one, specs=[LATTE], now=yesterday
            ),
        )
    assert write(organiser, lambda tx: agree(tx, cache)) == {one: (3, 0)}
    cache.close()


def test_drinks_ahead_follow_arrival_time_not_insertion_order(
    organiser: OrganiserServices, cache: ReadCache
) -> None:
    """Orders stored out of time order (a station's offline walk-ins arrive late, stamped with
    when they were taken) and orders at the same instant: each counts the ones that came in no
    later, as the SQL does."""
    one, two = station_id(organiser, 1), station_id(organiser, 2)
    start = utcnow() - timedelta(hours=1)
    write(organiser, lambda tx: agree(tx, cache))  # the board is read before these arrive
    for minutes, station, spec in [
        (30, one, LATTE),
        (10, one, TWO_FLAT_WHITES),
        (30, one, TWO_FLAT_WHITES),  # the same instant as the first
        (20, two, LATTE),
        (0, one, LATTE),
    ]:
        at = start + timedelta(minutes=minutes)
        write(
            organiser,
            lambda tx, at=at, station=station, spec=spec: orders.store_order(
                tx, event_id=EVENT, station_id=station, specs=[spec], now=at
            ),
        )
    assert write(organiser, lambda tx: agree(tx, cache)) == {one: (6, 0), two: (1, 0)}
    cache.close()
