"""The stock rulebook (services/stock.py) on a real store: movements and levels, restock, count,
marking out, thresholds, and the recipe a made drink takes (Done) and gives back (undo)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from typing import TypeVar

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from expresso_desktop.core.errors import DomainError, IllegalTransition
from expresso_desktop.core.items import DrinkSpec
from expresso_desktop.core.stock import order_consumption
from expresso_desktop.services import order_actions, orders, stock
from expresso_desktop.services.changes import ChangeSet
from expresso_desktop.services.organiser import OrganiserServices
from expresso_desktop.services.station_views import load_floor
from expresso_desktop.services.writer import Tx
from expresso_desktop.store.engine import read_session
from expresso_desktop.store.tables import Order, StockItem, StockMovement
from expresso_desktop.store.types import utcnow
from tests.services.helpers import logged, station_id, stock_item, write

OAT_LATTE = DrinkSpec("latte", "medium", "oat")
T = TypeVar("T")


def _order(organiser: OrganiserServices, station: int | None, *specs: DrinkSpec) -> str:
    def work(tx: Tx) -> str:
        order, _ = orders.store_order(
            tx,
            event_id=organiser.event_id,
            station_id=None if station is None else station_id(organiser, station),
            specs=list(specs or (OAT_LATTE,)),
        )
        return order.id

    return write(organiser, work)


def _levels(organiser: OrganiserServices, station: int) -> dict[str, float]:
    with read_session(organiser.engine) as session:
        rows = session.exec(
            select(StockItem).where(StockItem.station_id == station_id(organiser, station))
        ).all()
    return {i.name: i.level for i in rows}


def _minus(before: dict[str, float], use: dict[str, float]) -> dict[str, float]:
    return {name: level - use.get(name, 0) for name, level in before.items()}


def _on_item(organiser: OrganiserServices, item_id: int, fn: Callable[[Tx, StockItem], T]) -> T:
    return write(organiser, lambda tx: fn(tx, stock.get_item(tx.session, item_id)))


def _alerts(heard: Sequence[ChangeSet], entity_id: object) -> list[str]:
    return [a.kind for cs in heard for a in cs.alerts if a.entity_id == str(entity_id)]


# -- movements, restock, count, out ------------------------------------------------------------


def test_a_use_records_a_delta_and_raises_low_once(
    organiser: OrganiserServices, heard: list[ChangeSet]
) -> None:
    beans = stock_item(organiser, 2, "coffee beans")  # par 5000, low at 1000
    assert beans.id is not None

    def move(delta: float) -> float:
        used = _on_item(
            organiser,
            beans.id or 0,
            lambda tx, item: stock.record(tx, item, delta, reason="test", client_id="organiser"),
        )
        return float(used.level)

    assert [move(d) for d in (-3500, -600, -100, +2000)] == [1500, 900, 800, 2800]
    assert _alerts(heard, beans.id) == ["stock_low"]
    movements = logged(organiser, "stock_movements")
    assert [m.data_json["delta"] for m in movements] == [-3500, -600, -100, 2000]  # type: ignore[index]
    assert heard[0].stock_item_ids == {beans.id}


def test_out_at_zero_and_below_zero_are_each_raised_once_per_crossing(
    organiser: OrganiserServices, heard: list[ChangeSet]
) -> None:
    syrup = stock_item(organiser, 3, "vanilla syrup")
    item_id = syrup.id or 0

    def use(qty: float) -> None:
        _on_item(
            organiser,
            item_id,
            lambda tx, item: stock.record(tx, item, -qty, reason="consume", client_id="x"),
        )

    use(syrup.level)  # exactly nothing left
    use(5)  # below zero: the drinks were made anyway
    use(5)
    assert _alerts(heard, item_id) == ["stock_out", "stock_negative"]
    _on_item(organiser, item_id, lambda tx, item: stock.restock(tx, item, 100, client_id="x"))
    use(200)
    assert _alerts(heard, item_id)[2:] == ["stock_out", "stock_negative"]  # a new crossing


def test_a_count_starts_a_new_generation(organiser: OrganiserServices) -> None:
    milk = stock_item(organiser, 1, "milk:oat")
    counted = _on_item(organiser, milk.id or 0, lambda tx, item: stock.count(tx, item, 1234))
    assert (counted.generation, counted.baseline, counted.level) == (
        milk.generation + 1,
        1234,
        1234,
    )


def test_marking_out_writes_only_when_it_changes_and_tells_the_organiser(
    organiser: OrganiserServices, heard: list[ChangeSet]
) -> None:
    cups = stock_item(organiser, 1, "cup:small")

    def mark(out: bool) -> None:
        _on_item(organiser, cups.id or 0, lambda tx, item: stock.mark_out(tx, item, out))

    mark(True)
    mark(True)
    mark(False)
    images = [c for c in logged(organiser, "stock_items") if c.entity_id == str(cups.id)]
    assert [c.data_json["out_of_stock"] for c in images][-2:] == [True, False]  # type: ignore[index]
    assert len(images) == 3  # seeded, out, back in: the repeat wrote nothing
    assert _alerts(heard, cups.id) == ["stock_out"]
    assert "Small cups at Station 1: marked out" in heard[0].alerts[0].message


def test_a_restock_or_a_count_of_some_ends_a_marked_out(organiser: OrganiserServices) -> None:
    oat = stock_item(organiser, 1, "milk:oat")
    item_id = oat.id or 0

    def out_then(fn: Callable[[Tx, StockItem], StockItem]) -> bool:
        _on_item(organiser, item_id, lambda tx, item: stock.mark_out(tx, item, True))
        return bool(_on_item(organiser, item_id, fn).out_of_stock)

    assert out_then(lambda tx, item: stock.restock(tx, item, 1000, client_id="x")) is False
    assert out_then(lambda tx, item: stock.count(tx, item, 0)) is True  # counted: none at all
    assert out_then(lambda tx, item: stock.count(tx, item, 2000)) is False


# -- a made drink --------------------------------------------------------------------------


def test_done_takes_the_recipe_from_its_station_and_undo_puts_it_back(
    organiser: OrganiserServices,
) -> None:
    order_id = _order(organiser, 2, DrinkSpec("latte", "large", "oat", quantity=2))
    use = order_consumption([DrinkSpec("latte", "large", "oat", quantity=2)], organiser.menu)
    before, others = _levels(organiser, 2), _levels(organiser, 1)

    write(organiser, lambda tx: orders.mark_ready(tx, order_id))
    assert _levels(organiser, 2) == _minus(before, use)
    assert _levels(organiser, 1) == others  # only its own station's stock
    with read_session(organiser.engine) as session:
        rows = session.exec(select(StockMovement).where(StockMovement.order_id == order_id)).all()
    assert {r.reason for r in rows} == {"order"} and len(rows) == 3  # beans, oat, large cups

    write(organiser, lambda tx: order_actions.undo_last(tx, order_id))
    assert _levels(organiser, 2) == before
    write(organiser, lambda tx: orders.mark_ready(tx, order_id))  # made again: taken again
    assert _levels(organiser, 2) == _minus(before, use)
    write(organiser, lambda tx: orders.collect_order(tx, order_id))
    write(organiser, lambda tx: order_actions.undo_last(tx, order_id))  # collected → ready
    assert _levels(organiser, 2) == _minus(before, use)  # still made


def test_a_cancel_after_done_keeps_the_use(organiser: OrganiserServices) -> None:
    order_id = _order(organiser, 1)
    before = _levels(organiser, 1)
    write(organiser, lambda tx: orders.mark_ready(tx, order_id))
    write(organiser, lambda tx: orders.cancel_order(tx, order_id, "left without it"))
    assert _levels(organiser, 1) == _minus(before, order_consumption([OAT_LATTE], organiser.menu))
    with pytest.raises(IllegalTransition):
        write(organiser, lambda tx: order_actions.undo_last(tx, order_id))


def test_the_hooks_are_idempotent_per_made_state(organiser: OrganiserServices) -> None:
    order_id = _order(organiser, 1)
    before = _levels(organiser, 1)
    taken = _minus(before, order_consumption([OAT_LATTE], organiser.menu))

    def hook(fn: Callable[[Tx, Order], object]) -> dict[str, float]:
        write(organiser, lambda tx: fn(tx, tx.session.get(Order, order_id)))
        return _levels(organiser, 1)

    assert hook(stock.consume_for_order) == taken
    assert hook(stock.consume_for_order) == taken
    assert hook(stock.return_for_order) == before
    assert hook(stock.return_for_order) == before


def test_items_a_station_does_not_track_are_skipped(organiser: OrganiserServices) -> None:
    # Station 2 tracks no soy milk and no chocolate: only what it tracks is taken.
    spec = DrinkSpec("mocha", "small", "soy")
    order_id = _order(organiser, 2, spec)
    before = _levels(organiser, 2)
    write(organiser, lambda tx: orders.mark_ready(tx, order_id))
    use = order_consumption([spec], organiser.menu)
    assert "milk:soy" in use and "milk:soy" not in before
    assert _levels(organiser, 2) == _minus(before, use)


def test_taking_a_recipe_on_request_is_refused_with_the_reason(
    organiser: OrganiserServices,
) -> None:
    order_id, lost = _order(organiser, 1), _order(organiser, None)

    def take(oid: str) -> list[StockItem]:
        return write(organiser, lambda tx: stock.take_recipe(tx, tx.session.get(Order, oid)))

    assert sorted(i.name for i in take(order_id)) == ["coffee beans", "cup:medium", "milk:oat"]
    for oid, code in ((order_id, "already_consumed"), (lost, "no_station")):
        with pytest.raises(DomainError) as refused:
            take(oid)
        assert refused.value.code == code and "order A00" in refused.value.reason
    before = _levels(organiser, 1)
    write(organiser, lambda tx: orders.mark_ready(tx, order_id))  # Done finds it already taken
    assert _levels(organiser, 1) == before


def test_low_and_out_are_raised_once_as_drinks_are_made(
    organiser: OrganiserServices, heard: list[ChangeSet]
) -> None:
    oat = stock_item(organiser, 1, "milk:oat")  # low at 2000; a medium oat latte takes 298 ml
    _on_item(organiser, oat.id or 0, lambda tx, item: stock.count(tx, item, 2100))
    assert _alerts(heard, oat.id) == []
    for order_id in [_order(organiser, 1) for _ in range(8)]:
        write(organiser, lambda tx, oid=order_id: orders.mark_ready(tx, oid))
    assert stock_item(organiser, 1, "milk:oat").level == 2100 - 8 * 298
    # 1802 crosses low; 14 → -284 (the eighth) crosses out and zero at once.
    assert _alerts(heard, oat.id) == ["stock_low", "stock_out", "stock_negative"]
    stations = [cs.stock_item_ids for cs in heard if cs.alerts]
    assert all(oat.id in ids for ids in stations)  # the row travels with its alert


# -- the property of the issue -------------------------------------------------------------

SPECS = (
    OAT_LATTE,
    DrinkSpec("flat white", "large", "full cream", quantity=2),
    DrinkSpec("mocha", "small", "skim", extras=("extra shot",)),
)
ACTIONS = ("start", "done", "undo", "cancel", "collect")


def _apply(organiser: OrganiserServices, action: str, order_id: str) -> None:
    def work(tx: Tx) -> object:
        if action == "start":
            return orders.start_order(tx, order_id)
        if action == "done":
            return orders.mark_ready(tx, order_id)
        if action == "collect":
            return orders.collect_order(tx, order_id)
        if action == "cancel":
            return orders.cancel_order(tx, order_id, "test")
        return order_actions.undo_last(tx, order_id)

    with contextlib.suppress(IllegalTransition):  # refused: nothing changed
        write(organiser, work)


def _made(history: list[tuple[str, str]]) -> bool:
    """The model: made by Done (or a collect before it), unmade by an undo out of ready, kept
    by a cancel."""
    made = False
    for action, status_before in history:
        if action in ("done", "collect") and status_before in ("new", "in_progress"):
            made = True  # a collect that skipped Done was made all the same
        elif action == "undo" and status_before == "ready":
            made = False
    return made


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(st.tuples(st.sampled_from(ACTIONS), st.integers(0, 2)), max_size=12))
def test_levels_are_baseline_minus_the_recipes_of_orders_currently_made(
    organiser: OrganiserServices, steps: list[tuple[str, int]]
) -> None:
    baseline = _levels(organiser, 1)
    ids = [_order(organiser, 1, spec) for spec in SPECS]
    history: list[list[tuple[str, str]]] = [[], [], []]
    for action, index in steps:
        with read_session(organiser.engine) as session:
            status = session.get(Order, ids[index]).status  # type: ignore[union-attr]
        _apply(organiser, action, ids[index])
        history[index].append((action, status))
    made = [spec for spec, h in zip(SPECS, history, strict=True) if _made(h)]
    expected = _minus(baseline, order_consumption(made, organiser.menu))
    assert _levels(organiser, 1) == pytest.approx(expected)


def test_an_item_with_nothing_left_is_out_for_routing_until_restocked(
    organiser: OrganiserServices,
) -> None:
    def milks() -> tuple[str, ...]:
        with read_session(organiser.engine) as session:
            floor = load_floor(session, organiser.event_id, utcnow())
        return floor.milks_now(organiser.menu, utcnow())

    oats = [stock_item(organiser, n, "milk:oat").id or 0 for n in (1, 2, 3)]
    for item_id in oats:
        _on_item(organiser, item_id, lambda tx, item: stock.count(tx, item, 0))
    assert "oat" not in milks()
    _on_item(organiser, oats[1], lambda tx, item: stock.restock(tx, item, 500, client_id="x"))
    assert "oat" in milks()
