"""The organiser's handlers for station mutations (sync.md 4.5): intents, never row sets.

Each handler runs inside the push transaction on the single writer, re-executing the intent
against the *current* server state through the same services the LAN API and the SMS
conversation use. A refusal is a ``DomainError`` whose ``code`` becomes the mutation's
``rejected`` reason (``superseded``, ``conflict_terminal``, ``taken_by:2``, ``forbidden``...).
``Deferred`` is the one transient refusal: a mutation naming an entity the organiser does not
know yet, while stations are re-pushing after a restore (4.7).

Registered per name; ``name@N`` addresses schema N of a mutation (4.9). The stock, settings and
chat handlers live in ``sync_mutations_more`` and register themselves here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from expresso_desktop.core.errors import DomainError, IllegalTransition
from expresso_desktop.core.menu import Menu
from expresso_desktop.core.orders import OrderStatus
from expresso_desktop.core.staff import Permission, allowed
from expresso_desktop.services import order_actions, orders
from expresso_desktop.services.changes import Alert
from expresso_desktop.services.writer import Tx
from expresso_desktop.store.tables import Order, Station

SCHEMA_VERSION = 1  # mutation argument shapes this organiser speaks
SCHEMA_MIN = 1  # the oldest it still accepts (a station below must upgrade)
ORGANISER_CLIENT = "organiser"


@dataclass(frozen=True, slots=True)
class Caller:
    """Who sent a mutation: the client id from the request, role and station from its device."""

    client_id: str
    role: str
    station_id: int | None = None
    name: str = ""


@dataclass
class MutationCtx:
    tx: Tx
    caller: Caller
    seq: int
    event_id: int
    menu: Menu
    recovering: bool = False  # just restored: unknown entities may still be re-pushed
    client_ts: str | None = None  # the station's clock when tapped: display only (I6)


class Refused(DomainError):
    """A permanent refusal; ``alert`` (if any) goes to the organiser even though the
    mutation's own effects are rolled back."""

    def __init__(self, code: str, reason: str, *, alert: Alert | None = None) -> None:
        super().__init__(reason, code=code)
        self.alert = alert


class Deferred(Exception):
    """Transient: retry later (the entity may arrive with another station's re-push)."""


Handler = Callable[[MutationCtx, Mapping[str, Any]], None]


@dataclass(frozen=True, slots=True)
class Spec:
    permission: Permission
    handler: Handler


HANDLERS: dict[str, Spec] = {}


def register(name: str, permission: Permission) -> Callable[[Handler], Handler]:
    def decorate(fn: Handler) -> Handler:
        HANDLERS[name] = Spec(permission, fn)
        return fn

    return decorate


def resolve(name: str) -> Spec | None:
    """The handler for ``name`` or ``name@N``; None if this organiser cannot run it."""
    base, _, version = name.partition("@")
    if version and (not version.isdigit() or not SCHEMA_MIN <= int(version) <= SCHEMA_VERSION):
        return None
    return HANDLERS.get(base)


def check_role(ctx: MutationCtx, spec: Spec) -> None:
    if not allowed(ctx.caller.role, spec.permission):
        raise Refused("forbidden", f"a {ctx.caller.role} may not do this")


# -- argument helpers ------------------------------------------------------------------------


def arg_str(
    args: Mapping[str, Any], key: str, *, max_len: int = 200, optional: bool = False
) -> Any:
    value = args.get(key)
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > max_len:
        raise Refused("invalid_args", f"{key} must be text of at most {max_len} characters")
    return value.strip()


def arg_int(args: Mapping[str, Any], key: str, *, optional: bool = False) -> Any:
    value = args.get(key)
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise Refused("invalid_args", f"{key} must be a whole number")
    return value


def arg_qty(args: Mapping[str, Any], key: str = "qty") -> float:
    value = args.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 1e6:
        raise Refused("invalid_args", f"{key} must be a positive number")
    return float(value)


