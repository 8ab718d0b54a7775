"""Shapes the LAN API answers with (request bodies live beside their routes).

Names are the API's, not the tables': ``extras`` not ``extras_json``. ``station_id`` is always
the station's database id; ``station_number`` is the number people say ("station 2").
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from expresso_desktop.core.orders import StatusName
from expresso_desktop.core.privacy import mask_phone
from expresso_desktop.store.tables import Order, OrderEventAction, OrderItem, SmsMessage

OrderStatus = StatusName  # core's statuses (``core.orders``)


class Problem(BaseModel):
    """Every error answer."""

    error: str = Field(description="stable machine-readable code")
    message: str
    field: str | None = Field(default=None, description="the offending field, when there is one")
    reasons: list[dict[str, Any]] | None = None


class ItemOut(BaseModel):
    id: str
    drink: str
    size: str
    milk: str
    sugar: int
    quantity: int
    extras: list[str]
    position: int

    @classmethod
    def of(cls, row: OrderItem) -> ItemOut:
        return cls(
            id=row.id,
            drink=row.drink,
            size=row.size,
            milk=row.milk,
            sugar=row.sugar,
            quantity=row.quantity,
            extras=list(row.extras_json or []),
            position=row.position,
        )


class OrderOut(BaseModel):
    id: str
    number: str | None
    status: OrderStatus
    station_id: int | None
    customer_name: str | None
    source: Literal["sms", "walk_in", "group"]
    vip: bool
    group_id: str | None
    notes: str | None
    cancel_reason: str | None
    assign_version: int
    row_version: int
    created_at: datetime
    started_at: datetime | None
    ready_at: datetime | None
    collected_at: datetime | None
    cancelled_at: datetime | None
    items: list[ItemOut]

    @classmethod
    def of(cls, order: Order, items: list[OrderItem]) -> OrderOut:
        return cls(
            **order.model_dump(
                include={
                    "id",
                    "number",
                    "status",
                    "station_id",
                    "customer_name",
                    "source",
                    "vip",
                    "group_id",
                    "notes",
                    "cancel_reason",
                    "assign_version",
                    "row_version",
                    "created_at",
                    "started_at",
                    "ready_at",
                    "collected_at",
                    "cancelled_at",
                }
            ),
            items=[ItemOut.of(i) for i in items],
        )


class MessageOut(BaseModel):
    id: int
    direction: Literal["in", "out"]
    kind: str
    status: str
    body: str
    from_number: str
    to_number: str
    order_id: str | None
    customer_id: int | None
    error_code: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, row: SmsMessage) -> MessageOut:
        """Phone numbers are always masked: an organiser who needs one asks for it by
        customer (``GET /customers/{customer_id}/phone``, logged)."""
        assert row.id is not None
        return cls(
            id=row.id,
            direction=row.direction,
            kind=row.kind,
            status=row.status,
            body=row.body,
            from_number=mask_phone(row.from_number),
            to_number=mask_phone(row.to_number),
            order_id=row.order_id,
            customer_id=row.customer_id,
            error_code=row.error_code,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )


class TimelineOut(BaseModel):
    """One action on an order: what was done, where, by whom (the staff member logged in at
    the device; null when nobody was, or for the organiser and customers' texts)."""

    at: datetime
    action: OrderEventAction
    from_status: OrderStatus | None
    to_status: OrderStatus | None
    station: int | None = Field(description="the number of the station the order was at")
    staff: str | None = Field(description="the staff member's name")
    device: str | None = Field(description="the paired device's name")
    detail: str | None = Field(description="a cancel's reason, a move's stations, new drinks")


class OrderDetail(OrderOut):
    messages: list[MessageOut]
    timeline: list[TimelineOut] = Field(description="who did what to the order, oldest first")


class BatchResult(BaseModel):
    order_id: str
    ok: bool
    error: str | None = None
    message: str | None = None
    order: OrderOut | None = None


class BatchOut(BaseModel):
    results: list[BatchResult]
