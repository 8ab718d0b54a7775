"""Order services: place an order (routed, then stored) and move it along its lifecycle.

``store_order`` is the one way an order and its items are written: placing by text or at the
API routes first and then stores; walk-ins and group orders (``services.order_actions``) store
at the station they were taken at.

Every function runs inside the single writer: it takes the writer's ``Tx`` and records each row
it writes through ``changes.emit``, so the change log (the stations' feed) stays complete. The SMS
conversation, the LAN API and the sync layer all call these same functions.
"""

from __future__ import annotations

import logging
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from expresso_desktop.core.actors import ORGANISER, Actor
from expresso_desktop.core.errors import DomainError, IllegalTransition
from expresso_desktop.core.items import DrinkSpec
from expresso_desktop.core.menu import Menu
from expresso_desktop.core.orders import Action, OrderStatus, Timestamps, transition
from expresso_desktop.core.routing import Unroutable, route
from expresso_desktop.core.staff import Permission
from expresso_desktop.services import order_history, order_rules, stock
from expresso_desktop.services.changes import emit_new_rows, emit_update, fetch, loaded
from expresso_desktop.services.read_cache import ReadCache
from expresso_desktop.services.station_views import load_floor
from expresso_desktop.services.writer import Tx
from expresso_desktop.store import raw
from expresso_desktop.store.repositories import orders_repo
from expresso_desktop.store.tables import Order, OrderItem, OrderSource, Station
from expresso_desktop.store.types import new_uuid, utcnow

log = logging.getLogger(__name__)

# A station's make time is the median of its last drinks; fewer samples than this say nothing.
MAKE_TIME_SAMPLES = 20
MAKE_TIME_MIN_SAMPLES = 3
# The reason stored when customers cancel by text. Their reply already confirms it, so whoever
# texts cancellations (the outbound notifier) can tell these apart and stay quiet.
CUSTOMER_CANCEL_REASON = "cancelled by the customer"


class OrderNotFound(DomainError):
    code = "not_found"


@dataclass(frozen=True)
class PlacedOrder:
    """A stored order, the station it went to, and the wait promised to the customer."""

    order: Order
    items: Sequence[OrderItem]
    station: Station
    wait_minutes: int
    reason: str


def place_order(
    tx: Tx,
    *,
    event_id: int,
    menu: Menu,
    items: Sequence[DrinkSpec],
    customer_id: int | None = None,
    customer_name: str | None = None,
    source: OrderSource = "sms",
    requested_station: int | None = None,
    vip: bool = False,
    now: datetime | None = None,
    cache: ReadCache | None = None,
    actor: Actor = ORGANISER,
) -> PlacedOrder | Unroutable:
    """Route ``items`` to a station and store the order, or say why no station can take it.

    Nothing is written when the order cannot be routed (no number is used up). ``cache`` keeps
    the stations, stock and schedule between calls (a hot path: the SMS webhook).
    """
    if not items:
        raise DomainError("an order needs at least one drink", code="empty_order")
    order_rules.require(actor, Permission.ORDER_CREATE, "take orders")
    now = now or utcnow()
    floor = load_floor(tx.session, event_id, now, cache=cache, pending=tx.changes)
    decision = route(
        items, floor.views, menu, now=now, requested_station=requested_station, vip=vip
    )
    if isinstance(decision, Unroutable):
        return decision
    station = floor.station(decision.station_id)
    order, rows = store_order(
        tx,
        event_id=event_id,
        station_id=station.id,
        specs=items,
        customer_id=customer_id,
        customer_name=customer_name,
        source=source,
        vip=vip,
        now=now,
        actor=actor,
    )
    log.info("order %s → station %s (%s)", order.number, station.number, decision.reason)
    return PlacedOrder(order, rows, station, decision.wait_minutes, decision.reason)


def store_order(
    tx: Tx,
    *,
    event_id: int,
    station_id: int | None,
    specs: Sequence[DrinkSpec],
    customer_id: int | None = None,
    customer_name: str | None = None,
    notes: str | None = None,
    vip: bool = False,
    source: OrderSource = "sms",
    group_id: str | None = None,
    order_id: str | None = None,
    now: datetime | None = None,
    actor: Actor = ORGANISER,
    in_session: bool = True,
) -> tuple[Order, list[OrderItem]]:
    """The one way an order is stored on the organiser: numbered from the event's counter, its
    drinks as items in their order, and every row emitted (the order before its items, which
    reference it), its history begun by ``actor``. ``order_id`` is the client's id when it
    chose one (a station's walk-in); deciding whether to store at all (routing, idempotent
    resends, the rules) is the caller's business.

    The objects returned are in the session (a later change to them is an UPDATE), unless
    ``in_session`` is False: then they are snapshots of the rows written, for a caller that only
    reads them (the SMS conversation: ~0.2 ms less per text)."""
    if not specs:
        raise DomainError("an order needs at least one drink", code="empty_order")
    session = tx.session
    order = _ORDER_DEFAULTS | {
        "id": order_id if order_id is not None else new_uuid(),
        "event_id": event_id,
        "number": orders_repo.next_order_number(event_id, session=session),
        "customer_id": customer_id,
        "customer_name": customer_name,
        "station_id": station_id,
        "source": source,
        "vip": vip,
        "group_id": group_id,
        "notes": notes,
        "created_at": now or utcnow(),
    }
    items = [
        _ITEM_DEFAULTS
        | {
            "id": new_uuid(),
            "order_id": order["id"],
            "position": position,
            "drink": spec.drink,
            "size": spec.size,
            "milk": spec.milk,
            "sugar": spec.sugar,
            "quantity": spec.quantity,
            "extras_json": list(spec.extras),
        }
        for position, spec in enumerate(specs)
    ]
    # Every text's path: the order, its items and their log rows in three statements, from
    # plain values (no model is validated); the objects returned join the session as loaded.
    emit_new_rows(session, tx.changes, [("orders", order), *(("order_items", i) for i in items)])
    attach = session if in_session else None
    stored = loaded(attach, Order, order)
    rows = [loaded(attach, OrderItem, item) for item in items]
    order_history.record(tx, stored, "placed", actor, from_status=None, at=stored.created_at)
    return stored, rows


