"""Who did what to each order, and when (``order_events``, the organiser's own table).

The order services record every action here — whatever path it came by: the LAN API, a
station's sync, a customer's text, the organiser's window — with one INSERT in the action's
own transaction (so a refused or rolled-back action leaves no trace). Read back as an order's
timeline (the LAN API's order detail) and as staff stats (drinks made, median make time).
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, func, select

from expresso_desktop.core.actors import Actor
from expresso_desktop.services.changes import fetch
from expresso_desktop.services.writer import Tx
from expresso_desktop.store import raw
from expresso_desktop.store.tables import (
    Device,
    Order,
    OrderEvent,
    OrderItem,
    StaffUser,
    Station,
)
from expresso_desktop.store.types import utcnow

_TABLE = OrderEvent.__table__  # type: ignore[attr-defined]
# Plain SQL (store/raw.py): every order-creating text writes one.
_INSERT = raw.Insert(_TABLE, [c.key for c in _TABLE.columns if c.key != "id"])


def record(
    tx: Tx,
    order: Order,
    action: str,
    actor: Actor,
    *,
    from_status: str | None,
    at: datetime | None = None,
    detail: str | None = None,
) -> None:
    """One row for one action on ``order`` (already flushed: the row references it; ``action``
    is one of ``ORDER_EVENT_ACTIONS``, which the table checks). The actor's staff member is
    recorded only if the organiser knows them and they are active: a station may name someone
    since removed, and that never refuses the tap."""
    _INSERT.one(
        tx.session,
        {
            "order_id": order.id,
            "at": at or utcnow(),
            "action": action,
            "from_status": from_status,
            "to_status": order.status,
            "station_id": order.station_id,
            "staff_id": known_staff(tx.session, actor.staff_id),
            "device_id": actor.device_id,
            "client_id": actor.client_id,
            "detail": detail,
        },
    )


def known_staff(session: Session, staff_id: int | None) -> int | None:
    """``staff_id`` if it names an active staff member, else None."""
    if staff_id is None:
        return None
    person = fetch(session, StaffUser, staff_id)  # kept for the transaction: every tap asks
    if person is None or person.deleted or not person.active:
        return None
    return staff_id


# -- an order's timeline ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One action as people read it: the station's number, the staff member's and the
    device's names (None when unknown or not involved)."""

    at: datetime
    action: str
    from_status: str | None
    to_status: str | None
    station: int | None
    staff: str | None
    device: str | None
    client_id: str
    detail: str | None


def timeline(session: Session, order_id: str) -> list[TimelineEntry]:
    """Everything done to an order, oldest first."""
    rows = session.exec(
        select(OrderEvent, Station.number, StaffUser.name, Device.name)
        .outerjoin(Station, col(Station.id) == col(OrderEvent.station_id))
        .outerjoin(StaffUser, col(StaffUser.id) == col(OrderEvent.staff_id))
        .outerjoin(Device, col(Device.id) == col(OrderEvent.device_id))
        .where(OrderEvent.order_id == order_id)
        .order_by(col(OrderEvent.id))
    ).all()
    return [
        TimelineEntry(
            at=e.at,
            action=e.action,
            from_status=e.from_status,
            to_status=e.to_status,
            station=station,
            staff=staff,
            device=device,
            client_id=e.client_id,
            detail=e.detail,
        )
        for e, station, staff, device in rows
    ]


# -- staff stats -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StaffStats:
    """Orders (and drinks) this person made — their Done stands, not taken back by an undo —
    and the median seconds from Start (or from the order arriving, if nobody tapped Start)
    to their Done."""

    orders_made: int
    drinks_made: int
    median_make_s: float | None


def staff_stats(session: Session, staff_id: int) -> StaffStats:
    made = _made_by(session, staff_id)
    if not made:
        return StaffStats(0, 0, None)
    drinks = session.exec(
        select(func.sum(OrderItem.quantity)).where(
            col(OrderItem.order_id).in_(list(made)),
            OrderItem.deleted == False,  # noqa: E712
        )
    ).one()
    median = round(statistics.median(made.values()), 1)
    return StaffStats(len(made), int(drinks or 0), median)


def _made_by(session: Session, staff_id: int) -> dict[str, float]:
    """The orders whose standing Done is this person's, with its make time in seconds."""
    credited = select(OrderEvent.order_id).where(
        OrderEvent.staff_id == staff_id, OrderEvent.action == "ready"
    )
    rows = session.exec(
        select(OrderEvent, Order.created_at)
        .join(Order, col(Order.id) == col(OrderEvent.order_id))
        .where(col(OrderEvent.order_id).in_(credited), Order.deleted == False)  # noqa: E712
        .order_by(col(OrderEvent.order_id), col(OrderEvent.id))
    ).all()
    by_order: dict[str, list[OrderEvent]] = {}
    arrived: dict[str, datetime] = {}
    for event, created_at in rows:
        by_order.setdefault(event.order_id, []).append(event)
        arrived[event.order_id] = created_at
    made: dict[str, float] = {}
    for order_id, events in by_order.items():
        done = _standing_done(events)
        if done is not None and done[0] == staff_id:
            begin = done[2] or arrived[order_id]
            made[order_id] = max(0.0, (done[1] - begin).total_seconds())
    return made


def _standing_done(
    events: Sequence[OrderEvent],
) -> tuple[int | None, datetime, datetime | None] | None:
    """(who, when, started) of the Done that still stands after the order's undos."""
    started: datetime | None = None
    done: tuple[int | None, datetime, datetime | None] | None = None
    for e in events:
        if e.action == "start":
            started = e.at
        elif e.action == "ready":
            done = (e.staff_id, e.at, started)
        elif e.action == "undo" and e.to_status in ("new", "in_progress"):
            done = None  # the Done was taken back
            if e.to_status == "new":
                started = None
    return done
