"""Column types, constraint helpers and the mixin every synced table shares.

Importing this module sets the naming convention on ``SQLModel.metadata``: SQLite can only alter a
table by copying it (alembic's batch mode), and that needs every constraint to have a stable name.
"""

import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlmodel import Field, SQLModel

SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_uuid() -> str:
    return str(uuid.uuid4())


class UtcDateTime(sa.TypeDecorator[datetime]):
    """An aware datetime, stored as UTC text ("2025-03-01 09:30:00.000000") and read back aware.

    Naive datetimes are refused rather than guessed at: a station's local clock must never be
    mistaken for UTC. The stored text sorts in time order, so raw SQL can compare it too.
    """

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: pass an aware (UTC) datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


def utc_field(*, default: Literal["none", "now", "required"] = "none") -> Any:
    """A ``UtcDateTime`` column: nullable with ``default="none"``, else NOT NULL."""
    if default == "none":
        return Field(default=None, sa_type=UtcDateTime)
    if default == "now":
        return Field(default_factory=utcnow, sa_type=UtcDateTime)
    return Field(sa_type=UtcDateTime)


def json_field(default_factory: Callable[[], Any] | None = None) -> Any:
    """A JSON column; nullable when it has no default factory.

    Assign a new value to change it: in-place edits of a loaded dict or list are not tracked.
    """
    if default_factory is None:
        # none_as_null: Python None is SQL NULL here, not the JSON text 'null'.
        return Field(default=None, sa_type=sa.JSON(none_as_null=True))
    return Field(default_factory=default_factory, sa_type=sa.JSON)


def counter_field(default: int = 0) -> Any:
    """An integer with a server default, so raw SQL inserts (the sync layer) may omit it."""
    return Field(default=default, sa_column_kwargs={"server_default": sa.text(str(default))})


def flag_field(default: bool = False) -> Any:
    """A NOT NULL boolean stored as 0/1, with a server default."""
    return Field(
        default=default, sa_column_kwargs={"server_default": sa.text("1" if default else "0")}
    )


def text_choice(default: str, *, index: bool = False) -> Any:
    """An enum-like TEXT column (pair it with ``check_in``); the Python type is a Literal."""
    return Field(
        default=default,
        sa_type=sa.String,
        index=index,
        sa_column_kwargs={"server_default": sa.text(f"'{default}'")},
    )


def check_in(column: str, values: Iterable[str], *, nullable: bool = False) -> sa.CheckConstraint:
    """CHECK (column IN (...)), named after the column (``ck_<table>_<column>``)."""
    listed = ", ".join(f"'{value}'" for value in values)
    condition = f"{column} IN ({listed})"
    if nullable:
        condition = f"{column} IS NULL OR {condition}"
    return sa.CheckConstraint(condition, name=column)


def partial_index(name: str, *columns: str, where: str) -> sa.Index:
    """An index of the rows ``where`` holds only: a row outside it costs no index write (a
    query uses it when its own WHERE implies ``where``, e.g. ``x > ?`` implies x IS NOT NULL)."""
    return sa.Index(name, *columns, sqlite_where=sa.text(where))


class Synced(SQLModel):
    """Columns every table that replicates to stations carries (sync.md 4.1).

    ``row_version`` is the change_log version that last wrote the row (set by the sync layer's
    ``emit``); ``deleted`` makes deletes tombstones so that pulls can propagate them.
    """

    row_version: int = counter_field()
    deleted: bool = flag_field()
