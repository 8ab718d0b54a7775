"""The organiser's handlers for stock mutations (sync.md 4.5): stations never send levels,
only deltas tagged with the count generation they saw, and whether an item is out.

Thin adapters over ``services.stock`` (the rulebook the LAN API uses too): they check the
arguments and the caller's station, and key each delta by a uuid5 of (client, seq) so the
station's optimistic row and the organiser's are the same row.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from expresso_desktop.core.staff import Permission
from expresso_desktop.core.sync_protocol import MutationName, Reason, movement_id
from expresso_desktop.services import stock
from expresso_desktop.services.changes import fetch
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
from expresso_desktop.store.tables import StockItem


def _item(ctx: MutationCtx, args: Mapping[str, Any]) -> StockItem:
    item_id = arg_int(args, "item_id")
    item = fetch(ctx.tx.session, StockItem, item_id)
    if item is None or item.deleted:
        raise unknown(ctx, f"stock item {item_id}")
    return item


def _own_item(ctx: MutationCtx, args: Mapping[str, Any]) -> StockItem:
    item = _item(ctx, args)
    own_station(ctx, item.station_id)
    return item


def _movement(ctx: MutationCtx, item: StockItem) -> str:
    assert item.id is not None
    return movement_id(ctx.caller.client_id, ctx.seq, item.id)


def stock_consume(ctx: MutationCtx, args: Mapping[str, Any]) -> None:
    item = _own_item(ctx, args)
    stock.record(
        ctx.tx,
        item,
        -arg_qty(args),
        reason="consume",
        client_id=ctx.caller.client_id,
        seq=ctx.seq,
        generation=arg_int(args, "generation", optional=True),
        order_id=arg_str(args, "order_id", max_len=64, optional=True),
        movement=_movement(ctx, item),
    )


def stock_restock(ctx: MutationCtx, args: Mapping[str, Any]) -> None:
    item = _own_item(ctx, args)
    stock.restock(
        ctx.tx,
        item,
        arg_qty(args),
        client_id=ctx.caller.client_id,
        seq=ctx.seq,
        movement=_movement(ctx, item),
    )


def stock_reset(ctx: MutationCtx, args: Mapping[str, Any]) -> None:
    """A physical count: generation + 1, baseline = what was counted."""
    item = _item(ctx, args)
    counted = args.get("counted_level")
    if isinstance(counted, bool) or not isinstance(counted, int | float) or counted < 0:
        raise Refused(Reason.INVALID_ARGS, "counted_level must be a number >= 0")
    stock.count(ctx.tx, item, float(counted))


def stock_mark_out(ctx: MutationCtx, args: Mapping[str, Any]) -> None:
    """Marked out at the station (routing stops sending what needs it there) or back in."""
    item = _own_item(ctx, args)
    out = args.get("out")
    if not isinstance(out, bool):
        raise Refused(Reason.INVALID_ARGS, "out must be true or false")
    stock.mark_out(ctx.tx, item, out)


HANDLERS: Registry = {
    MutationName.STOCK_CONSUME: Spec(Permission.STOCK_USE, stock_consume),
    MutationName.STOCK_RESTOCK: Spec(Permission.STOCK_USE, stock_restock),
    MutationName.STOCK_RESET: Spec(Permission.STOCK_COUNT, stock_reset),
    MutationName.STOCK_MARK_OUT: Spec(Permission.STOCK_USE, stock_mark_out),
}
