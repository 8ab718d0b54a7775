"""A customer's open orders and how long each still has to wait (for STATUS and CANCEL).

STATUS ("where's my coffee?") is a text customers send a lot, on the webhook's single writer:
its reads are plain statements (``open_order_rows``), with the stations from the floor the
writer already keeps, and the drinks ahead followed from the change bus (services/queues.py).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlmodel import Session, col, func, select

from expresso_desktop.core.items import DrinkSpec, drink_of
from expresso_desktop.core.routing import DEFAULT_MAKE_TIME_S
from expresso_desktop.services.changes import ChangeSet
from expresso_desktop.services.queues import WAITING_STATUSES
from expresso_desktop.services.read_cache import ReadCache
from expresso_desktop.services.station_views import load_floor
from expresso_desktop.store import raw
from expresso_desktop.store.repositories.orders_repo import OPEN_STATUSES
from expresso_desktop.store.tables import Order, OrderItem, Shift, Station

MAX_OPEN_ORDERS = 10


class Waiting(Protocol):
    """What a wait estimate needs of an order (an ``Order`` row or an ``OpenOrder``)."""

    @property
    def id(self) -> str: ...
    @property
    def event_id(self) -> int: ...
    @property
    def status(self) -> str: ...
    @property
    def station_id(self) -> int | None: ...
    @property
    def created_at(self) -> datetime | None: ...


@dataclass(frozen=True, slots=True)
class OpenOrder:
    """An open order as STATUS tells it: the row's plain values and its drinks."""

    id: str
    event_id: int
    number: str
    status: str
    station_id: int | None
    created_at: datetime | None
    drinks: tuple[DrinkSpec, ...]


def open_order_rows(
    session: Session, event_id: int, customer_id: int | None, limit: int = MAX_OPEN_ORDERS
) -> list[OpenOrder]:
    """``open_orders`` (newest first) as plain rows with their drinks: two statements."""
    rows = _open(session, event_id, customer_id, limit)
    if not rows:
        return []
    ids = [row[0] for row in rows]
    drinks: dict[str, list[DrinkSpec]] = {order_id: [] for order_id in ids}
    items = raw.execute(session, _ITEMS_OF.format(marks=", ".join("?" * len(ids))), ids)
    for order_id, drink, size, milk, sugar, quantity, extras in items:
        drinks[order_id].append(
            drink_of(
                {
                    "drink": drink,
                    "size": size,
                    "milk": milk,
                    "sugar": sugar,
                    "quantity": quantity,
                    "extras_json": _EXTRAS(extras) if _EXTRAS else extras,
                }
            )
        )
    return [
        OpenOrder(
            order_id,
            event_id,
            number,
            status,
            station_id,
            _CREATED(created) if _CREATED else created,
            tuple(drinks[order_id]),
        )
        for order_id, number, status, station_id, created in rows
    ]


_O = Order.__table__  # type: ignore[attr-defined]
_I = OrderItem.__table__  # type: ignore[attr-defined]
_S = Shift.__table__  # type: ignore[attr-defined]
_OPEN_ORDERS = (
    f"SELECT id, number, status, station_id, created_at FROM {_O.name} "
    # By the customer's index: the unary + keeps SQLite from choosing (event, status), which
    # read every open order of the event (0.7 ms at 5,000 open, on the writer).
    f"WHERE customer_id = ? AND +event_id = ? "
    f"AND +status IN ({', '.join('?' * len(OPEN_STATUSES))}) "
    "AND deleted = 0 ORDER BY created_at DESC, id LIMIT ?"
)
_ITEMS_OF = (
    f"SELECT order_id, drink, size, milk, sugar, quantity, extras_json FROM {_I.name} "
    "WHERE deleted = 0 AND order_id IN ({marks}) ORDER BY position"
)
_ON_SHIFT = (
    f"SELECT count(*) FROM {_S.name} "
    "WHERE station_id = ? AND deleted = 0 AND starts_at <= ? AND ends_at > ?"
)
_CREATED = raw.result_processor(_O.c.created_at)
_EXTRAS = raw.result_processor(_I.c.extras_json)
_AT = raw.bind_processor(_S.c.starts_at)


def station_of(
    session: Session,
    order: Waiting,
    now: datetime,
    *,
    cache: ReadCache | None = None,
    pending: ChangeSet | None = None,
) -> Station | None:
    """The order's station row: from the writer's floor when it is kept (``cache``)."""
    if order.station_id is None:
        return None
    if cache is not None:
        floor = load_floor(session, order.event_id, now, cache=cache, pending=pending)
        if (row := floor.rows.get(str(order.station_id))) is not None:
            return row
    return session.get(Station, order.station_id)


def open_orders(session: Session, event_id: int, customer_id: int | None) -> list[Order]:
    """Not yet collected or cancelled, newest first (as rows of the session, to change)."""
    ids = [row[0] for row in _open(session, event_id, customer_id, MAX_OPEN_ORDERS)]
    if not ids:
        return []
    found = {o.id: o for o in session.exec(select(Order).where(col(Order.id).in_(ids)))}
    return [found[i] for i in ids if i in found]


def _open(session: Session, event_id: int, customer_id: int | None, limit: int) -> list[Any]:
    if customer_id is None:
        return []
    session.flush()  # as an ORM query would: rows changed in this transaction count
    params = (customer_id, event_id, *OPEN_STATUSES, limit)
    return raw.execute(session, _OPEN_ORDERS, params).fetchall()


def wait_for(
    session: Session,
    order: Waiting,
    now: datetime,
    *,
    cache: ReadCache | None = None,
    pending: ChangeSet | None = None,
    station: Station | None = None,
) -> int | None:
    """Minutes until ``order`` should be ready: the drinks ahead of it at its station (itself
    included) at the station's measured pace. None once it is ready or has no station. In the
    writer (``pending``: its change set) the drinks ahead come from ``cache``'s followed
    queues, not from a count over every waiting order. ``station``: its row, if at hand."""
    if order.station_id is None or order.status not in WAITING_STATUSES:
        return None
    if station is None or station.id != order.station_id:
        station = session.get(Station, order.station_id)
    if station is None:
        return None
    waiting = cache.waiting if cache is not None else None
    ahead = None
    if waiting is not None and pending is not None:
        engine = session.get_bind()
        ahead = waiting.drinks_ahead(engine, order.event_id, order.id, pending)  # type: ignore[arg-type]
    if ahead is None:
        ahead = _drinks_ahead(session, order)
    return _minutes(session, station, ahead, now)


def _drinks_ahead(session: Session, order: Waiting) -> int:
    query = (
        select(func.coalesce(func.sum(OrderItem.quantity), 0))
        .join(Order, col(Order.id) == col(OrderItem.order_id))
        .where(
            Order.station_id == order.station_id,
            col(Order.status).in_(WAITING_STATUSES),
            Order.deleted == False,  # noqa: E712
            OrderItem.deleted == False,  # noqa: E712
            col(Order.created_at) <= order.created_at,
        )
    )
    if order.status == "in_progress":  # being made: only its own drinks are left
        query = query.where(Order.id == order.id)
    return int(session.exec(query).one())


def _minutes(session: Session, station: Station, ahead: int, now: datetime) -> int:
    at = _AT(now) if _AT else now
    session.flush()  # a shift added in this transaction counts
    (on_shift,) = raw.first(session, _ON_SHIFT, (station.id, at, at))
    per_drink = station.make_time_s or DEFAULT_MAKE_TIME_S
    return max(1, math.ceil(ahead * per_drink / max(1, on_shift) / 60))