def unknown(ctx: MutationCtx, what: str) -> Exception:
    if ctx.recovering:
        return Deferred(what)
    return Refused("unknown_entity", f"no {what}")


def own_station(ctx: MutationCtx, station_id: int | None) -> None:
    """Baristas act for their own station (and on unassigned orders); others anywhere."""
    if ctx.caller.role != "barista":
        return
    if station_id is not None and station_id != ctx.caller.station_id:
        raise Refused("not_your_station", f"that belongs to station id {station_id}")


def get_order(ctx: MutationCtx, args: Mapping[str, Any]) -> Order:
    order_id = arg_str(args, "order_id", max_len=64)
    order = ctx.tx.session.get(Order, order_id)
    if order is None or order.deleted:
        raise unknown(ctx, f"order {order_id}")
    return order


def _station_number(ctx: MutationCtx, station_id: int | None) -> str:
    station = ctx.tx.session.get(Station, station_id) if station_id is not None else None
    return str(station.number) if station is not None else "?"


# -- orders ----------------------------------------------------------------------------------


@register("order.create", Permission.ORDER_CREATE)
def order_create(ctx: MutationCtx, args: Mapping[str, Any]) -> None:
    """A walk-in taken at a station; insert-or-ignore by the client's order id."""
    order_id = arg_str(args, "order_id", max_len=64)
    station_id = arg_int(args, "station_id", optional=True) or ctx.caller.station_id
    if station_id is None:
        raise Refused("invalid_args", "station_id is required")
    own_station(ctx, station_id)
    raw_items = args.get("items")
    if not isinstance(raw_items, list):
        raise Refused("invalid_args", "items must be a list")
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
        if exc.code == "conflict_terminal":
            alert = Alert(
                "conflict_terminal",
                f"Order {order.number or order.id}: {ctx.caller.name or ctx.caller.client_id} "
                f"tried to {verb} it, but it is already {order.status}. Please check.",
                order.id,
            )
        raise Refused(exc.code, exc.reason, alert=alert) from None


@register("order.start", Permission.ORDER_PROGRESS)
def order_start(ctx: MutationCtx, args: Mapping[str, Any]) -> None:
    """Start, claiming the order for the caller's station (sync.md 4.5 "Claiming")."""
    order = get_order(ctx, args)
    mine = ctx.caller.station_id
    if ctx.caller.role == "barista" and order.station_id not in (None, mine):
        if OrderStatus(order.status) is OrderStatus.NEW:
            raise Refused(f"taken_by:{_station_number(ctx, order.station_id)}", "another station's")
        if not OrderStatus(order.status).terminal:
            raise Refused(f"taken_by:{_station_number(ctx, order.station_id)}", "already started")
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


register("order.ready", Permission.ORDER_PROGRESS)(_progress("mark ready", orders.mark_ready))
register("order.collect", Permission.ORDER_COLLECT)(_progress("collect", orders.collect_order))


@register("order.cancel", Permission.ORDER_CANCEL)
def order_cancel(ctx: MutationCtx, args: Mapping[str, Any]) -> None:
    reason = arg_str(args, "reason")
    _progress("cancel", lambda tx, oid: orders.cancel_order(tx, oid, reason))(ctx, args)


@register("order.reassign", Permission.ORDER_MOVE)
def order_reassign(ctx: MutationCtx, args: Mapping[str, Any]) -> None:
    """Compare-and-set on ``assign_version``; the organiser's move ignores it (authority)."""
    order = get_order(ctx, args)
    to_station = arg_int(args, "to_station")
    if ctx.caller.role != "organiser":
        own_station(ctx, order.station_id)
        if arg_int(args, "base_assign_version") != order.assign_version:
            raise Refused("stale", "the order was moved meanwhile")
    order_actions.move_order(ctx.tx, order.id, to_station)


def _load_more() -> None:
    from expresso_desktop.services.sync import stock_mutations as sync_mutations_more  # noqa: F401  (registers)


_load_more()
