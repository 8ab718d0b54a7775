"""The stock rulebook: every change to a station's stock, whichever path asked for it (the LAN
API, a station's sync mutation, the organiser's window, a drink marked Done).

Levels are counters (design/sync.md "Stock levels", ``core.stock``): each use, restock or
return is a ``StockMovement`` delta in the item's current count generation, and
``level = baseline + Σ counted deltas`` is kept in the same transaction. A use is never
refused for lack of stock (the drink was made): the level may go below zero. A delta tagged
with an older generation is recorded ``counted = False`` (the count already saw it) for
reconciliation. A count starts the next generation with the counted level as baseline.

Crossing a threshold raises an ``Alert`` on the change set once per crossing (``core.stock.
crossed``: low, out at 0, negative); the organiser's alert line hears it, and stations get
the ``stock_items`` row with its level and out flag in the same change. "Out" — marked out by
a person, or nothing left — stops routing sending drinks that need the item to that station
and the SMS menu offering it (``core.stock.missing_for``); a restock or a count of more than
nothing, or marking it back in, ends a marked out.

``consume_for_order``/``return_for_order`` are the hooks of Done and of undo back from ready:
a made drink's recipe leaves its station's stock by itself, exactly once per made state.
Writer-only (``Tx``).
"""

from __future__ import annotations

import functools
import json
from typing import Any

from sqlmodel import Session

from expresso_desktop.core.errors import DomainError, ValidationError
from expresso_desktop.core.items import DrinkSpec, drink_of
from expresso_desktop.core.menu import Menu
from expresso_desktop.core.routing import stock_words
from expresso_desktop.core.stock import (
    ORDER_RETURN,
    ORDER_USE,
    OrderMove,
    Round,
    crossed,
    event_menu,
    is_taken,
    order_client_id,
    recipe,
    return_round,
    use_round,
)
from expresso_desktop.core.sync_protocol import movement_id
from expresso_desktop.services.changes import Alert, emit, emit_new_rows, emit_update, fetch
from expresso_desktop.services.writer import Tx
from expresso_desktop.store import raw
from expresso_desktop.store.repositories import orders_repo
from expresso_desktop.store.tables import Order, Station, StockItem, StockMovement
from expresso_desktop.store.types import new_uuid, utcnow

_ROUND_REASONS = (ORDER_USE, ORDER_RETURN)


class StockItemNotFound(DomainError):
    code = "not_found"


def get_item(session: Session, item_id: int) -> StockItem:
    item = session.get(StockItem, item_id)
    if item is None or item.deleted:
        raise StockItemNotFound(f"no stock item {item_id}")
    return item


def check_order(session: Session, order_id: str | None) -> None:
    """For a caller that names an order for a use: it must exist (422 naming the field)."""
    if order_id is not None and orders_repo.get(order_id, session=session) is None:
        raise ValidationError(f"there is no order {order_id}", field="order_id")


# -- movements and levels --------------------------------------------------------------------


def record(
    tx: Tx,
    item: StockItem,
    delta: float,
    *,
    reason: str,
    client_id: str,
    seq: int = 0,
    generation: int | None = None,
    order_id: str | None = None,
    movement: str | None = None,
    back_in: bool = False,
) -> StockItem:
    """One delta. ``generation``: the count generation the caller saw (None: the current one);
    ``movement``: the movement's id when the caller derives it (a sync mutation, a round);
    ``order_id`` is linked only if that order exists (the use happened either way);
    ``back_in``: a marked-out item is back in (a restock), written with the level.

    Plain SQL (every stock use of a station's push): the movement from values, the item's
    level with one UPDATE (``emit_update``); no model is built or flushed."""
    session = tx.session
    if order_id is not None and fetch(session, Order, order_id) is None:
        order_id = None
    row = _movement(item, delta, reason, client_id, seq, generation, order_id, movement)
    emit_new_rows(session, tx.changes, [("stock_movements", row)])
    return _counted(tx, item, row, back_in=back_in)


