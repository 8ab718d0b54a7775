"""The rulebook (services/order_rules.py) through the order services on a real store: who may
tap what, claiming on Start, what a station can make now (capabilities and stock) for
walk-ins, moves and changed drinks, and a station's compare-and-set on moves and undos. Every
refusal has its code and a reason naming the order."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlmodel import select

from expresso_desktop.core.actors import Actor
from expresso_desktop.core.errors import DomainError, IllegalTransition
from expresso_desktop.core.items import DrinkSpec
from expresso_desktop.services import order_actions, orders
from expresso_desktop.services.order_rules import CannotMake, NotAllowed, NotYourStation, Stale
from expresso_desktop.services.organiser import OrganiserServices
from expresso_desktop.services.writer import Tx
from expresso_desktop.store.engine import read_session
from expresso_desktop.store.tables import Order, OrderEvent, StockItem
from tests.services.helpers import station_id, stock_item, write

LATTE = DrinkSpec("latte", "medium", "full cream")
SOY_LATTE = DrinkSpec("latte", "medium", "soy")
OAT_LATTE = DrinkSpec("latte", "medium", "oat")


def barista(services: OrganiserServices, number: int) -> Actor:
    return Actor("barista", station_id(services, number), device_id=None, client_id="c")


def walk_in(
    services: OrganiserServices, number: int, *specs: DrinkSpec, actor: Actor | None = None
) -> Order:
    sid = station_id(services, number)
    return write(
        services,
        lambda tx: order_actions.create_at_station(
            tx,
            event_id=services.event_id,
            station_id=sid,
            specs=list(specs) or [LATTE],
            menu=services.menu,
            actor=actor or Actor.organiser(),
        ),
    )


def unassigned(services: OrganiserServices) -> Order:
    """An order no station has yet (as when routing left it for whoever claims it)."""

    def work(tx: Tx) -> Order:
        order, _ = orders.store_order(
            tx, event_id=services.event_id, station_id=None, specs=[LATTE]
        )
        return order

    return write(services, work)


def refused(services: OrganiserServices, fn: Callable[[Tx], Any]) -> DomainError:
    with pytest.raises(DomainError) as caught:
        write(services, fn)
    return caught.value


def test_starting_another_stations_order_is_taken_by_that_station(
    organiser: OrganiserServices,
) -> None:
    order = walk_in(organiser, 2)
    one = barista(organiser, 1)
    taken = refused(organiser, lambda tx: orders.start_order(tx, order.id, actor=one))
    assert (taken.code, taken.reason) == ("taken_by:2", f"{order.number} is Station 2's order")
    write(organiser, lambda tx: orders.start_order(tx, order.id, actor=barista(organiser, 2)))
    again = refused(organiser, lambda tx: orders.start_order(tx, order.id, actor=one))
    assert again.reason == f"{order.number} is already in progress at Station 2"
    other = refused(organiser, lambda tx: orders.mark_ready(tx, order.id, actor=one))
    assert isinstance(other, NotYourStation) and other.code == "not_your_station"
    assert other.reason == f"{order.number} belongs to Station 2"


def test_a_baristas_start_claims_an_unassigned_order_the_organisers_does_not(
    organiser: OrganiserServices,
) -> None:
    mine, theirs = unassigned(organiser), unassigned(organiser)
    started = write(
        organiser, lambda tx: orders.start_order(tx, mine.id, actor=barista(organiser, 3))
    )
    assert (started.station_id, started.assign_version) == (station_id(organiser, 3), 1)
    by_organiser = write(organiser, lambda tx: orders.start_order(tx, theirs.id))
    assert (by_organiser.station_id, by_organiser.assign_version) == (None, 0)
    # Any barista may tap an order no station has; only Start claims it.
    readied = write(
        organiser, lambda tx: orders.mark_ready(tx, theirs.id, actor=barista(organiser, 1))
    )
    assert (readied.status, readied.station_id) == ("ready", None)


def test_roles_decide_what_may_be_done_at_all(organiser: OrganiserServices) -> None:
    order = walk_in(organiser, 1)
    runner = Actor("runner", None, client_id="c")
    no = refused(organiser, lambda tx: orders.start_order(tx, order.id, actor=runner))
    assert isinstance(no, NotAllowed) and no.code == "forbidden"
    assert no.reason == f"{order.number}: a runner may not start orders"
    write(organiser, lambda tx: orders.mark_ready(tx, order.id))
    collected = write(organiser, lambda tx: orders.collect_order(tx, order.id, actor=runner))
    assert collected.status == "collected"  # runners carry drinks anywhere
    board = Actor("display", None, client_id="c")
    assert refused(
        organiser, lambda tx: order_actions.undo_last(tx, order.id, actor=board)
    ).code == ("forbidden")


def test_a_refused_tap_names_the_order(organiser: OrganiserServices) -> None:
    order = walk_in(organiser, 1)
    write(organiser, lambda tx: orders.cancel_order(tx, order.id, "spilt"))
    late = refused(organiser, lambda tx: orders.start_order(tx, order.id))
    assert isinstance(late, IllegalTransition) and late.code == "superseded"
    assert late.reason == f"{order.number}: order is already cancelled"


def test_a_walk_in_must_be_makeable_now_at_the_baristas_own_station(
    organiser: OrganiserServices,
) -> None:
    with pytest.raises(CannotMake) as soy:
        walk_in(organiser, 2, LATTE, SOY_LATTE, actor=barista(organiser, 2))
    assert (soy.value.code, soy.value.field) == ("cannot_make", "items[1].milk")
    assert soy.value.reason == (
        "walk-in latte, soy latte: Station 2 can't make soy milk drinks right now"
    )
    with pytest.raises(NotYourStation):
        walk_in(organiser, 2, LATTE, actor=barista(organiser, 1))
    # Stock counts as much as capabilities: oat marked out at station 1.
    oat = stock_item(organiser, 1, "milk:oat")

    def mark_out(tx: Tx) -> None:
        row = tx.session.get(StockItem, oat.id)
        assert row is not None
        row.out_of_stock = True
        tx.session.add(row)

    write(organiser, mark_out)
    with pytest.raises(CannotMake) as out:
        walk_in(organiser, 1, OAT_LATTE, actor=barista(organiser, 1))
    assert out.value.field == "items[0]"
    assert out.value.reason == "walk-in oat latte: Station 1 is out of oat milk right now"
    with read_session(organiser.engine) as session:
        assert session.exec(select(Order)).all() == []  # nothing stored, no number used
        assert session.exec(select(OrderEvent)).all() == []


def test_a_move_goes_only_to_a_station_that_can_make_it_now(
    organiser: OrganiserServices,
) -> None:
    order = walk_in(organiser, 1, SOY_LATTE)
    one, two, three = (station_id(organiser, n) for n in (1, 2, 3))
    menu = organiser.menu
    cannot = refused(organiser, lambda tx: order_actions.move_order(tx, order.id, two, menu=menu))
    assert isinstance(cannot, CannotMake) and cannot.field == "station_id"
    assert cannot.reason == f"{order.number}: Station 2 can't make soy milk drinks right now"
    moved = write(
        organiser,
        lambda tx: order_actions.move_order(
            tx, order.id, three, menu=menu, actor=barista(organiser, 1), seen_version=0
        ),
    )
    assert (moved.station_id, moved.assign_version) == (three, 1)
    # A station's move names the version it saw; the organiser's is its authority.
    stale = refused(
        organiser,
        lambda tx: order_actions.move_order(
            tx, order.id, one, menu=menu, actor=barista(organiser, 3), seen_version=0
        ),
    )
    assert isinstance(stale, Stale) and stale.code == "stale"
    back = write(
        organiser,
        lambda tx: order_actions.move_order(tx, order.id, one, menu=menu, seen_version=0),
    )
    assert back.station_id == one
    write(organiser, lambda tx: orders.mark_ready(tx, order.id))
    late = refused(organiser, lambda tx: order_actions.move_order(tx, order.id, three, menu=menu))
    assert late.code == "too_late_to_move" and late.reason.startswith(f"{order.number} is")


def test_a_stations_undo_takes_back_only_what_it_saw(organiser: OrganiserServices) -> None:
    order = walk_in(organiser, 1)
    one = barista(organiser, 1)
    for tap in (orders.start_order, orders.mark_ready):
        write(organiser, lambda tx, tap=tap: tap(tx, order.id, actor=one))
    stale = refused(
        organiser, lambda tx: order_actions.undo_last(tx, order.id, actor=one, seen="in_progress")
    )
    assert stale.code == "stale" and order.number in stale.reason
    back = write(
        organiser, lambda tx: order_actions.undo_last(tx, order.id, actor=one, seen="ready")
    )
    assert back.status == "in_progress"
    theirs = refused(
        organiser,
        lambda tx: order_actions.undo_last(tx, order.id, actor=barista(organiser, 2)),
    )
    assert theirs.code == "not_your_station"
    organisers = write(organiser, lambda tx: order_actions.undo_last(tx, order.id, seen="ready"))
    assert organisers.status == "new"  # the organiser's undo is its authority


def test_changed_drinks_must_be_makeable_by_the_orders_station(
    organiser: OrganiserServices,
) -> None:
    order = walk_in(organiser, 2)
    menu = organiser.menu
    with pytest.raises(CannotMake) as soy:
        write(organiser, lambda tx: order_actions.amend_items(tx, order.id, [SOY_LATTE], menu=menu))
    assert soy.value.field == "items[0].milk" and soy.value.reason.startswith(order.number or "")
    changed = write(
        organiser, lambda tx: order_actions.amend_items(tx, order.id, [OAT_LATTE], menu=menu)
    )
    assert changed.status == "new"
    write(organiser, lambda tx: orders.start_order(tx, order.id))
    late = refused(
        organiser, lambda tx: order_actions.amend_items(tx, order.id, [LATTE], menu=menu)
    )
    assert late.code == "too_late_to_change"
