"""Drinks still to be made at each station, kept in memory from the change bus.

Routing needs every station's queue on every text. Counting it in SQL (a join over every waiting
order and its items) made each text cost more the busier the event: 10–18 ms a text with 5,000
orders open, and a webhook p50 of 200–300 ms at 3,000 (issue 14). Here an event's orders are
read once, then kept up to date from committed change sets: every write to orders and their items
goes through ``changes.emit``/``emit_new``, and the single writer publishes a change set after
its commit and before its next unit of work, so the counts are exact whenever the writer asks.
The asking transaction's own uncommitted changes (``pending``) are laid over them for that
transaction only (a rolled-back savepoint has already taken its changes out of the set), so a
batch of texts in one transaction still sees each other's orders, and nothing rolled back is
ever counted.
"""

from __future__ import annotations

import bisect
import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Engine, select

from expresso_desktop.services.changes import Change, ChangeBus, ChangeSet
from expresso_desktop.store.engine import read_session
from expresso_desktop.store.tables import Order, OrderItem

log = logging.getLogger(__name__)

# Orders that still have to be made: what a new order waits behind.
WAITING_STATUSES = ("new", "in_progress")
Queues = dict[int, tuple[int, int]]  # station id → (drinks waiting, of which VIP)

_ORDERS = Order.__table__  # type: ignore[attr-defined]
_ITEMS = OrderItem.__table__  # type: ignore[attr-defined]


@dataclass(slots=True)
class _Order:
    station_id: int | None = None
    status: str = ""
    vip: bool = False
    deleted: bool = True  # until its row is seen
    created_at: datetime | None = None
    items: dict[str, int] = field(default_factory=dict)  # live item id → quantity

    def waiting(self) -> tuple[int, int, int] | None:
        """(station, drinks, VIP drinks) while it waits at a station, else None."""
        if self.deleted or self.station_id is None or self.status not in WAITING_STATUSES:
            return None
        drinks = sum(self.items.values())
        return self.station_id, drinks, drinks if self.vip else 0

    def copy(self) -> _Order:
        return _Order(
            self.station_id, self.status, self.vip, self.deleted, self.created_at, dict(self.items)
        )

    def apply(self, change: Change) -> None:
        data = change.data
        if change.entity == "orders":
            if data is None:
                self.deleted = True
                return
            self.station_id = data.get("station_id")
            self.status = str(data.get("status"))
            self.vip = bool(data.get("vip"))
            self.deleted = bool(data.get("deleted"))
            created = data.get("created_at")
            self.created_at = datetime.fromisoformat(created) if created else None
        elif data is None or data.get("deleted"):
            self.items.pop(change.entity_id, None)
        else:
            self.items[change.entity_id] = int(data.get("quantity") or 0)


class _Line:
    """One station's waiting orders in the order they came in (by ``created_at``, then id),
    with each one's drinks: the drinks ahead of an order are a sum over a prefix, found by
    bisection, not a pass over every order waiting there (a STATUS text at a station with
    1,700 orders waiting took 7 ms that way)."""

    __slots__ = ("drinks", "keys")

    def __init__(self) -> None:
        self.keys: list[tuple[datetime, str]] = []
        self.drinks: list[int] = []

    def add(self, key: tuple[datetime, str], drinks: int) -> None:
        at = bisect.bisect_left(self.keys, key)
        self.keys.insert(at, key)
        self.drinks.insert(at, drinks)

    def remove(self, key: tuple[datetime, str]) -> None:
        at = bisect.bisect_left(self.keys, key)
        if at < len(self.keys) and self.keys[at] == key:
            del self.keys[at]
            del self.drinks[at]

    def drinks_until(self, cutoff: datetime) -> int:
        """The drinks of the orders that came in no later than ``cutoff``."""
        return sum(self.drinks[: bisect.bisect_right(self.keys, (cutoff, _LAST_ID))])


_FIRST = datetime.min.replace(tzinfo=UTC)  # an order without a time counts as first in
_LAST_ID = "\U0010ffff"  # sorts after every order id


def _line_key(order_id: str, order: _Order) -> tuple[datetime, str]:
    return (order.created_at or _FIRST, order_id)