def _movement(
    item: StockItem,
    delta: float,
    reason: str,
    client_id: str,
    seq: int,
    generation: int | None,
    order_id: str | None,
    movement: str | None,
) -> dict[str, Any]:
    """The movement row of one delta, tagged with its generation: one newer than the item's
    cannot be (one writer), so it is treated as the current."""
    assert item.id is not None
    tagged = item.generation if generation is None else min(generation, item.generation)
    return _MOVEMENT_DEFAULTS | {
        "id": movement if movement is not None else new_uuid(),
        "item_id": item.id,
        "client_id": client_id,
        "seq": seq,
        "delta": float(delta),
        "generation": tagged,
        "order_id": order_id,
        "reason": reason,
        "counted": tagged == item.generation,
        "created_at": utcnow(),
    }


def _counted(tx: Tx, item: StockItem, movement: dict[str, Any], *, back_in: bool) -> StockItem:
    """The item's level after ``movement`` (written): a late use of an older generation is
    only reported for reconciliation."""
    delta = movement["delta"]
    if not movement["counted"]:
        tx.changes.alerts.append(
            Alert(
                "stock_reconcile",
                f"{_label(tx.session, item)}: a use of {-delta:g} {item.unit} from before the "
                "last count arrived late; recorded, not subtracted",
                str(item.id),
            )
        )
        return item
    # ``level`` is baseline + Σ counted deltas of the generation, kept so by every writer of
    # it (this module): adding the new delta is that sum, without re-reading the movements.
    before = item.level
    changed: dict[str, Any] = {"level": before + delta}
    if back_in:
        changed["out_of_stock"] = False
    emit_update(tx.session, tx.changes, "stock_items", item, changed)
    _alert_crossings(tx, item, before)
    return item


# Every column's default, as ``StockMovement(...)`` would fill it in.
_MOVEMENT_DEFAULTS = StockMovement(
    item_id=0, client_id="", seq=0, delta=0, generation=0
).model_dump(exclude={"id", "created_at"})


def restock(
    tx: Tx,
    item: StockItem,
    qty: float,
    *,
    client_id: str,
    seq: int = 0,
    movement: str | None = None,
) -> StockItem:
    """More stock arrived: a positive delta, and a marked-out item is back in."""
    return record(
        tx,
        item,
        qty,
        reason="restock",
        client_id=client_id,
        seq=seq,
        movement=movement,
        back_in=True,
    )


def count(tx: Tx, item: StockItem, counted: float) -> StockItem:
    """A physical count: the next generation, whose baseline is what was counted. Counting
    more than nothing ends a marked out."""
    before = item.level
    item.generation += 1
    item.baseline = float(counted)
    item.level = float(counted)
    if counted > 0:
        item.out_of_stock = False
    _save(tx, item, before)
    return item


def mark_out(tx: Tx, item: StockItem, out: bool) -> StockItem:
    """Marked out (routing stops sending drinks that need it here) or back in; writes only
    when it changes, and tells the organiser when an item is marked out."""
    if item.out_of_stock == out:
        return item
    item.out_of_stock = out
    tx.session.add(item)
    emit(tx.session, tx.changes, "stock_items", item)
    if out:
        tx.changes.alerts.append(
            Alert("stock_out", f"{_label(tx.session, item)}: marked out", str(item.id))
        )
    return item


def _save(tx: Tx, item: StockItem, before: float) -> None:
    tx.session.add(item)
    emit(tx.session, tx.changes, "stock_items", item)
    _alert_crossings(tx, item, before)


def _alert_crossings(tx: Tx, item: StockItem, before: float) -> None:
    for kind in crossed(before, item.level, item.low_threshold):
        tx.changes.alerts.append(Alert(kind, _crossing(tx.session, item, kind), str(item.id)))


def _crossing(session: Session, item: StockItem, kind: str) -> str:
    label = _label(session, item)
    if kind == "stock_out":
        return f"{label}: out"
    if kind == "stock_negative":
        return f"{label}: below zero ({item.level:g} {item.unit}), count it"
    return f"{label}: low ({item.level:g} {item.unit} left)"


def _label(session: Session, item: StockItem) -> str:
    station = session.get(Station, item.station_id)
    where = "" if station is None else f" at {station.name or f'Station {station.number}'}"
    name = stock_words(item.name)
    return f"{name[:1].upper()}{name[1:]}{where}"


# -- a made drink ----------------------------------------------------------------------------


