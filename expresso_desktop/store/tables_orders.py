"""Orders, their items, group orders and the per-event order-number counter.

Ids are client-generated uuid4 text: a station creates walk-in orders while offline.
"""

from datetime import datetime
from typing import Literal, get_args

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from expresso_desktop.core.orders import ORDER_STATUSES, StatusName

from .types import (
    Synced,
    check_in,
    counter_field,
    flag_field,
    json_field,
    new_uuid,
    partial_index,
    text_choice,
    utc_field,
)

# The statuses are core's (``core.orders``: the state machine and its one vocabulary).
OrderStatus = StatusName
OrderSource = Literal["sms", "walk_in", "group"]
ORDER_SOURCES: tuple[str, ...] = get_args(OrderSource)


class OrderItemBase(SQLModel):
    drink: str
    size: str = "medium"
    milk: str = "full cream"
    sugar: int = 0
    quantity: int = 1
    extras_json: list[str] = json_field(list)


class OrderItemCreate(OrderItemBase):
    pass


class OrderItem(OrderItemBase, Synced, table=True):
    __tablename__ = "order_items"
    __table_args__ = (
        sa.CheckConstraint("quantity > 0", name="quantity_positive"),
        sa.CheckConstraint("sugar >= 0", name="sugar_not_negative"),
    )

    id: str = Field(default_factory=new_uuid, primary_key=True)
    order_id: str = Field(foreign_key="orders.id", ondelete="CASCADE", index=True)
    position: int = 0


class OrderItemPublic(OrderItemBase):
    id: str
    position: int


class OrderBase(SQLModel):
    customer_name: str | None = None
    station_id: int | None = Field(default=None, foreign_key="stations.id", ondelete="SET NULL")
    source: OrderSource = text_choice("sms")
    vip: bool = flag_field()
    group_id: str | None = Field(default=None, foreign_key="group_orders.id", ondelete="SET NULL")
    notes: str | None = None


class OrderCreate(OrderBase):
    id: str = Field(default_factory=new_uuid)  # the client's, so that re-sending is idempotent
    event_id: int
    customer_id: int | None = None
    items: list[OrderItemCreate]


class OrderUpdate(SQLModel):
    """What may change while an order is ``new`` (sync.md 4.5: last writer wins)."""

    customer_name: str | None = None
    notes: str | None = None


class Order(OrderBase, Synced, table=True):
    """One customer's order. ``status`` only moves forward (new < in_progress < ready <
    collected; cancelled is terminal): the state machine in ``core`` enforces it.

    ``customer_id`` has no foreign key on purpose: customers (phone numbers) stay on the
    organiser, so a station's replica holds orders whose customer rows it never sees.
    ``number`` is NULL only on a replica, for a walk-in created offline that the organiser has
    not numbered yet.
    """

    __tablename__ = "orders"
    __table_args__ = (
        sa.UniqueConstraint("event_id", "number"),
        check_in("status", ORDER_STATUSES),
        check_in("source", ORDER_SOURCES),
        sa.Index("ix_orders_station_status", "station_id", "status"),
        sa.Index("ix_orders_event_status", "event_id", "status"),
        # What grows with the event without them: a station's latest drinks (its make time,
        # on every Done) and the notifier's sweep of recent ready and cancelled orders. Partial
        # (migration 0006): a new order has no group, ready or cancel time, so storing it
        # writes none of these four (every page an insert touches is written and synced again).
        partial_index("ix_orders_group_id", "group_id", where="group_id IS NOT NULL"),
        partial_index(
            "ix_orders_station_ready_at", "station_id", "ready_at", where="ready_at IS NOT NULL"
        ),
        partial_index(
            "ix_orders_status_ready_at", "status", "ready_at", where="ready_at IS NOT NULL"
        ),
        partial_index(
            "ix_orders_status_cancelled_at",
            "status",
            "cancelled_at",
            where="cancelled_at IS NOT NULL",
        ),
    )

    id: str = Field(default_factory=new_uuid, primary_key=True)
    event_id: int = Field(foreign_key="events.id", ondelete="CASCADE")
    number: str | None = None
    customer_id: int | None = Field(default=None, index=True)
    status: OrderStatus = text_choice("new")
    assign_version: int = counter_field()
    cancel_reason: str | None = None
    created_at: datetime = utc_field(default="now")
    started_at: datetime | None = utc_field()
    ready_at: datetime | None = utc_field()
    collected_at: datetime | None = utc_field()
    cancelled_at: datetime | None = utc_field()
    reminder_sent_at: datetime | None = utc_field()


class OrderPublic(OrderBase):
    id: str
    event_id: int
    number: str | None
    customer_id: int | None
    status: OrderStatus
    assign_version: int
    cancel_reason: str | None
    created_at: datetime
    started_at: datetime | None
    ready_at: datetime | None
    collected_at: datetime | None
    cancelled_at: datetime | None
    reminder_sent_at: datetime | None
    items: list[OrderItemPublic] = Field(default_factory=list)


class GroupOrder(Synced, table=True):
    """One person ordering for a team: linked orders, one pickup text."""

    __tablename__ = "group_orders"

    id: str = Field(default_factory=new_uuid, primary_key=True)
    event_id: int = Field(foreign_key="events.id", ondelete="CASCADE")
    organiser_name: str
    customer_id: int | None = Field(default=None, index=True)  # no FK: see Order
    pickup_notified: bool = flag_field()
    created_at: datetime = utc_field(default="now")


class OrderNumberCounter(SQLModel, table=True):
    """The last order number handed out per event (organiser only; never synced).

    A counter rather than MAX(number): a number a customer was texted is never reused, even
    after its order row is gone.
    """

    __tablename__ = "order_number_counters"

    event_id: int = Field(foreign_key="events.id", primary_key=True, ondelete="CASCADE")
    last_value: int = counter_field()