class _Board:
    """One event's orders, and the drinks waiting per station."""

    def __init__(self, event_id: int) -> None:
        self.event_id = event_id
        self.orders: dict[str, _Order] = {}
        self.item_order: dict[str, str] = {}  # item id → its order's id
        self.totals: dict[int, list[int]] = {}  # station → [drinks, VIP drinks] waiting
        self.lines: dict[int, _Line] = {}  # station → its waiting orders, first in first

    def load(self, engine: Engine) -> None:
        with read_session(engine) as session:
            conn = session.connection()
            o, i = _ORDERS.c, _ITEMS.c
            orders = select(o.id, o.station_id, o.status, o.vip, o.deleted, o.created_at)
            for row in conn.execute(orders.where(o.event_id == self.event_id)):
                self.orders[row[0]] = _Order(*row[1:])
            items = (
                select(i.id, i.order_id, i.quantity)
                .join(_ORDERS, o.id == i.order_id)
                .where(o.event_id == self.event_id, i.deleted == False)  # noqa: E712
            )
            for item_id, order_id, quantity in conn.execute(items):
                self.orders[order_id].items[item_id] = int(quantity)
                self.item_order[item_id] = order_id
        for order_id, order in self.orders.items():
            self._count(order_id, order, 1)

    def order_of(self, change: Change, *items: dict[str, str]) -> str | None:
        """The order a change to an order or to one of its items is about (``items``: where
        to look up a deleted item's order), or None if it is not about this event's orders."""
        if change.entity == "orders":
            if change.data is not None and change.data.get("event_id") != self.event_id:
                return None
            return change.entity_id
        if change.entity != "order_items":
            return None
        if change.data is not None and change.data.get("order_id") is not None:
            return str(change.data["order_id"])
        return next((m[change.entity_id] for m in items if change.entity_id in m), None)

    def commit(self, changes: Iterable[Change]) -> None:
        for change in changes:
            order_id = self.order_of(change, self.item_order)
            if order_id is None:
                continue
            order = self.orders.get(order_id)
            if order is None:
                if change.entity != "orders":
                    continue  # an item of an order this event does not have
                order = self.orders[order_id] = _Order()
            self._count(order_id, order, -1)
            order.apply(change)
            self._count(order_id, order, 1)
            if change.entity == "order_items":
                self.item_order[change.entity_id] = order_id

    def overlay(self, pending: Iterable[Change]) -> dict[str, _Order]:
        """The orders ``pending`` (uncommitted) changes touch, as those changes leave them."""
        touched: dict[str, _Order] = {}
        new_items: dict[str, str] = {}
        for change in pending:
            order_id = self.order_of(change, new_items, self.item_order)
            if order_id is None:
                continue
            if order_id not in touched:
                known = self.orders.get(order_id)
                if known is None and change.entity != "orders":
                    continue
                touched[order_id] = known.copy() if known is not None else _Order()
            touched[order_id].apply(change)
            if change.entity == "order_items":
                new_items[change.entity_id] = order_id
        return touched

    def queues(self, pending: Iterable[Change]) -> Queues:
        """The committed counts with ``pending`` changes laid over them."""
        totals = {station: list(counts) for station, counts in self.totals.items()}
        for order_id, after in self.overlay(pending).items():
            before = self.orders.get(order_id)
            _add(totals, before.waiting() if before is not None else None, -1)
            _add(totals, after.waiting(), 1)
        return {
            station: (drinks, vip) for station, (drinks, vip) in totals.items() if drinks or vip
        }

    def drinks_ahead(self, order_id: str, pending: Iterable[Change]) -> int | None:
        """The drinks still to be made at the order's station before it is done: its own and
        those of the orders there that came in no later (only its own once it is being made).
        None when it is not waiting at a station."""
        touched = self.overlay(pending)
        order = touched.get(order_id) or self.orders.get(order_id)
        waiting = order.waiting() if order is not None else None
        if order is None or waiting is None:
            return None
        if order.status == "in_progress" or order.created_at is None:
            return waiting[1]
        station, cutoff = waiting[0], order.created_at
        line = self.lines.get(station)
        ahead = line.drinks_until(cutoff) if line is not None else 0
        for other_id, other in touched.items():  # as this transaction leaves them
            before = self.orders.get(other_id)
            if before is not None:
                ahead -= _ahead_of(before, station, cutoff)
            ahead += _ahead_of(other, station, cutoff)
        return ahead

    def _count(self, order_id: str, order: _Order, sign: int) -> None:
        waiting = order.waiting()
        if waiting is None:
            return
        _add(self.totals, waiting, sign)
        key = _line_key(order_id, order)
        if sign > 0:
            self.lines.setdefault(waiting[0], _Line()).add(key, waiting[1])
        elif (line := self.lines.get(waiting[0])) is not None:
            line.remove(key)


def _ahead_of(order: _Order, station: int, cutoff: datetime) -> int:
    """The drinks ``order`` puts ahead of one that came in at ``cutoff`` at ``station``."""
    there = order.waiting()
    if there is None or there[0] != station:
        return 0
    return there[1] if order.created_at is None or order.created_at <= cutoff else 0


def _add(totals: dict[int, list[int]], waiting: tuple[int, int, int] | None, sign: int) -> None:
    if waiting is None:
        return
    station, drinks, vip = waiting
    counts = totals.setdefault(station, [0, 0])
    counts[0] += sign * drinks
    counts[1] += sign * vip


class WaitingDrinks:
    """Per event, the drinks waiting at each station (all, and VIP only), kept from the change
    bus. An event's orders are read the first time it is asked about; until then, and after a
    change it could not follow (logged), nothing is kept and the next ask reads them again."""

    def __init__(self, bus: ChangeBus) -> None:
        self._lock = threading.Lock()
        self._boards: dict[int, _Board] = {}
        self._unsubscribe = bus.subscribe(self._on_changes)

    def queues(self, engine: Engine, event_id: int, pending: ChangeSet) -> Queues:
        """Drinks waiting per station as the writer's transaction (whose change set is
        ``pending``) sees them. Call it from the writer only: the first call for an event reads
        its committed orders through ``engine``, which nobody else commits to meanwhile."""
        with self._lock:
            return self._board(engine, event_id).queues(pending.changes)

    def drinks_ahead(
        self, engine: Engine, event_id: int, order_id: str, pending: ChangeSet
    ) -> int | None:
        """For a wait estimate, as the writer's transaction sees it (see ``queues``): the
        drinks to be made at the order's station until it is done, itself included; None when
        it is not waiting at a station."""
        with self._lock:
            return self._board(engine, event_id).drinks_ahead(order_id, pending.changes)

    def _board(self, engine: Engine, event_id: int) -> _Board:
        board = self._boards.get(event_id)
        if board is None:
            board = _Board(event_id)
            board.load(engine)
            self._boards[event_id] = board
        return board

    def close(self) -> None:
        self._unsubscribe()
        with self._lock:
            self._boards.clear()

    def _on_changes(self, changeset: ChangeSet) -> None:
        with self._lock:
            for event_id, board in list(self._boards.items()):
                try:
                    board.commit(changeset.changes)
                except Exception:  # never wrong counts: forget them, read them again
                    log.exception(
                        "lost track of the queues of event %s; reading them again", event_id
                    )
                    del self._boards[event_id]