# Every column's default, as ``Order(...)``/``OrderItem(...)`` would fill it in.
_ORDER_DEFAULTS = Order(event_id=0).model_dump(exclude={"id", "created_at"})
_ITEM_DEFAULTS = OrderItem(order_id="", drink="").model_dump(exclude={"id"})


def start_order(
    tx: Tx, order_id: str, *, now: datetime | None = None, actor: Actor = ORGANISER
) -> Order:
    """Start making an order; a barista's Start on an unassigned New order claims it."""
    return _move(tx, order_id, Action.START, now, actor)


def mark_ready(
    tx: Tx, order_id: str, *, now: datetime | None = None, actor: Actor = ORGANISER
) -> Order:
    order = _move(tx, order_id, Action.READY, now, actor)
    stock.consume_for_order(tx, order)  # Done: the recipe comes out of the station's stock
    _update_make_time(tx, order)
    return order


def collect_order(
    tx: Tx, order_id: str, *, now: datetime | None = None, actor: Actor = ORGANISER
) -> Order:
    order = _move(tx, order_id, Action.COLLECT, now, actor)
    stock.consume_for_order(tx, order)  # collected without a Done: it was made all the same
    return order


def cancel_order(
    tx: Tx,
    order_id: str,
    reason: str,
    *,
    now: datetime | None = None,
    actor: Actor = ORGANISER,
) -> Order:
    return _move(tx, order_id, Action.CANCEL, now, actor, reason=reason)


def get_order(tx: Tx, order_id: str) -> Order:
    order = fetch(tx.session, Order, order_id)
    if order is None or order.deleted:
        raise OrderNotFound(f"no order {order_id}")
    return order


def _move(
    tx: Tx,
    order_id: str,
    action: Action,
    now: datetime | None,
    actor: Actor,
    *,
    reason: str | None = None,
) -> Order:
    """Apply ``action`` if the rules let ``actor`` (``order_rules``) and the core state machine
    allows it (IllegalTransition naming the order if not), stamp the time the order reached
    its new status, and record the change and who made it."""
    session = tx.session
    order = get_order(tx, order_id)
    order_rules.check_tap(session, actor, order, action)
    before = order.status
    try:
        status = transition(OrderStatus(before), action)
    except IllegalTransition as exc:
        raise IllegalTransition(
            f"{order_rules.label(order)}: {exc.reason}", code=exc.code
        ) from None
    at = now or utcnow()
    stamps = _timestamps(order).stamped(status, at)
    changed: dict[str, Any] = {
        "status": status.value,
        "started_at": stamps.started_at,
        "ready_at": stamps.ready_at,
        "collected_at": stamps.collected_at,
        "cancelled_at": stamps.cancelled_at,
    }
    if order_rules.claims(actor, order, action):
        changed["station_id"] = actor.station_id
        changed["assign_version"] = order.assign_version + 1
    if reason is not None:
        changed["cancel_reason"] = reason
    # Every tap's path (a station's push, the LAN API): one plain UPDATE, no ORM flush.
    emit_update(session, tx.changes, "orders", order, changed)
    order_history.record(tx, order, action.value, actor, from_status=before, at=at, detail=reason)
    return order


def _timestamps(order: Order) -> Timestamps:
    return Timestamps(
        created_at=order.created_at,
        started_at=order.started_at,
        ready_at=order.ready_at,
        collected_at=order.collected_at,
        cancelled_at=order.cancelled_at,
    )


def _update_make_time(tx: Tx, order: Order) -> None:
    """Keep the station's measured seconds-per-drink (the median of its recent drinks) fresh:
    it is what wait estimates multiply the queue by."""
    if order.station_id is None:
        return
    session = tx.session
    session.flush()  # what the ORM holds unwritten is read as it stands
    # The station's latest drinks by (station_id, ready_at), then each one's drink count, in
    # one plain statement (every Done of a station's push asks).
    recent = raw.execute(session, _RECENT_DRINKS, (order.station_id,)).fetchall()
    samples = []
    for created_at, started_at, ready_at, drinks in recent:
        stamps = Timestamps(_utc_of(created_at), _stored_utc(started_at), _stored_utc(ready_at))
        seconds = stamps.make_seconds()
        if seconds is not None and drinks:
            samples.append(seconds / drinks)
    if len(samples) < MAKE_TIME_MIN_SAMPLES:
        return
    station = fetch(session, Station, order.station_id)
    if station is None:
        return
    median = round(statistics.median(samples), 1)
    if station.make_time_s != median:
        emit_update(session, tx.changes, "stations", station, {"make_time_s": median})


def _utc_of(text: str) -> datetime:
    """A ``UtcDateTime`` column's stored text ("2025-03-01 09:30:00.000000") as the aware
    datetime the ORM reads."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _stored_utc(text: str | None) -> datetime | None:
    return None if text is None else _utc_of(text)


# A join grouped before the limit read every drink the station ever made (22 ms at 5,000).
_RECENT_DRINKS = (
    "SELECT created_at, started_at, ready_at,"
    " (SELECT SUM(quantity) FROM order_items WHERE order_items.order_id = orders.id)"
    " FROM orders WHERE station_id = ? AND ready_at IS NOT NULL AND deleted = 0"
    f" ORDER BY ready_at DESC LIMIT {MAKE_TIME_SAMPLES}"
)
