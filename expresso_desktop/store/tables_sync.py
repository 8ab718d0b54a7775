"""Bookkeeping for sync (sync.md 4.1 organiser side, 4.2 station side).

Both roles share one schema, so both sets exist in every file; each role uses its own.
"""

from datetime import datetime
from typing import Any, Literal, get_args

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from .types import check_in, counter_field, text_choice, utc_field

MutationStatus = Literal["applied", "rejected"]
ChangeOp = Literal["upsert", "delete"]
OutboxStatus = Literal["pending", "acked", "rejected"]
MUTATION_STATUSES: tuple[str, ...] = get_args(MutationStatus)
CHANGE_OPS: tuple[str, ...] = get_args(ChangeOp)
OUTBOX_STATUSES: tuple[str, ...] = get_args(OutboxStatus)


# --- organiser (master) -------------------------------------------------------------------------


class SyncMeta(SQLModel, table=True):
    """'epoch', 'schema_version', 'min_retained_version', 'head_hint'."""

    __tablename__ = "sync_meta"

    k: str = Field(primary_key=True)
    v: str


class SyncClient(SQLModel, table=True):
    __tablename__ = "sync_clients"

    client_id: str = Field(primary_key=True)
    station_id: int | None = None  # no FK: the record outlives a deleted station
    role: str = text_choice("barista")
    last_mutation_seq: int = counter_field()  # Replicache's lastMutationID
    last_pulled_version: int = counter_field()
    last_seen: datetime | None = utc_field()
    app_version: str | None = None
    schema_version: int | None = None
    # The device whose token first said hello with this id: only it may use the id (NULL: the
    # organiser's own client, or a client registered before 0003 — the next hello binds it).
    device_id: int | None = Field(default=None, index=True)


class MutationLog(SQLModel, table=True):
    """Every mutation the organiser processed, keyed by its idempotency key (client_id, seq).

    ``version`` is the last change_log version it produced (head at commit for a rejected or
    no-op one), so it is monotone per client.
    """

    __tablename__ = "mutation_log"
    __table_args__ = (check_in("status", MUTATION_STATUSES),)

    client_id: str = Field(primary_key=True)
    seq: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    name: str
    args_json: dict[str, Any] = Field(sa_type=sa.JSON)
    status: MutationStatus = Field(sa_type=sa.String)
    reason: str | None = None
    message: str | None = None  # a rejection's reason for people ("A042: Station 2 can't…")
    version: int
    client_ts: datetime | None = utc_field()
    received_at: datetime = utc_field(default="now")


class ChangeLog(SQLModel, table=True):
    """The gap-free, commit-ordered log stations pull from; ``version`` is the cursor.

    AUTOINCREMENT so that a version is never reused, even after the newest rows are deleted.
    """

    __tablename__ = "change_log"
    __table_args__ = (
        check_in("op", CHANGE_OPS),
        sa.Index("ix_change_log_entity", "entity", "entity_id", "version"),
        {"sqlite_autoincrement": True},
    )

    version: int | None = Field(default=None, primary_key=True)
    entity: str  # the table name: "orders", "stock_items", ...
    entity_id: str  # the primary key as text
    op: ChangeOp = Field(sa_type=sa.String)
    data_json: dict[str, Any] | None = Field(default=None, sa_type=sa.JSON(none_as_null=True))
    origin_client: str | None = None
    origin_seq: int | None = None
    committed_at: datetime = utc_field(default="now")


# --- station (replica) --------------------------------------------------------------------------


class SyncState(SQLModel, table=True):
    """'client_id' (uuid4, once per file), 'epoch', 'cursor', 'acked_seq', 'next_seq',
    'server_clock_offset_ms'."""

    __tablename__ = "sync_state"

    k: str = Field(primary_key=True)
    v: str


class Outbox(SQLModel, table=True):
    """Mutations made at this station, in order. Acked rows stay until the event closes: they
    are the recovery source if the organiser's database is restored (sync.md 4.7)."""

    __tablename__ = "outbox"
    __table_args__ = (
        check_in("status", OUTBOX_STATUSES),
        sa.Index("ix_outbox_status_seq", "status", "seq"),
    )

    # Gapless, from sync_state 'next_seq' in the same transaction; never assigned by SQLite.
    seq: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    name: str
    args_json: dict[str, Any] = Field(sa_type=sa.JSON)
    client_ts: datetime = utc_field(default="now")
    status: OutboxStatus = text_choice("pending")
    reason: str | None = None
    message: str | None = None  # the organiser's words for a rejection, shown to the barista
    server_version: int | None = None
    attempts: int = counter_field()
    last_error: str | None = None
