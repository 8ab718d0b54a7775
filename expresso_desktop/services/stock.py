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

from collections.abc import Sequence

from sqlmodel import Session, col, select

from expresso_desktop.core.errors import DomainError, ValidationError
from expresso_desktop.core.items import drink_of
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
from expresso_desktop.services.changes import Alert, emit
from expresso_desktop.services.writer import Tx
from expresso_desktop.store.repositories import orders_repo
from expresso_desktop.store.tables import MenuConfig, Order, Station, StockItem, StockMovement

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
) -> StockItem:
    """One delta. ``generation``: the count generation the caller saw (None: the current one);
    ``movement``: the movement's id when the caller derives it (a sync mutation, a round);
    ``order_id`` is linked only if that order exists (the use happened either way)."""
    session = tx.session
    assert item.id is not None
    if order_id is not None and session.get(Order, order_id) is None:
        order_id = None
    # A newer generation than the item's cannot be (one writer): it is treated as the current.
    tagged = item.generation if generation is None else min(generation, item.generation)
    counted = tagged == item.generation
    row = StockMovement(
        item_id=item.id,
        client_id=client_id,
        seq=seq,
        delta=delta,
        generation=tagged,
        order_id=order_id,
        reason=reason,
        counted=counted,
    )
    if movement is not None:
        row.id = movement
    session.add(row)
    emit(session, tx.changes, "stock_movements", row)
    if not counted:
        tx.changes.alerts.append(
            Alert(
                "stock_reconcile",
                f"{_label(session, item)}: a use of {-delta:g} {item.unit} from before the last "
                "count arrived late; recorded, not subtracted",
                str(item.id),
            )
        )
        return item
    # ``level`` is baseline + Σ counted deltas of the generation, kept so by every writer of
    # it (this module): adding the new delta is that sum, without re-reading the movements.
    before = item.level
    item.level = before + delta
    _save(tx, item, before)
    return item


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
    item.out_of_stock = False
    return record(tx, item, qty, reason="restock", client_id=client_id, seq=seq, movement=movement)


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
    to the order (reason ``order``). Nothing when its recipe is already out (a repeated Done),
    for items the station does not track, or for an order without a station."""
    if order.station_id is None:
        return []
    session = tx.session
    tracked = {i.name: i for i in _station_items(session, order.station_id)}
    specs = [drink_of(row) for row in orders_repo.items(order.id, session=session)]
    needs = recipe(specs, menu or _menu(session, order.event_id))
    ids = {name: i.id for name, i in tracked.items() if i.id is not None}
    taken = use_round(_history(session, order.id), needs, ids)
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
    client = order_client_id(order.id)
    changed = []
    for item_id, delta in sorted(moves.deltas.items()):
        item = tx.session.get(StockItem, item_id)
        if item is None or item.deleted or not delta:
            continue
        record(
            tx,
            item,
            delta,
            reason=reason,
            client_id=client,
            seq=moves.seq,
            order_id=order.id,
            movement=movement_id(client, moves.seq, item_id),
        )
        changed.append(item)
    return changed


def _history(session: Session, order_id: str) -> list[OrderMove]:
    rows = session.exec(
        select(StockMovement.seq, StockMovement.item_id, StockMovement.delta).where(
            StockMovement.order_id == order_id,
            col(StockMovement.reason).in_(_ROUND_REASONS),
            StockMovement.deleted == False,  # noqa: E712
        )
    ).all()
    return [OrderMove(seq, item_id, delta) for seq, item_id, delta in rows]


def _station_items(session: Session, station_id: int) -> Sequence[StockItem]:
    return session.exec(
        select(StockItem).where(
            StockItem.station_id == station_id,
            StockItem.deleted == False,  # noqa: E712
        )
    ).all()


def _menu(session: Session, event_id: int) -> Menu:
    stored = session.get(MenuConfig, event_id)
    return event_menu(None if stored is None or stored.deleted else stored.menu_json)
