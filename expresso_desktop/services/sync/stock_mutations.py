"""The organiser's handlers for stock mutations (sync.md 4.5): stations never send levels,
only deltas tagged with the count generation they saw.

``level = baseline + Σ counted deltas of the current generation``, recomputed in the same
transaction. A consumption is never refused for lack of stock (the drink was made): the
level may go negative and the organiser is alerted. A delta tagged with an older generation is
recorded with ``counted = False`` (the physical count already saw it) for reconciliation.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import func
from sqlmodel import select

from expresso_desktop.core.staff import Permission
from expresso_desktop.core.sync_protocol import MutationName, Reason, movement_id
from expresso_desktop.services.changes import Alert, emit
from expresso_desktop.services.sync.context import (
    MutationCtx,
    Refused,
    Registry,
    Spec,
    arg_int,
    arg_qty,
    arg_str,
    own_station,
    unknown,
)
from expresso_desktop.store.tables import Order, StockItem
from expresso_desktop.store.tables import StockMovement as Movement


def _item(ctx: MutationCtx, args: Mapping[str, Any]) -> StockItem:
    item_id = arg_int(args, "item_id")
    item = ctx.tx.session.get(StockItem, item_id)
    if item is None or item.deleted:
        raise unknown(ctx, f"stock item {item_id}")
    return item


def _record(
    ctx: MutationCtx,
    item: StockItem,
    delta: float,
    generation: int,
    reason: str,
    order_id: str | None = None,
) -> None:
    session = ctx.tx.session
    assert item.id is not None
    if order_id is not None and session.get(Order, order_id) is None:
        order_id = None  # the use happened; an order we never heard of is just not linked
    counted = generation >= item.generation  # a newer one than ours cannot be: treat as ours
    movement = Movement(
        id=movement_id(ctx.caller.client_id, ctx.seq, item.id),
        item_id=item.id,
        client_id=ctx.caller.client_id,
        seq=ctx.seq,
        delta=delta,
        generation=item.generation if counted else generation,
        order_id=order_id,
        reason=reason,
        counted=counted,
    )
    session.add(movement)
    emit(session, ctx.tx.changes, "stock_movements", movement)
    if not counted:
        ctx.tx.changes.alerts.append(
            Alert(
                "stock_reconcile",
                f"{item.name}: a use of {-delta:g} from before the last count arrived late; "
                "recorded, not subtracted",
                str(item.id),
            )
        )
        return
    _recount(ctx, item)


def _recount(ctx: MutationCtx, item: StockItem) -> None:
    session = ctx.tx.session
    was_low = item.level <= item.low_threshold
    total = session.exec(
        select(func.coalesce(func.sum(Movement.delta), 0.0)).where(
            Movement.item_id == item.id,
            Movement.generation == item.generation,
            Movement.counted == True,  # noqa: E712
            Movement.deleted == False,  # noqa: E712
        )
    ).one()
    item.level = item.baseline + float(total)
    session.add(item)
    emit(session, ctx.tx.changes, "stock_items", item)
    if item.level < 0:
        ctx.tx.changes.alerts.append(
            Alert("stock_negative", f"{item.name} is below zero ({item.level:g})", str(item.id))
        )
    elif item.level <= item.low_threshold and not was_low:
        ctx.tx.changes.alerts.append(Alert("stock_low", f"{item.name} is low", str(item.id)))


def stock_consume(ctx: MutationCtx, args: Mapping[str, Any]) -> None:
    item = _item(ctx, args)
    own_station(ctx, item.station_id)
    generation = arg_int(args, "generation", optional=True)
    order_id = arg_str(args, "order_id", max_len=64, optional=True)
    seen = item.generation if generation is None else generation
    _record(ctx, item, -arg_qty(args), seen, "consume", order_id)


def stock_restock(ctx: MutationCtx, args: Mapping[str, Any]) -> None:
    item = _item(ctx, args)
    own_station(ctx, item.station_id)
    _record(ctx, item, arg_qty(args), item.generation, "restock")


def stock_reset(ctx: MutationCtx, args: Mapping[str, Any]) -> None:
    """A physical count: generation + 1, baseline = what was counted."""
    item = _item(ctx, args)
    counted = args.get("counted_level")
    if isinstance(counted, bool) or not isinstance(counted, int | float) or counted < 0:
        raise Refused(Reason.INVALID_ARGS, "counted_level must be a number >= 0")
    item.generation += 1
    item.baseline = float(counted)
    item.level = float(counted)
    ctx.tx.session.add(item)
    emit(ctx.tx.session, ctx.tx.changes, "stock_items", item)


HANDLERS: Registry = {
    MutationName.STOCK_CONSUME: Spec(Permission.STOCK_USE, stock_consume),
    MutationName.STOCK_RESTOCK: Spec(Permission.STOCK_USE, stock_restock),
    MutationName.STOCK_RESET: Spec(Permission.STOCK_COUNT, stock_reset),
}
