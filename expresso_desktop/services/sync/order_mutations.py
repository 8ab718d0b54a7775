"""The organiser's handlers for order mutations (sync.md 4.5): create (insert-or-ignore by the
client's order id), start, ready, collect and cancel on the forward-only lattice, undo, and
reassign; re-notify and a message to the customer (texted through ``ctx.texts``, the SMS
layer's, given at composition). They only read the arguments and build the actor: who may do
what (claiming on Start, station ownership, what a station can make now, compare-and-set for
a station's move or undo) is the order services' rulebook (``services/order_rules.py``), the
same the LAN API and the SMS conversation go through. A refusal's code and reason become the
``rejected`` answer the station stores and shows."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from expresso_desktop.core.actors import Actor
from expresso_desktop.core.errors import IllegalTransition
from expresso_desktop.core.staff import Permission
from expresso_desktop.core.sync_protocol import MAX_MESSAGE, MutationName, Reason
from expresso_desktop.services import order_actions, orders
from expresso_desktop.services.changes import Alert, fetch
from expresso_desktop.services.sync.context import (
    CustomerTexts,
    Handler,
    MutationCtx,
    Refused,
    Registry,
    Spec,
    arg_int,
    arg_str,
    unknown,
)
from expresso_desktop.services.writer import Tx
from expresso_desktop.store.tables import Order


def get_order(ctx: MutationCtx, args: Mapping[str, Any]) -> Order:
    order_id = arg_str(args, "order_id", max_len=64)
    order = fetch(ctx.tx.session, Order, order_id)
    if order is None or order.deleted:
        raise unknown(ctx, f"order {order_id}")
    return order


def order_create(ctx: MutationCtx, args: Mapping[str, Any]) -> None:
    """A walk-in taken at a station; insert-or-ignore by the client's order id."""
    order_id = arg_str(args, "order_id", max_len=64)
    station_id = arg_int(args, "station_id", optional=True) or ctx.caller.station_id
    if station_id is None:
        raise Refused(Reason.INVALID_ARGS, "station_id is required")
    raw_items = args.get("items")
    if not isinstance(raw_items, list):
        raise Refused(Reason.INVALID_ARGS, "items must be a list")
    order_actions.create_at_station(
        ctx.tx,
        event_id=ctx.event_id,
        station_id=station_id,
        specs=order_actions.drink_specs(raw_items, ctx.menu),
        menu=ctx.menu,
        customer_name=arg_str(args, "customer_name", max_len=60, optional=True),
        notes=arg_str(args, "notes", optional=True),
        order_id=order_id,
        actor=ctx.actor(args),
    )


Tap = Callable[[Tx, str, Actor], object]


def _tap(verb: str, tap: Tap) -> Handler:
    """A tap on an order; a second terminal state also alerts the organiser (a human decides
    between, say, cancelled and collected: sync.md 4.5)."""

    def handler(ctx: MutationCtx, args: Mapping[str, Any]) -> None:
        order = get_order(ctx, args)
        try:
            tap(ctx.tx, order.id, ctx.actor(args))
        except IllegalTransition as exc:
            alert = None
            if exc.code == Reason.CONFLICT_TERMINAL:
                alert = Alert(
                    "conflict_terminal",
                    f"Order {order.number or order.id}: "
                    f"{ctx.caller.name or ctx.caller.client_id} tried to {verb} it, "
                    f"but it is already {order.status}. Please check.",
                    order.id,
                )
            raise Refused(exc.code, exc.reason, alert=alert) from None

    return handler


def order_cancel(ctx: MutationCtx, args: Mapping[str, Any]) -> None:
    reason = arg_str(args, "reason")
    _tap("cancel", lambda tx, oid, actor: orders.cancel_order(tx, oid, reason, actor=actor))(
        ctx, args
    )


def order_undo(ctx: MutationCtx, args: Mapping[str, Any]) -> None:
    """Take back the last tap. The station names the status it undid (``base_status``): if
    the order moved on meanwhile, the organiser's state stands (``stale``)."""
    order = get_order(ctx, args)
    seen = arg_str(args, "base_status", max_len=20, optional=True)
    order_actions.undo_last(ctx.tx, order.id, actor=ctx.actor(args), seen=seen)


def order_reassign(ctx: MutationCtx, args: Mapping[str, Any]) -> None:
    """Compare-and-set on ``assign_version``; the organiser's move ignores it (authority)."""
    order = get_order(ctx, args)
    order_actions.move_order(
        ctx.tx,
        order.id,
        arg_int(args, "to_station"),
        menu=ctx.menu,
        actor=ctx.actor(args),
        seen_version=arg_int(args, "base_assign_version", optional=ctx.caller.role == "organiser"),
    )


def _texts(ctx: MutationCtx) -> CustomerTexts:
    if ctx.texts is None:
        raise Refused("no_texts", "this organiser is not sending texts right now")
    return ctx.texts


def order_renotify(ctx: MutationCtx, args: Mapping[str, Any]) -> None:
    """The barista's "re-notify": the ready text again, once per mutation."""
    order = get_order(ctx, args)
    _texts(ctx).renotify(ctx.tx, order.id, actor=ctx.actor(args))


def order_message(ctx: MutationCtx, args: Mapping[str, Any]) -> None:
    """A text the barista wrote (or picked) to the order's customer, once per mutation."""
    order = get_order(ctx, args)
    body = arg_str(args, "body", max_len=MAX_MESSAGE)
    _texts(ctx).message(ctx.tx, order.id, body, actor=ctx.actor(args))


HANDLERS: Registry = {
    MutationName.ORDER_CREATE: Spec(Permission.ORDER_CREATE, order_create),
    MutationName.ORDER_START: Spec(
        Permission.ORDER_PROGRESS,
        _tap("start", lambda tx, oid, actor: orders.start_order(tx, oid, actor=actor)),
    ),
    MutationName.ORDER_READY: Spec(
        Permission.ORDER_PROGRESS,
        _tap("mark ready", lambda tx, oid, actor: orders.mark_ready(tx, oid, actor=actor)),
    ),
    MutationName.ORDER_COLLECT: Spec(
        Permission.ORDER_COLLECT,
        _tap("collect", lambda tx, oid, actor: orders.collect_order(tx, oid, actor=actor)),
    ),
    MutationName.ORDER_CANCEL: Spec(Permission.ORDER_CANCEL, order_cancel),
    MutationName.ORDER_UNDO: Spec(Permission.ORDER_PROGRESS, order_undo),
    MutationName.ORDER_REASSIGN: Spec(Permission.ORDER_MOVE, order_reassign),
    MutationName.ORDER_RENOTIFY: Spec(Permission.MESSAGE_CUSTOMER, order_renotify),
    MutationName.ORDER_MESSAGE: Spec(Permission.MESSAGE_CUSTOMER, order_message),
}
