"""Walk-ins at a station, undo, moves and group orders on a real store (services/order_actions)."""

from __future__ import annotations

import pytest
from sqlmodel import select

from expresso_desktop.core.errors import DomainError, IllegalTransition, ValidationError
from expresso_desktop.core.items import DrinkSpec
from expresso_desktop.core.menu import Menu
from expresso_desktop.services import order_actions, orders
from expresso_desktop.services.changes import ChangeSet
from expresso_desktop.services.order_actions import GroupMemberIn
from expresso_desktop.services.organiser import OrganiserServices
from expresso_desktop.services.writer import Tx
from expresso_desktop.store.engine import read_session
from expresso_desktop.store.repositories import orders_repo
from expresso_desktop.store.tables import Order, OrderItem
from tests.services.helpers import logged, station_id, write

LATTE = DrinkSpec("latte", "medium", "full cream")
OAT_FLAT_WHITE = DrinkSpec("flat white", "large", "oat", sugar=1, quantity=2, extras=("decaf",))


def walk_in(services: OrganiserServices, station: int, *specs: DrinkSpec, **kw: object) -> Order:
    sid = station_id(services, station)
    return write(
        services,
        lambda tx: order_actions.create_at_station(
            tx,
            event_id=services.event_id,
            station_id=sid,
            specs=list(specs),
            menu=services.menu,
            **kw,
        ),
    )


def stored_items(services: OrganiserServices, order_id: str) -> list[OrderItem]:
    with read_session(services.engine) as session:
        return list(orders_repo.items(order_id, session=session))


def test_a_walk_in_is_numbered_stored_at_its_station_and_emitted(
    organiser: OrganiserServices, heard: list[ChangeSet]
) -> None:
    order = walk_in(
        organiser, 2, LATTE, OAT_FLAT_WHITE, customer_name="Kim", notes="table 4", vip=True
    )
    assert order.number == "A001"
    assert order.station_id == station_id(organiser, 2)
    assert (order.source, order.vip, order.customer_name, order.notes) == (
        "walk_in",
        True,
        "Kim",
        "table 4",
    )
    items = stored_items(organiser, order.id)
    assert [(i.position, i.drink, i.size, i.milk) for i in items] == [
        (0, "latte", "medium", "full cream"),
        (1, "flat white", "large", "oat"),
    ]
    assert (items[1].sugar, items[1].quantity, items[1].extras_json) == (1, 2, ["decaf"])
    # one change set: the order first, then its items, all naming this order
    (changes,) = heard
    assert [c.entity for c in changes.changes] == ["orders", "order_items", "order_items"]
    assert changes.order_ids == {order.id}
    assert [c.entity_id for c in logged(organiser, "order_items")] == [i.id for i in items]


def test_resending_the_same_order_id_returns_the_stored_order(
    organiser: OrganiserServices,
) -> None:
    first = walk_in(organiser, 1, LATTE, order_id="client-uuid-1")
    again = walk_in(organiser, 1, LATTE, OAT_FLAT_WHITE, order_id="client-uuid-1")
    assert (again.id, again.number) == ("client-uuid-1", first.number)
    assert len(stored_items(organiser, "client-uuid-1")) == 1
    assert len(logged(organiser, "orders")) == 1
    assert walk_in(organiser, 1, LATTE).number == "A002"  # the resend used no number


def test_walk_ins_and_placed_orders_share_one_numbering(organiser: OrganiserServices) -> None:
    assert walk_in(organiser, 1, LATTE).number == "A001"
    placed = write(
        organiser,
        lambda tx: orders.place_order(
            tx, event_id=organiser.event_id, menu=organiser.menu, items=[LATTE]
        ),
    )
    assert isinstance(placed, orders.PlacedOrder) and placed.order.number == "A002"
    assert walk_in(organiser, 3, LATTE).number == "A003"


def test_a_station_that_cannot_make_a_drink_refuses_it_and_writes_nothing(
    organiser: OrganiserServices,
) -> None:
    with pytest.raises(ValidationError) as refused:
        walk_in(organiser, 2, LATTE, DrinkSpec("mocha", "medium", "full cream"))
    assert refused.value.field == "items[1].drink"
    with pytest.raises(ValidationError) as no_milk:
        walk_in(organiser, 2, DrinkSpec("latte", "medium", "soy"))
    assert no_milk.value.field == "items[0].milk"
    with pytest.raises(ValidationError) as no_station:
        write(
            organiser,
            lambda tx: order_actions.create_at_station(
                tx,
                event_id=organiser.event_id,
                station_id=9999,
                specs=[LATTE],
                menu=organiser.menu,
            ),
        )
    assert no_station.value.field == "station_id"
    assert logged(organiser, "orders") == []
    assert walk_in(organiser, 2, LATTE).number == "A001"


def test_drink_specs_names_the_offending_item(menu: Menu) -> None:
    raw = [{"drink": "Latte"}, {"drink": "mocha", "size": "large"}]
    specs = order_actions.drink_specs(raw, menu)
    assert specs == [LATTE, DrinkSpec("mocha", "large", "full cream")]
    with pytest.raises(ValidationError) as bad:
        order_actions.drink_specs([{"drink": "latte"}, {"drink": "latte", "size": "huge"}], menu)
    assert bad.value.field == "items[1].size"
    with pytest.raises(ValidationError) as empty:
        order_actions.drink_specs([], menu)
    assert empty.value.field == "items"


_TAPS = {"start": orders.start_order, "ready": orders.mark_ready, "collect": orders.collect_order}


