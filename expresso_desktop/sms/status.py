"""A customer's open orders and how long each still has to wait (for STATUS and CANCEL)."""

from __future__ import annotations

import math
from datetime import datetime

from sqlmodel import Session, col, func, select

from expresso_desktop.core.routing import DEFAULT_MAKE_TIME_S
from expresso_desktop.services.changes import ChangeSet
from expresso_desktop.services.queues import WAITING_STATUSES
from expresso_desktop.services.read_cache import ReadCache
from expresso_desktop.store.repositories.orders_repo import OPEN_STATUSES
from expresso_desktop.store.tables import Order, OrderItem, Shift, Station

MAX_OPEN_ORDERS = 10


def open_orders(session: Session, event_id: int, customer_id: int | None) -> list[Order]:
    """Not yet collected or cancelled, newest first."""
    if customer_id is None:
        return []
    query = (
        select(Order)
        .where(
            Order.event_id == event_id,
            Order.customer_id == customer_id,
            col(Order.status).in_(OPEN_STATUSES),
            Order.deleted == False,  # noqa: E712
        )
        .order_by(col(Order.created_at).desc(), col(Order.id))
        .limit(MAX_OPEN_ORDERS)
    )
    return list(session.exec(query).all())


def wait_for(
    session: Session,
    order: Order,
    now: datetime,
    *,
    cache: ReadCache | None = None,
    pending: ChangeSet | None = None,
) -> int | None:
    """Minutes until ``order`` should be ready: the drinks ahead of it at its station (itself
    included) at the station's measured pace. None once it is ready or has no station. In the
    writer (``pending``: its change set) the drinks ahead come from ``cache``'s followed
    queues, not from a count over every waiting order."""
    if order.station_id is None or order.status not in WAITING_STATUSES:
        return None
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


def _drinks_ahead(session: Session, order: Order) -> int:
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
    shifts = session.exec(
        select(Shift).where(
            Shift.station_id == station.id,
            Shift.deleted == False,  # noqa: E712
            col(Shift.starts_at) <= now,
            col(Shift.ends_at) > now,
        )
    ).all()
    per_drink = station.make_time_s or DEFAULT_MAKE_TIME_S
    return max(1, math.ceil(ahead * per_drink / max(1, len(shifts)) / 60))
