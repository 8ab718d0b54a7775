"""Order actions beyond placing and the four taps (those are ``services.orders``): walk-ins at a
given station, undo of the last tap, moving to another station, group orders.

Like ``services.orders`` every function runs inside the single writer (``Tx``) and records each
row it writes through ``changes.emit``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from expresso_desktop.core import group_orders
from expresso_desktop.core.actors import ORGANISER, Actor
from expresso_desktop.core.errors import IllegalTransition, ValidationError
from expresso_desktop.core.items import DrinkSpec, drink_of, drink_spec_from_dict
from expresso_desktop.core.menu import Menu
from expresso_desktop.core.orders import OrderStatus, undo_of
from expresso_desktop.core.staff import Permission
from expresso_desktop.services import order_history, order_rules, stock
from expresso_desktop.services.changes import emit, emit_update, fetch
from expresso_desktop.services.orders import get_order, store_order
from expresso_desktop.services.writer import Tx
from expresso_desktop.store.repositories import orders_repo
from expresso_desktop.store.tables import GroupOrder, Order, OrderSource, Station

log = logging.getLogger(__name__)

# Which timestamp records reaching each status: undo clears it again.
_STAMP = {
    OrderStatus.IN_PROGRESS: "started_at",
    OrderStatus.READY: "ready_at",
    OrderStatus.COLLECTED: "collected_at",
}


def drink_specs(raw_items: Sequence[dict[str, Any]], menu: Menu) -> list[DrinkSpec]:
    """Validate API/UI items against the menu; a problem names ``items[i].field``."""
    if not raw_items:
        raise ValidationError("an order needs at least one drink", field="items")
    specs = []
    for index, raw in enumerate(raw_items):
        try:
            specs.append(drink_spec_from_dict(raw, menu))
        except ValidationError as exc:
            sub = (exc.field or "items").removeprefix("items").lstrip(".")
            where = f"items[{index}]" + (f".{sub}" if sub else "")
            raise ValidationError(exc.reason, field=where) from None
    return specs


def live_station(session: Session, station_id: int, *, field: str = "station_id") -> Station:
    station = session.get(Station, station_id)
    if station is None or station.deleted:
        raise ValidationError(f"there is no station with id {station_id}", field=field)
    return station


def create_at_station(
    tx: Tx,
    *,
    event_id: int,
    station_id: int,
    specs: Sequence[DrinkSpec],
    menu: Menu,
    customer_name: str | None = None,
    notes: str | None = None,
    vip: bool = False,
    source: OrderSource = "walk_in",
    group_id: str | None = None,
    order_id: str | None = None,
    customer_id: int | None = None,
    actor: Actor = ORGANISER,
) -> Order:
    """Store an order at a chosen station (a walk-in taken there), if ``actor`` may take
    orders there and the station can make every drink now (``order_rules.check_walk_in``).
    Re-sending the same ``order_id`` returns the stored order instead of making a second one.
    The order returned is for reading (a new one is a snapshot of the row written, not joined
    to the session: every walk-in of a station's push); change it through the services."""
    session = tx.session
    if order_id is not None:
        existing = fetch(session, Order, order_id)
        if existing is not None:
            return existing
    order_rules.check_walk_in(  # the station exists, the actor may, it can make them now
        session,
        actor,
        event_id=event_id,
        station_id=station_id,
        specs=specs,
        menu=menu,
    )
    order, _ = store_order(
        tx,
        event_id=event_id,
        station_id=station_id,
        specs=specs,
        customer_name=customer_name,
        notes=notes,
        vip=vip,
        source=source,
        group_id=group_id,
        order_id=order_id,
        customer_id=customer_id,
        actor=actor,
        in_session=False,
    )
    return order


def undo_last(tx: Tx, order_id: str, *, actor: Actor = ORGANISER, seen: str | None = None) -> Order:
    """Take back the last tap (a mis-tap on Done): one step back, never out of cancelled.
    ``seen``: the status the station undid (its undo is refused as ``stale`` if the order has
    moved on since; the organiser's own undo is its authority)."""
    session = tx.session
    order = get_order(tx, order_id)
    order_rules.check_undo(session, actor, order, seen)
    current = OrderStatus(order.status)
    try:
        target = undo_of(current, started=order.started_at is not None)
    except IllegalTransition as exc:
        why = f"{order_rules.label(order)}: {exc.reason}"
        raise IllegalTransition(why, code=exc.code) from None
    changed: dict[str, Any] = {"status": target.value}
    stamp = _STAMP.get(current)
    if stamp is not None:
        changed[stamp] = None
    if current is OrderStatus.READY:  # back to before ready: its recipe goes back to stock
        stock.return_for_order(tx, order)
    emit_update(session, tx.changes, "orders", order, changed)  # one plain UPDATE, as a tap
    order_history.record(tx, order, "undo", actor, from_status=current.value)
    return order


def move_order(
    tx: Tx,
    order_id: str,
    to_station_id: int,
    *,
    menu: Menu,
    actor: Actor = ORGANISER,
    seen_version: int | None = None,
) -> Order:
    """Hand an order to another station while it is not made yet, if that station can make
    all of it now (``order_rules.check_move``). Every move bumps ``assign_version``; a
    station's move names the version it saw (``seen_version``: compare-and-set, sync.md 4.5),
    the organiser's is its authority."""
    session = tx.session
    order = get_order(tx, order_id)
    specs = [drink_of(row) for row in orders_repo.items(order.id, session=session)]
    order_rules.check_move(
        session,
        actor,
        order,
        to_station_id=to_station_id,
        specs=specs,
        menu=menu,
        seen_version=seen_version,
    )
    if order.station_id == to_station_id:
        return order
    before = order.station_id
    order.station_id = to_station_id
    order.assign_version += 1
    session.add(order)
    emit(session, tx.changes, "orders", order)
    moved = [order_rules.station_label(session, s) for s in (before, to_station_id)]
    detail = " → ".join(moved) if before is not None else f"to {moved[1]}"
    order_history.record(tx, order, "move", actor, from_status=order.status, detail=detail)
    return order


def set_vip(tx: Tx, order_id: str, vip: bool, *, actor: Actor = ORGANISER) -> Order:
    """Mark an order VIP (it jumps its station's queue while not made) or take that back."""
    order = get_order(tx, order_id)
    order_rules.require(actor, Permission.MANAGE_EVENT, "mark orders VIP", order)
    if order.vip == vip:
        return order
    order.vip = vip
    tx.session.add(order)
    emit(tx.session, tx.changes, "orders", order)
    detail = "marked VIP" if vip else "no longer VIP"
    order_history.record(tx, order, "amend", actor, from_status=order.status, detail=detail)
    return order


@dataclass(frozen=True)
class GroupMemberIn:
    name: str
    item: dict[str, Any]


def create_group(
    tx: Tx,
    *,
    event_id: int,
    menu: Menu,
    organiser_name: str,
    station_id: int,
    members: Sequence[GroupMemberIn],
    customer_id: int | None = None,
    vip: bool = False,
    actor: Actor = ORGANISER,
) -> tuple[GroupOrder, list[Order]]:
    """One person ordering for a team: one linked order per drink, at one station. With
    ``customer_id`` (who ordered by text, or the contact phone the organiser gave) that
    customer gets the one pickup text once every drink still wanted is ready."""
    specs = []
    for index, member in enumerate(members):
        try:
            specs.append(drink_spec_from_dict(member.item, menu))
        except ValidationError as exc:
            sub = (exc.field or "").removeprefix("items").lstrip(".")
            raise ValidationError(
                exc.reason, field=f"members[{index}].item" + (f".{sub}" if sub else "")
            ) from None
    group_orders.validate_group(
        [group_orders.GroupMember(m.name, s) for m, s in zip(members, specs, strict=True)]
    )
    session = tx.session
    live_station(session, station_id)
    group = GroupOrder(event_id=event_id, organiser_name=organiser_name, customer_id=customer_id)
    session.add(group)
    emit(session, tx.changes, "group_orders", group)
    orders = [
        create_at_station(
            tx,
            event_id=event_id,
            station_id=station_id,
            specs=[spec],
            menu=menu,
            actor=actor,
            customer_name=member.name,
            source="group",
            group_id=group.id,
            customer_id=customer_id,
            vip=vip,
        )
        for member, spec in zip(members, specs, strict=True)
    ]
    return group, orders


def amend_items(
    tx: Tx, order_id: str, specs: Sequence[DrinkSpec], *, menu: Menu, actor: Actor = ORGANISER
) -> Order:
    """Change an order's drinks while it is still New ("actually make it oat"). Refused once it
    is started (``too_late_to_change``) or when its station can't make the new drinks now
    (``cannot_make``, a ``ValidationError`` naming the item)."""
    session = tx.session
    order = get_order(tx, order_id)
    order_rules.check_amend(session, order, specs=specs, menu=menu)
    rows = orders_repo.items(order.id, session=session)
    if len(rows) != len(specs):
        raise ValidationError("a change keeps the number of drinks", field="items")
    for row, spec in zip(rows, specs, strict=True):
        row.drink, row.size, row.milk = spec.drink, spec.size, spec.milk
        row.sugar, row.quantity, row.extras_json = spec.sugar, spec.quantity, list(spec.extras)
        session.add(row)
        emit(session, tx.changes, "order_items", row)
    session.add(order)
    emit(session, tx.changes, "orders", order)
    drinks = ", ".join(spec.summary(menu) for spec in specs)
    order_history.record(tx, order, "amend", actor, from_status=order.status, detail=drinks)
    return order


def group_members(session: Session, group_id: str) -> list[Order]:
    return list(
        session.exec(
            select(Order)
            .where(Order.group_id == group_id, Order.deleted == False)  # noqa: E712
            .order_by(col(Order.created_at), col(Order.id))
        ).all()
    )


def group_progress(orders: Sequence[Order]) -> group_orders.GroupProgress:
    return group_orders.progress([OrderStatus(o.status) for o in orders])


def group_progress_of(session: Session, group_id: str) -> group_orders.GroupProgress:
    """ "3 of 5 ready": how far a group is (for the windows and the API)."""
    return group_progress(group_members(session, group_id))