def _tap(services: OrganiserServices, order_id: str, *steps: str) -> None:
    for step in steps:
        write(services, lambda tx, tap=_TAPS[step]: tap(tx, order_id))


def _undo(services: OrganiserServices, order_id: str) -> Order:
    return write(services, lambda tx: order_actions.undo_last(tx, order_id))


def test_undo_takes_back_one_tap_and_clears_its_time(organiser: OrganiserServices) -> None:
    order_id = walk_in(organiser, 1, LATTE).id
    _tap(organiser, order_id, "start", "ready", "collect")
    back = _undo(organiser, order_id)
    assert (back.status, back.collected_at) == ("ready", None)
    back = _undo(organiser, order_id)
    assert (back.status, back.ready_at) == ("in_progress", None)
    assert back.started_at is not None
    back = _undo(organiser, order_id)
    assert (back.status, back.started_at) == ("new", None)
    with pytest.raises(IllegalTransition) as nothing:
        _undo(organiser, order_id)
    assert nothing.value.code == "not_undoable"
    assert len(logged(organiser, "orders")) == 1 + 3 + 3  # created, three taps, three undos


def test_undo_of_ready_without_start_goes_back_to_new(organiser: OrganiserServices) -> None:
    order_id = walk_in(organiser, 1, LATTE).id
    _tap(organiser, order_id, "ready")
    assert _undo(organiser, order_id).status == "new"


def test_a_cancelled_order_cannot_be_undone(organiser: OrganiserServices) -> None:
    order_id = walk_in(organiser, 1, LATTE).id
    write(organiser, lambda tx: orders.cancel_order(tx, order_id, "spilt"))
    with pytest.raises(IllegalTransition) as refused:
        _undo(organiser, order_id)
    assert refused.value.code == "not_undoable"
    with pytest.raises(orders.OrderNotFound):
        _undo(organiser, "no-such-order")


def test_moving_an_order_bumps_its_assign_version(organiser: OrganiserServices) -> None:
    order = walk_in(organiser, 1, LATTE)
    two = station_id(organiser, 2)
    moved = write(
        organiser, lambda tx: order_actions.move_order(tx, order.id, two, menu=organiser.menu)
    )
    assert (moved.station_id, moved.assign_version) == (two, order.assign_version + 1)
    same = write(
        organiser, lambda tx: order_actions.move_order(tx, order.id, two, menu=organiser.menu)
    )
    assert same.assign_version == moved.assign_version  # already there: nothing written
    assert len(logged(organiser, "orders")) == 2
    with pytest.raises(ValidationError):
        write(
            organiser, lambda tx: order_actions.move_order(tx, order.id, 9999, menu=organiser.menu)
        )


def test_a_ready_order_is_too_late_to_move(organiser: OrganiserServices) -> None:
    order_id = walk_in(organiser, 1, LATTE).id
    _tap(organiser, order_id, "ready")
    two = station_id(organiser, 2)
    with pytest.raises(DomainError) as refused:
        write(
            organiser, lambda tx: order_actions.move_order(tx, order_id, two, menu=organiser.menu)
        )
    assert refused.value.code == "too_late_to_move"


def _group(services: OrganiserServices, *members: GroupMemberIn, station: int = 1):  # type: ignore[no-untyped-def]
    sid = station_id(services, station)

    def work(tx: Tx):  # type: ignore[no-untyped-def]
        return order_actions.create_group(
            tx,
            event_id=services.event_id,
            menu=services.menu,
            organiser_name="Lee",
            station_id=sid,
            members=list(members),
        )

    return write(services, work)


def test_a_group_order_is_one_linked_order_per_drink(
    organiser: OrganiserServices, heard: list[ChangeSet]
) -> None:
    group, made = _group(
        organiser,
        GroupMemberIn("Ana", {"drink": "latte"}),
        GroupMemberIn("Ben", {"drink": "mocha", "milk": "oat"}),
    )
    assert [(o.customer_name, o.source, o.group_id, o.number) for o in made] == [
        ("Ana", "group", group.id, "A001"),
        ("Ben", "group", group.id, "A002"),
    ]
    assert {c.entity for c in heard[0].changes} == {"group_orders", "orders", "order_items"}
    assert heard[0].order_ids == {o.id for o in made}
    with read_session(organiser.engine) as session:
        members = order_actions.group_members(session, group.id)
    assert [o.id for o in members] == [o.id for o in made]
    progress = order_actions.group_progress(members)
    assert (progress.total, progress.ready, progress.complete) == (2, 0, False)
    for order in made:
        _tap(organiser, order.id, "ready")
    with read_session(organiser.engine) as session:
        assert order_actions.group_progress(order_actions.group_members(session, group.id)).complete


def test_a_bad_group_member_is_named_and_nothing_is_stored(organiser: OrganiserServices) -> None:
    with pytest.raises(ValidationError) as bad:
        _group(
            organiser,
            GroupMemberIn("Ana", {"drink": "latte"}),
            GroupMemberIn("Ben", {"drink": "latte", "milk": "yak"}),
        )
    assert bad.value.field == "members[1].item.milk"
    with pytest.raises(ValidationError) as unnamed:
        _group(organiser, GroupMemberIn(" ", {"drink": "latte"}))
    assert unnamed.value.field == "members.name"
    with pytest.raises(ValidationError) as cannot:  # station 2 makes no mocha
        _group(organiser, GroupMemberIn("Ana", {"drink": "mocha"}), station=2)
    assert cannot.value.field == "items[0].drink"
    with read_session(organiser.engine) as session:
        assert session.exec(select(Order)).all() == []
    assert logged(organiser, "group_orders") == []
