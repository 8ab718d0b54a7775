"""/api/v1/messages: the SMS log, and texting an order's customer through the outbound queue."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints
from sqlmodel import Session, col, select

from expresso_desktop.core.staff import Permission
from expresso_desktop.server.api_base import Api, Ctx, Id, Strict
from expresso_desktop.server.schemas import MessageOut
from expresso_desktop.services.writer import Tx
from expresso_desktop.sms.outbound.manual import text_order
from expresso_desktop.store.tables import SmsMessage

api = Api("messages")


class MessageQuery(Strict):
    direction: Literal["in", "out"] | None = None
    kind: str | None = Field(default=None, max_length=20)
    status: str | None = Field(default=None, max_length=30)
    order_id: str | None = Field(default=None, max_length=64)
    before_id: Id | None = Field(default=None, description="page backwards from here")
    limit: int = Field(default=100, ge=1, le=500)


class SendIn(Strict):
    text: Annotated[str, StringConstraints(min_length=1, max_length=480)]


@api.op(
    "GET",
    "/messages",
    "The SMS log, newest first (numbers masked)",
    permission=Permission.MANAGE_EVENT,
    query=MessageQuery,
    response=list[MessageOut],
)
async def list_messages(ctx: Ctx) -> list[MessageOut]:
    q: MessageQuery = ctx.query

    def read(session: Session) -> list[MessageOut]:
        query = select(SmsMessage)
        for column, value in (
            (SmsMessage.direction, q.direction),
            (SmsMessage.kind, q.kind),
            (SmsMessage.status, q.status),
            (SmsMessage.order_id, q.order_id),
        ):
            if value is not None:
                query = query.where(column == value)
        if q.before_id is not None:
            query = query.where(col(SmsMessage.id) < q.before_id)
        rows = session.exec(query.order_by(col(SmsMessage.id).desc()).limit(q.limit))
        return [MessageOut.of(m) for m in rows.all()]

    return await ctx.read(read)


@api.op(
    "POST",
    "/orders/{order_id}/messages",
    "Text an order's customer (queued, rate-limited)",
    permission=Permission.MESSAGE_CUSTOMER,
    body=SendIn,
    response=MessageOut,
    status=202,
    errors=(403, 404, 409),
)
async def send_to_customer(ctx: Ctx) -> MessageOut:
    order_id, text, actor = ctx.str_param("order_id"), ctx.body.text, ctx.actor

    def write(tx: Tx) -> MessageOut:
        return MessageOut.of(text_order(tx, order_id, text, actor=actor))

    return await ctx.write(write)
