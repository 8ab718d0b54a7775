"""Text messages (the SMS log and outbound queue) and station chat."""

from datetime import datetime
from typing import Literal, get_args

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from .types import Synced, check_in, counter_field, new_uuid, utc_field

SmsDirection = Literal["in", "out"]
SmsKind = Literal["inbound", "confirmation", "ready", "reminder", "cancellation", "manual", "reply"]
SMS_DIRECTIONS: tuple[str, ...] = get_args(SmsDirection)
SMS_KINDS: tuple[str, ...] = get_args(SmsKind)


class SmsMessageBase(SQLModel):
    direction: SmsDirection = Field(sa_type=sa.String)
    kind: SmsKind = Field(sa_type=sa.String)
    from_number: str
    to_number: str
    body: str
    order_id: str | None = Field(
        default=None, foreign_key="orders.id", ondelete="SET NULL", index=True
    )
    customer_id: int | None = Field(
        default=None, foreign_key="customers.id", ondelete="SET NULL", index=True
    )


class SmsMessageCreate(SmsMessageBase):
    # Outbound only: the same key twice is one text (a retried "ready" must not go out twice).
    dedupe_key: str | None = None
    expires_at: datetime | None = None


class SmsMessage(SmsMessageBase, table=True):
    """One text in or out. Outbound rows are the durable send queue: ``status`` 'pending' with
    ``next_attempt_at``; the sender moves them on. Organiser only (not synced).

    ``status`` is deliberately unchecked: it holds Twilio's delivery states as they arrive
    (queued, sent, delivered, undelivered, failed, received...) and Twilio adds new ones; a
    CHECK would turn an unexpected status callback into a lost update.
    """

    __tablename__ = "sms_messages"
    __table_args__ = (
        check_in("direction", SMS_DIRECTIONS),
        check_in("kind", SMS_KINDS),
        sa.Index("ix_sms_messages_status_next_attempt", "status", "next_attempt_at"),
        sa.Index("ix_sms_messages_created_at", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    sid: str | None = Field(default=None, unique=True)  # Twilio MessageSid
    status: str = "pending"
    dedupe_key: str | None = Field(default=None, unique=True)
    attempts: int = counter_field()
    next_attempt_at: datetime | None = utc_field()
    error_code: str | None = None
    expires_at: datetime | None = utc_field()  # a "ready" text an hour late is worse than none
    created_at: datetime = utc_field(default="now")
    updated_at: datetime = utc_field(default="now")


class SmsMessagePublic(SmsMessageBase):
    id: int
    sid: str | None
    status: str
    attempts: int
    error_code: str | None
    created_at: datetime
    updated_at: datetime


class ChatMessage(Synced, table=True):
    """Append-only station chat; display order is ``row_version`` (server commit order)."""

    __tablename__ = "chat_messages"
    __table_args__ = (sa.Index("ix_chat_messages_channel_version", "channel", "row_version"),)

    id: str = Field(default_factory=new_uuid, primary_key=True)
    channel: str  # "all", "station:2", ...
    author: str
    body: str
    client_ts: datetime | None = utc_field()  # the sender's clock: display only
    created_at: datetime = utc_field(default="now")
