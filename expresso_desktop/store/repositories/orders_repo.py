"""Orders: readable numbers, creation with items, and the queries the core needs first."""

from collections.abc import Iterable, Sequence

from sqlmodel import Session, col, select

from expresso_desktop.core import orders as core_orders
from expresso_desktop.core.orders import format_order_number

from .. import raw
from ..tables_orders import (
    Order,
    OrderCreate,
    OrderItem,
    OrderItemPublic,
    OrderPublic,
)

# What a station's queue shows: everything not yet collected or cancelled (core's list).
OPEN_STATUSES: tuple[str, ...] = tuple(s.value for s in core_orders.OPEN_STATUSES)


def next_order_number(event_id: int, *, session: Session) -> str:
    """Allocate the event's next number, inside the caller's write transaction.

    The counter row is bumped (or created) and read back in one statement, in the same
    transaction as the order that uses it; ``write_session`` holds the write lock from BEGIN, so
    two writers cannot both get the same value. A number is never handed out twice, even if its
    order is later deleted. (Plain SQL: it runs for every order, and the counter is never
    loaded as an object anywhere else.)
    """
    (value,) = raw.first(session, _BUMP_COUNTER, (event_id,))
    return format_order_number(int(value))


_BUMP_COUNTER = (
    "INSERT INTO order_number_counters (event_id, last_value) VALUES (?, 1)"
    " ON CONFLICT (event_id) DO UPDATE SET last_value = last_value + 1 RETURNING last_value"
)


def create(data: OrderCreate, *, session: Session, number: str | None = None) -> Order:
    """Insert an order and its items, numbered from the event's counter unless ``number`` is
    given (a replica storing an order the organiser already numbered)."""
    order = Order.model_validate(
        data.model_dump(exclude={"items"}),
        update={"number": number or next_order_number(data.event_id, session=session)},
    )
    return _insert(order, data, session=session)


def create_unnumbered(data: OrderCreate, *, session: Session) -> Order:
    """Insert an order without a number: a walk-in taken at a station while offline."""
    order = Order.model_validate(data.model_dump(exclude={"items"}))
    return _insert(order, data, session=session)


def get(order_id: str, *, session: Session) -> Order | None:
    order = session.get(Order, order_id)
    return None if order is None or order.deleted else order


def get_by_number(event_id: int, number: str, *, session: Session) -> Order | None:
    query = select(Order).where(
        Order.event_id == event_id,
        Order.number == number.upper(),
        Order.deleted == False,  # noqa: E712
    )
    return session.exec(query).first()


def items(order_id: str, *, session: Session) -> Sequence[OrderItem]:
    query = (
        select(OrderItem)
        .where(OrderItem.order_id == order_id, OrderItem.deleted == False)  # noqa: E712
        .order_by(col(OrderItem.position))
    )
    return session.exec(query).all()


def get_public(order_id: str, *, session: Session) -> OrderPublic | None:
    """The order with its items, detached from the session (for the UI and the API)."""
    order = get(order_id, session=session)
    if order is None:
        return None
    return OrderPublic.model_validate(
        order,
        update={
            "items": [OrderItemPublic.model_validate(i) for i in items(order_id, session=session)]
        },
    )


def list_by_station(
    station_id: int,
    *,
    session: Session,
    statuses: Iterable[str] = OPEN_STATUSES,
) -> Sequence[Order]:
    """A station's orders in arrival order (VIP precedence is the queue's business, not ours)."""
    query = (
        select(Order)
        .where(
            Order.station_id == station_id,
            col(Order.status).in_(list(statuses)),
            Order.deleted == False,  # noqa: E712
        )
        .order_by(col(Order.created_at), col(Order.id))
    )
    return session.exec(query).all()


def _insert(order: Order, data: OrderCreate, *, session: Session) -> Order:
    session.add(order)
    session.flush()  # the order row before its items: there are no ORM relationships to sort them
    for position, item in enumerate(data.items):
        session.add(
            OrderItem.model_validate(item, update={"order_id": order.id, "position": position})
        )
    session.flush()
    return order
