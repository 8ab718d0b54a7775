"""Station mutations beyond orders: stock deltas, organiser-owned settings, append-only chat.

Stock (sync.md 4.5): stations never send levels, only deltas tagged with the count generation
they saw. ``level = baseline + Σ counted deltas of the current generation``, recomputed in the
same transaction. A consumption is never refused for lack of stock (the drink was made): the
level may go negative and the organiser is alerted. A delta tagged with an older generation is
recorded with ``counted = False`` (the physical count already saw it) for reconciliation.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import select

from expresso_desktop.core.errors import DomainError
from expresso_desktop.core.staff import Permission
from expresso_desktop.services import event_settings
from expresso_desktop.services.changes import Alert, emit
from expresso_desktop.services.sync.mutations import (
    MutationCtx,
    Refused,
    arg_int,
    arg_qty,
    arg_str,
    own_station,
    register,
    unknown,
)
from expresso_desktop.store.repositories import settings_repo
from expresso_desktop.store.tables import ChatMessage, Order, Setting, Station, StockItem
from expresso_desktop.store.tables import StockMovement as Movement

# Movement ids derive from the mutation that made them: the station's optimistic row and the
# organiser's are the same row, and a re-run can never make a second one.
MOVEMENT_NS = uuid.UUID("6f1c8f4e-7d1a-4f55-9a52-5be1c0ffee00")
MAX_SETTING_BYTES = 4000


def movement_id(client_id: str, seq: int, item_id: int) -> str:
    return str(uuid.uuid5(MOVEMENT_NS, f"{client_id}/{seq}/{item_id}"))


def _item(ctx: MutationCtx, args: Mapping[str, Any]) -> StockItem:
    item_id = arg_int(args, "item_id")
    item = ctx.tx.session.get(StockItem, item_id)
    if item is None or item.deleted:
        raise unknown(ctx, f"stock item {item_id}")
    return item


def _record(ctx: MutationCtx, item: StockItem, delta: float, generation: int, reason: str,
            order_id: str | None = None) -> None:  # fmt: skip
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


@register("stock.consume", Permission.STOCK_USE)
def stock_consume(ctx: MutationCtx, args: Mapping[str, Any]) -> None:
    item = _item(ctx, args)
    own_station(ctx, item.station_id)
    generation = arg_int(args, "generation", optional=True)
    order_id = arg_str(args, "order_id", max_len=64, optional=True)
    _record(ctx, item, -arg_qty(args), item.generation if generation is None else generation,
            "consume", order_id)  # fmt: skip


@register("stock.restock", Permission.STOCK_USE)
def stock_restock(ctx: MutationCtx, args: Mapping[str, Any]) -> None:
    item = _item(ctx, args)
    own_station(ctx, item.station_id)
    _record(ctx, item, arg_qty(args), item.generation, "restock")


@register("stock.reset", Permission.STOCK_COUNT)
def stock_reset(ctx: MutationCtx, args: Mapping[str, Any]) -> None:
    """A physical count: generation + 1, baseline = what was counted."""
    item = _item(ctx, args)
    counted = args.get("counted_level")
    if isinstance(counted, bool) or not isinstance(counted, int | float) or counted < 0:
        raise Refused("invalid_args", "counted_level must be a number >= 0")
    item.generation += 1
    item.baseline = float(counted)
    item.level = float(counted)
    ctx.tx.session.add(item)
    emit(ctx.tx.session, ctx.tx.changes, "stock_items", item)


# -- settings ------------------------------------------------------------------------------


def _barista_may_set(ctx: MutationCtx, key: str) -> bool:
    """Stations own only their own ``station.<id>.<name>`` keys (paused, sound...)."""
    return key.startswith(f"station.{ctx.caller.station_id}.") and ctx.caller.station_id is not None


@register("settings.set", Permission.READ_BOARD)
def settings_set(ctx: MutationCtx, args: Mapping[str, Any]) -> None:
    """Applied only if ``base_version`` is the setting's current row_version (0: never set);
    otherwise ``stale``: the organiser's value stands and the station pulls it."""
    key = arg_str(args, "key", max_len=80)
    if ctx.caller.role != "organiser" and not _barista_may_set(ctx, key):
        raise Refused("forbidden", f"only the organiser may change {key}")
    base = arg_int(args, "base_version")
    if "value" not in args or len(repr(args["value"])) > MAX_SETTING_BYTES:
        raise Refused("invalid_args", "value is missing or too large")
    session = ctx.tx.session
    row = session.get(Setting, key)
    if base != (row.row_version if row is not None else 0):
        raise Refused("stale", f"{key} was changed meanwhile")
    value = args["value"]
    if key in event_settings.defaults(ctx.menu):
        from expresso_desktop.core.templates import load_default_templates

        try:
            value = event_settings.check(key, value, ctx.menu, load_default_templates())
        except (DomainError, AttributeError, TypeError) as exc:
            raise Refused("invalid_args", f"bad value for {key}: {exc}") from None
    saved = settings_repo.put(key, value, session=session)
    emit(session, ctx.tx.changes, "settings", saved, entity_id=key)


# -- chat ----------------------------------------------------------------------------------


@register("chat.post", Permission.CHAT)
def chat_post(ctx: MutationCtx, args: Mapping[str, Any]) -> None:
    """Grow-only: insert-or-ignore by the client's message id."""
    channel = arg_str(args, "channel", max_len=30)
    if channel != "all":
        number = channel.removeprefix("station:")
        if not channel.startswith("station:") or not number.isdigit():
            raise Refused("invalid_args", "channel must be 'all' or 'station:<id>'")
        own_station(ctx, int(number))
        station = ctx.tx.session.get(Station, int(number))
        if station is None or station.deleted:
            raise unknown(ctx, f"station {number}")
    client_ts = None
    sent = args.get("client_ts") or ctx.client_ts
    if isinstance(sent, str):
        try:
            client_ts = datetime.fromisoformat(sent)
        except ValueError:
            client_ts = None
        if client_ts is not None and client_ts.utcoffset() is None:
            client_ts = None  # display only: a naive time is not worth guessing at
    message = ChatMessage(
        id=arg_str(args, "message_id", max_len=64),
        channel=channel,
        author=ctx.caller.name or ctx.caller.client_id[:8],
        body=arg_str(args, "body", max_len=1000),
        client_ts=client_ts,
    )
    event_settings.post_chat(ctx.tx, message)
