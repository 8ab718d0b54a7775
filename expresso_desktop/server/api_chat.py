"""/api/v1/chat: station ↔ organiser channels, append-only ("all" or "station:<id>")."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints
from sqlmodel import Session, col, select

from expresso_desktop.core.staff import Permission
from expresso_desktop.server.api_base import Api, Ctx, Forbidden, Instant, Strict, Version
from expresso_desktop.services import event_settings
from expresso_desktop.services.order_actions import live_station
from expresso_desktop.services.writer import Tx
from expresso_desktop.store.tables import ChatMessage

api = Api("chat")
Channel = Annotated[str, StringConstraints(pattern=r"^(all|station:\d{1,9})$")]


class ChatQuery(Strict):
    channel: Channel | None = None
    since: Version | None = Field(default=None, description="messages after this version")
    limit: int = Field(default=200, ge=1, le=1000)


class ChatIn(Strict):
    channel: Channel
    body: Annotated[str, StringConstraints(min_length=1, max_length=1000)]
    id: Annotated[str, StringConstraints(min_length=8, max_length=64)] | None = Field(
        default=None, description="client-generated id: re-sending it is idempotent"
    )
    client_ts: Instant | None = None


class ChatOut(BaseModel):
    id: str
    channel: str
    author: str
    body: str
    client_ts: datetime | None
    created_at: datetime
    row_version: int = Field(description="display order")


def _channels(ctx: Ctx) -> list[str] | None:
    """The channels a device may read and write (None: all of them)."""
    if ctx.is_organiser:
        return None
    own = [f"station:{ctx.device.station_id}"] if ctx.device.station_id is not None else []
    return ["all", *own]


@api.op(
    "GET",
    "/chat",
    "Chat messages in display order",
    permission=Permission.CHAT,
    query=ChatQuery,
    response=list[ChatOut],
)
async def list_chat(ctx: Ctx) -> list[ChatOut]:
    q: ChatQuery = ctx.query
    allowed = _channels(ctx)
    if q.channel is not None and allowed is not None and q.channel not in allowed:
        raise Forbidden("this device may not read that channel")

    def read(session: Session) -> list[ChatMessage]:
        query = select(ChatMessage).where(ChatMessage.deleted == False)  # noqa: E712
        if q.channel is not None:
            query = query.where(ChatMessage.channel == q.channel)
        elif allowed is not None:
            query = query.where(col(ChatMessage.channel).in_(allowed))
        if q.since is not None:
            query = query.where(ChatMessage.row_version > q.since)
        return list(session.exec(query.order_by(col(ChatMessage.row_version)).limit(q.limit)))

    rows = await ctx.read(read)
    return [ChatOut.model_validate(m, from_attributes=True) for m in rows]


@api.op(
    "POST",
    "/chat",
    "Post a chat message",
    permission=Permission.CHAT,
    body=ChatIn,
    response=ChatOut,
    status=201,
    errors=(403, 422),
)
async def post_chat(ctx: Ctx) -> ChatOut:
    body: ChatIn = ctx.body
    allowed = _channels(ctx)
    if allowed is not None and body.channel not in allowed:
        raise Forbidden("this device may not post to that channel")
    message = ChatMessage(
        channel=body.channel, author=ctx.device.name, body=body.body, client_ts=body.client_ts
    )
    if body.id:
        message.id = body.id

    def write(tx: Tx) -> ChatMessage:
        if body.channel.startswith("station:"):
            live_station(tx.session, int(body.channel.split(":")[1]), field="channel")
        return event_settings.post_chat(tx, message)

    saved = await ctx.write(write)
    return ChatOut.model_validate(saved, from_attributes=True)
