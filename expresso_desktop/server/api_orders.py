"""/api/v1/orders: the queue, one order with its texts and timeline, walk-ins, taps, undo,
moves, batches.

A thin adapter: the handlers build the calling device's ``Actor`` and call the order
services, whose rulebook (``services/order_rules.py``) decides; a refusal comes back as a
``Problem`` naming the order (403 ``forbidden``, 422 ``cannot_make`` with the field, 409 for the
rest: ``taken_by:<n>``, ``not_your_station``, ``superseded``…)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints
from sqlmodel import Session, col, select

from expresso_desktop.core.actors import Actor
from expresso_desktop.core.errors import DomainError, ValidationError
from expresso_desktop.core.staff import Permission
from expresso_desktop.server.api_base import Api, Ctx, Id, Name, Strict, Version
from expresso_desktop.server.schemas import (
    BatchOut,
    BatchResult,
    MessageOut,
    OrderDetail,
    OrderOut,
    OrderStatus,
    TimelineOut,
)
from expresso_desktop.services import order_actions, order_history, orders
from expresso_desktop.services.orders import OrderNotFound
from expresso_desktop.services.writer import Tx
from expresso_desktop.store.repositories import orders_repo
from expresso_desktop.store.tables import Order, SmsMessage

api = Api("orders")
PersonName = Annotated[Name, StringConstraints(min_length=1, max_length=60)]
Reason = Annotated[str, StringConstraints(min_length=1, max_length=200)]


class OrderQuery(Strict):
    station_id: Id | None = None
    status: str | None = Field(default=None, description="comma-separated statuses")
    since: Version | None = Field(default=None, description="only rows changed after version")
    limit: int = Field(default=200, ge=1, le=1000)


class ItemIn(Strict):
    drink: Annotated[Name, StringConstraints(min_length=1, max_length=40)]
    size: Annotated[Name, StringConstraints(max_length=20)] | None = None
    milk: Annotated[Name, StringConstraints(max_length=30)] | None = None
    sugar: int = Field(default=0, ge=0, le=10)
    quantity: int = Field(default=1, ge=1, le=20)
    extras: list[Annotated[Name, StringConstraints(max_length=30)]] = Field(
        default_factory=list, max_length=10
    )


class WalkInIn(Strict):
    items: list[ItemIn] = Field(min_length=1, max_length=20)
    customer_name: PersonName | None = None
    station_id: Id | None = Field(
        default=None, description="default: the calling barista's station, else routed"
    )
    notes: str | None = Field(default=None, max_length=200)
    vip: bool = False
    id: Annotated[str, StringConstraints(min_length=8, max_length=64)] | None = Field(
        default=None, description="client-generated id: re-sending it is idempotent"
    )


class CancelIn(Strict):
    reason: Reason


class MoveIn(Strict):
    station_id: Id


class BatchIn(Strict):
    action: Literal["start", "ready", "collect", "cancel", "undo"]
    order_ids: list[Annotated[str, StringConstraints(min_length=1, max_length=64)]] = Field(
        min_length=1, max_length=50
    )
    reason: Reason | None = None


def _out(session: Session, order: Order) -> OrderOut:
    return OrderOut.of(order, list(orders_repo.items(order.id, session=session)))


@api.op(
    "GET",
    "/orders",
    "List orders",
    permission=Permission.READ_BOARD,
    query=OrderQuery,
    response=list[OrderOut],
)
async def list_orders(ctx: Ctx) -> list[OrderOut]:
    q: OrderQuery = ctx.query
    statuses = [s.strip() for s in q.status.split(",")] if q.status else []
    for s in statuses:
        if s not in OrderStatus.__args__:  # type: ignore[attr-defined]
            raise ValidationError(f"unknown status {s!r}", field="status")

    def read(session: Session) -> list[OrderOut]:
        query = select(Order).where(Order.deleted == False, Order.event_id == ctx.services.event_id)  # noqa: E712
        if q.station_id is not None:
            query = query.where(Order.station_id == q.station_id)
        if statuses:
            query = query.where(col(Order.status).in_(statuses))
        if q.since is not None:
            query = query.where(Order.row_version > q.since)
        rows = session.exec(query.order_by(col(Order.created_at), col(Order.id)).limit(q.limit))
        return [_out(session, o) for o in rows.all()]

    return await ctx.read(read)


@api.op(
    "GET",
    "/orders/{order_id}",
    "One order with its items, texts and timeline",
    permission=Permission.READ_BOARD,
    response=OrderDetail,
    errors=(404,),
)
async def get_order(ctx: Ctx) -> OrderDetail:
    order_id = ctx.str_param("order_id")

    def read(session: Session) -> OrderDetail:
        order = orders_repo.get(order_id, session=session)
        if order is None:
            raise OrderNotFound(f"no order {order_id}")
        texts = session.exec(
            select(SmsMessage)
            .where(SmsMessage.order_id == order_id)
            .order_by(col(SmsMessage.created_at), col(SmsMessage.id))
        ).all()
        messages = [MessageOut.of(m) for m in texts]  # numbers masked, organisers' too
        timeline = [
            TimelineOut.model_validate(asdict(entry))
            for entry in order_history.timeline(session, order.id)
        ]
        return OrderDetail(
            **_out(session, order).model_dump(), messages=messages, timeline=timeline
        )

    return await ctx.read(read)


@api.op(
    "POST",
    "/orders",
    "Create a walk-in order",
    permission=Permission.ORDER_CREATE,
    body=WalkInIn,
    response=OrderOut,
    status=201,
    errors=(409, 422),
)
async def create_order(ctx: Ctx) -> OrderOut:
    body: WalkInIn = ctx.body
    services, actor = ctx.services, ctx.actor
    station_id = body.station_id if body.station_id is not None else actor.station_id
    specs = order_actions.drink_specs([i.model_dump() for i in body.items], services.menu)

    def write(tx: Tx) -> OrderOut:
        if station_id is not None:
            order = order_actions.create_at_station(
                tx,
                event_id=services.event_id,
                station_id=station_id,
                specs=specs,
                menu=services.menu,
                customer_name=body.customer_name,
                notes=body.notes,
                vip=body.vip,
                order_id=body.id,
                actor=actor,
            )
        else:
            placed = orders.place_order(
                tx,
                event_id=services.event_id,
                menu=services.menu,
                items=specs,
                customer_name=body.customer_name,
                source="walk_in",
                vip=body.vip,
                actor=actor,
            )
            if not isinstance(placed, orders.PlacedOrder):
                raise DomainError(
                    f"no station can take this order ({placed.reason})", code="unroutable"
                )
            order = placed.order
        return _out(tx.session, order)

    return await ctx.write(write)


_PERMISSION = {
    "start": Permission.ORDER_PROGRESS,
    "ready": Permission.ORDER_PROGRESS,
    "undo": Permission.ORDER_PROGRESS,
    "collect": Permission.ORDER_COLLECT,
    "cancel": Permission.ORDER_CANCEL,
}


def _action(actor: Actor, action: str, reason: str | None) -> Callable[[Tx, str], Order]:
    """The writer-side function for one tap by ``actor`` (the services check the rules)."""

    def apply(tx: Tx, order_id: str) -> Order:
        if action == "start":
            return orders.start_order(tx, order_id, actor=actor)
        if action == "ready":
            return orders.mark_ready(tx, order_id, actor=actor)
        if action == "collect":
            return orders.collect_order(tx, order_id, actor=actor)
        if action == "cancel":
            if not reason:
                raise ValidationError("say why the order is cancelled", field="reason")
            return orders.cancel_order(tx, order_id, reason, actor=actor)
        return order_actions.undo_last(tx, order_id, actor=actor)

    return apply


def _tap(action: str, summary: str, body: type[BaseModel] | None = None) -> None:
    @api.op(
        "POST",
        f"/orders/{{order_id}}/{action}",
        summary,
        permission=_PERMISSION[action],
        body=body,
        response=OrderOut,
        errors=(404, 409),
    )
    async def tap(ctx: Ctx) -> OrderOut:
        apply = _action(ctx.actor, action, getattr(ctx.body, "reason", None))
        order_id = ctx.str_param("order_id")
        return await ctx.write(lambda tx: _out(tx.session, apply(tx, order_id)))


_tap("start", "Start making an order")
_tap("ready", "Mark an order ready (the customer is texted)")
_tap("collect", "Mark an order collected")
_tap("cancel", "Cancel an order, saying why", CancelIn)
_tap("undo", "Take back the last tap on an order")


@api.op(
    "POST",
    "/orders/{order_id}/move",
    "Move an order to another station",
    permission=Permission.ORDER_MOVE,
    body=MoveIn,
    response=OrderOut,
    errors=(404, 409, 422),
)
async def move_order(ctx: Ctx) -> OrderOut:
    order_id, to, actor = ctx.str_param("order_id"), ctx.body.station_id, ctx.actor
    menu = ctx.services.menu

    def write(tx: Tx) -> OrderOut:
        order = order_actions.move_order(tx, order_id, to, menu=menu, actor=actor)
        return _out(tx.session, order)

    return await ctx.write(write)


@api.op(
    "POST",
    "/orders/batch",
    "Apply one tap to several orders",
    permission=Permission.ORDER_PROGRESS,
    body=BatchIn,
    response=BatchOut,
)
async def batch(ctx: Ctx) -> BatchOut:
    body: BatchIn = ctx.body
    apply = _action(ctx.actor, body.action, body.reason)

    def write(tx: Tx) -> BatchOut:
        results = []
        for order_id in dict.fromkeys(body.order_ids):
            try:
                # One savepoint per order: a refused one leaves the others applied.
                with tx.savepoint():
                    order = apply(tx, order_id)
                results.append(
                    BatchResult(order_id=order_id, ok=True, order=_out(tx.session, order))
                )
            except DomainError as exc:
                results.append(
                    BatchResult(order_id=order_id, ok=False, error=exc.code, message=exc.reason)
                )
        return BatchOut(results=results)

    return await ctx.write(write)