def consume_for_order(tx: Tx, order: Order, *, menu: Menu | None = None) -> list[StockItem]:
    """Done: the order's recipe (milk, beans, cups, syrups) out of its station's stock, linked
    to the order (reason ``order``). Nothing when its recipe is already out (a repeated Done,
    a collect after Done), for items the station does not track, or for an order without a
    station. Read with plain statements: every Done and every collect of a push asks."""
    if order.station_id is None:
        return []
    session = tx.session
    history = _history(session, order.id)
    if is_taken(history):
        return []
    needs = recipe(_drinks(session, order.id), menu or _menu(session, order.event_id))
    tracked = dict(raw.execute(session, _TRACKED, (order.station_id,)).fetchall())
    taken = use_round(history, needs, tracked)
    return [] if taken is None else _apply(tx, order, taken, ORDER_USE)


def return_for_order(tx: Tx, order: Order) -> list[StockItem]:
    """Undo back from ready: exactly what the order's Done took, put back (reason ``undo``).
    Nothing when its recipe is not out. A cancel after Done keeps the use (it was made)."""
    back = return_round(_history(tx.session, order.id))
    return [] if back is None else _apply(tx, order, back, ORDER_RETURN)


def take_recipe(tx: Tx, order: Order) -> list[StockItem]:
    """Someone asks to take an order's recipe now (``POST /inventory/consume-order``): the same
    use as Done's, refused with the reason when there is nothing to take it from."""
    name = order.number or order.id
    if order.station_id is None:
        raise DomainError(f"order {name} has no station yet", code="no_station")
    if is_taken(_history(tx.session, order.id)):
        raise DomainError(f"order {name}'s stock was already taken", code="already_consumed")
    return consume_for_order(tx, order)


def _apply(tx: Tx, order: Order, moves: Round, reason: str) -> list[StockItem]:
    """A round's deltas (every item of a recipe): its movements in one batch, then each
    item's level."""
    client = order_client_id(order.id)
    taken = []
    for item_id, delta in sorted(moves.deltas.items()):
        item = fetch(tx.session, StockItem, item_id)
        if item is None or item.deleted or not delta:
            continue
        movement = movement_id(client, moves.seq, item_id)
        row = _movement(item, delta, reason, client, moves.seq, None, order.id, movement)
        taken.append((item, row))
    if taken:
        emit_new_rows(tx.session, tx.changes, [("stock_movements", row) for _, row in taken])
    return [_counted(tx, item, row, back_in=False) for item, row in taken]


def _history(session: Session, order_id: str) -> list[OrderMove]:
    session.flush()  # what the ORM holds unwritten is read as it stands
    rows = raw.execute(session, _HISTORY, (order_id, *_ROUND_REASONS)).fetchall()
    return [OrderMove(seq, item_id, delta) for seq, item_id, delta in rows]


def _drinks(session: Session, order_id: str) -> list[DrinkSpec]:
    """The order's drinks (``drink_of`` its item rows, by position)."""
    rows = raw.execute(session, _DRINKS, (order_id,)).fetchall()
    return [drink_of(_item_values(row)) for row in rows]


def _item_values(row: Any) -> dict[str, Any]:
    extras = row[5] if row[5] is None else json.loads(row[5])
    return dict(zip(_DRINK_KEYS, (*row[:5], extras), strict=True))


def _menu(session: Session, event_id: int) -> Menu:
    stored = raw.first(session, _MENU, (event_id,))
    return _menu_of(None if stored is None or stored[1] else stored[0])


@functools.lru_cache(maxsize=4)
def _menu_of(stored: str | None) -> Menu:
    """The menu of a ``menu_configs`` row's stored JSON text (parsed once per text)."""
    return event_menu(None if stored is None else json.loads(stored))


# Plain SQL (every Done, collect and undo of a station's push reads these).
_HISTORY = (
    "SELECT seq, item_id, delta FROM stock_movements"
    f" WHERE order_id = ? AND reason IN ({', '.join('?' for _ in _ROUND_REASONS)})"
    " AND deleted = 0"
)
_DRINK_KEYS = ("drink", "size", "milk", "sugar", "quantity", "extras_json")
_DRINKS = (
    f"SELECT {', '.join(_DRINK_KEYS)} FROM order_items"
    " WHERE order_id = ? AND deleted = 0 ORDER BY position"
)
_TRACKED = "SELECT name, id FROM stock_items WHERE station_id = ? AND deleted = 0"
_MENU = "SELECT menu_json, deleted FROM menu_configs WHERE event_id = ?"
