"""The organiser's handlers for order mutations (sync.md 4.5): create (insert-or-ignore by
the client's order id), start (claiming an unassigned order), ready, collect and cancel on the
forward-only lattice, and reassign (compare-and-set on ``assign_version``). They go through
the same order services the LAN API and the SMS conversation use."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from expresso_desktop.core.errors import IllegalTransition
from expresso_desktop.core.orders import OrderStatus
from expresso_desktop.core.staff import Permission
from expresso_desktop.core.sync_protocol import MutationName, Reason, taken_by
from expresso_desktop.services import order_actions, orders
from expresso_desktop.services.changes import Alert
from expresso_desktop.services.sync.context import (
    Handler,
    MutationCtx,
    Refused,
    Registry,
    Spec,
    arg_int,
    arg_str,
    own_station,
    unknown,
)
from expresso_desktop.services.writer import Tx
from expresso_desktop.store.tables import Order, Station


def get_order(ctx: MutationCtx, args: Mapping[str, Any]) -> Order:
    order_id = arg_str(args, "order_id", max_len=64)
    order = ctx.tx.session.get(Order, order_id)
    if order is None or order.deleted:
        raise unknown(ctx, f"order {order_id}")
    return order


def _station_number(ctx: MutationCtx, station_id: int | None) -> str:
    station = ctx.tx.session.get(Station, station_id) if station_id is not None else None
    return str(station.number) if station is not None else "?"


def order_create(ctx: MutationCtx, args: Mapping[str, Any]) -> None:
    """A walk-in taken at a station; insert-or-ignore by the client's order id."""
    order_id = arg_str(args, "order_id", max_len=64)
    station_id = arg_int(args, "station_id", optional=True) or ctx.caller.station_id
    if station_id is None:
        raise Refused(Reason.INVALID_ARGS, "station_id is required")
    own_station(ctx, station_id)
    raw_items = args.get("items")
    if not isinstance(raw_items, list):
        raise Refused(Reason.INVALID_ARGS, "items must be a list")
    specs = order_actions.drink_specs(raw_items, ctx.menu)
    order_actions.create_at_station(
        ctx.tx,
        event_id=ctx.event_id,
        station_id=station_id,
        specs=specs,
        customer_name=arg_str(args, "customer_name", max_len=60, optional=True),
        notes=arg_str(args, "notes", optional=True),
        order_id=order_id,
    )


def _move(ctx: MutationCtx, order: Order, verb: str, fn: Callable[[], object]) -> None:
    try:
        fn()
    except IllegalTransition as exc:
        alert = None
        if exc.code == Reason.CONFLICT_TERMINAL:
            alert = Alert(
                "conflict_terminal",
                f"Order {order.number or order.id}: {ctx.caller.name or ctx.caller.client_id} "
                f"tried to {verb} it, but it is already {order.status}. Please check.",
                order.id,
            )
        raise Refused(exc.code, exc.reason, alert=alert) from None


def order_start(ctx: MutationCtx, args: Mapping[str, Any]) -> None:
    """Start, claiming the order for the caller's station (sync.md 4.5 "Claiming")."""
    order = get_order(ctx, args)
    mine = ctx.caller.station_id
    if ctx.caller.role == "barista" and order.station_id not in (None, mine):
        status = OrderStatus(order.status)
        if not status.terminal:  # a terminal one is refused below, as for anybody
            why = "another station's" if status is OrderStatus.NEW else "already started"
            raise Refused(taken_by(_station_number(ctx, order.station_id)), why)
    if ctx.caller.role == "barista" and order.station_id is None and order.status == "new":
        order.station_id = mine
        order.assign_version += 1
    _move(ctx, order, "start", lambda: orders.start_order(ctx.tx, order.id))


def _progress(verb: str, fn: Callable[[Tx, str], object]) -> Handler:
    def handler(ctx: MutationCtx, args: Mapping[str, Any]) -> None:
        order = get_order(ctx, args)
        own_station(ctx, order.station_id)
        _move(ctx, order, verb, lambda: fn(ctx.tx, order.id))

    return handler


def order_cancel(ctx: MutationCtx, args: Mapping[str, Any]) -> None:
    reason = arg_str(args, "reason")
    _progress("cancel", lambda tx, oid: orders.cancel_order(tx, oid, reason))(ctx, args)


def order_reassign(ctx: MutationCtx, args: Mapping[str, Any]) -> None:
    """Compare-and-set on ``assign_version``; the organiser's move ignores it (authority)."""
    order = get_order(ctx, args)
    to_station = arg_int(args, "to_station")
    if ctx.caller.role != "organiser":
        own_station(ctx, order.station_id)
        if arg_int(args, "base_assign_version") != order.assign_version:
            raise Refused(Reason.STALE, "the order was moved meanwhile")
    order_actions.move_order(ctx.tx, order.id, to_station)


HANDLERS: Registry = {
    MutationName.ORDER_CREATE: Spec(Permission.ORDER_CREATE, order_create),
    MutationName.ORDER_START: Spec(Permission.ORDER_PROGRESS, order_start),
    MutationName.ORDER_READY: Spec(
        Permission.ORDER_PROGRESS, _progress("mark ready", orders.mark_ready)
    ),
    MutationName.ORDER_COLLECT: Spec(
        Permission.ORDER_COLLECT, _progress("collect", orders.collect_order)
    ),
    MutationName.ORDER_CANCEL: Spec(Permission.ORDER_CANCEL, order_cancel),
    MutationName.ORDER_REASSIGN: Spec(Permission.ORDER_MOVE, order_reassign),
}
