"""Plain statements on the session's own SQLite connection: the per-text hot path's writes.

SQLAlchemy Core spends ~100 µs compiling, caching and wrapping each statement around the ~10 µs
SQLite needs; the SMS path runs a dozen per text. These run the same SQL through the same
connection, in the caller's transaction, with each column's own bind and result processing
(``UtcDateTime``, JSON, booleans: the values read and written are exactly what the ORM's would
be). SQLite's errors are raised as SQLAlchemy's (an ``IntegrityError`` stays one), without the
row values (the engine's ``hide_parameters``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from functools import partial
from typing import Any

import sqlalchemy as sa
import sqlalchemy.exc
from sqlalchemy.dialects import sqlite
from sqlmodel import Session

from .types import UtcDateTime

_DIALECT = sqlite.dialect()
_KEY = "expresso.raw"  # Session.info: (the session's (nested) transaction, its DBAPI connection)

Processor = Callable[[Any], Any] | None


def connection(session: Session) -> sqlite3.Connection:
    """The DBAPI connection of ``session``'s transaction (beginning it if need be)."""
    # Asked of the session once per (nested) transaction: the ORM emits a ``begin_nested``'s
    # SAVEPOINT only when something first asks it for the connection.
    where = session.get_nested_transaction() or session.get_transaction()
    known = session.info.get(_KEY)
    if known is not None and known[0] is where:
        return known[1]
    conn = session.connection().connection.driver_connection
    assert isinstance(conn, sqlite3.Connection)
    session.info[_KEY] = (where or session.get_transaction(), conn)
    return conn


def execute(session: Session, sql: str, params: Sequence[Any] = ()) -> sqlite3.Cursor:
    try:
        return connection(session).execute(sql, params)
    except sqlite3.Error as exc:
        raise _wrapped(sql, exc) from exc


def first(session: Session, sql: str, params: Sequence[Any] = ()) -> Any:
    """The first row of ``sql``'s result (None if there is none), the statement run to the
    end (an ``INSERT … RETURNING`` is complete, its statement reset)."""
    rows = execute(session, sql, params).fetchall()
    return rows[0] if rows else None


def execute_many(session: Session, sql: str, rows: Iterable[Sequence[Any]]) -> None:
    try:
        connection(session).executemany(sql, rows)
    except sqlite3.Error as exc:
        raise _wrapped(sql, exc) from exc


def _wrapped(sql: str, exc: sqlite3.Error) -> sqlalchemy.exc.StatementError:
    return sqlalchemy.exc.DBAPIError.instance(
        sql, None, exc, sqlite3.Error, hide_parameters=True, dialect=_DIALECT
    )


def bind_processor(column: sa.Column[Any]) -> Processor:
    if isinstance(column.type, UtcDateTime):
        return _utc_text
    return column.type.dialect_impl(_DIALECT).bind_processor(_DIALECT)


def _utc_text(value: datetime | None) -> str | None:
    """What a ``UtcDateTime`` column stores for ``value`` (its ``process_bind_param``, then
    SQLite's DATETIME text, "2025-03-01 09:30:00.000000"), in one step."""
    global _LAST_UTC
    last = _LAST_UTC
    if value is last[0] and value is not None:
        return last[1]  # the same moment again: a text's rows share their ``now``
    if value is None:
        return None
    if value.utcoffset() is None:
        raise ValueError(f"naive datetime {value!r}: pass an aware (UTC) datetime")
    utc = value if value.tzinfo is UTC else value.astimezone(UTC)  # mostly UTC already
    text = utc.replace(tzinfo=None).isoformat(" ", "microseconds")
    _LAST_UTC = (value, text)  # one tuple: a thread reads a matching pair or another one
    return text


# The last datetime converted (datetimes are immutable: the same object, the same text).
_LAST_UTC: tuple[datetime | None, str | None] = (None, None)


def result_processor(column: sa.Column[Any]) -> Processor:
    return column.type.dialect_impl(_DIALECT).result_processor(_DIALECT, None)


class Binder:
    """Values for ``columns`` as SQLite takes them: each column's own bind processing, worked
    out once (a missing key is NULL)."""

    def __init__(self, columns: Iterable[sa.Column[Any]]) -> None:
        cols = list(columns)
        self.keys = tuple(c.key for c in cols)
        self.processors = tuple(bind_processor(c) for c in cols)
        # What each column writes for None (NULL, or JSON's 'null'), worked out once.
        self.nones = tuple(None if p is None else p(None) for p in self.processors)

    def bind(self, row: Mapping[str, Any]) -> list[Any]:
        return [
            none if value is None else value if proc is None else proc(value)
            for value, proc, none in zip(
                map(row.get, self.keys), self.processors, self.nones, strict=True
            )
        ]


class Insert:
    """``INSERT INTO table (columns) VALUES (?, …)`` from mappings of column key → value
    (a missing key is NULL), ``RETURNING`` the ``returning`` columns if any."""

    def __init__(
        self, table: sa.Table, columns: Iterable[str], *, suffix: str = "", returning: str = ""
    ):
        cols = [table.columns[key] for key in columns]
        self.binder = Binder(cols)
        self.keys = self.binder.keys
        names = ", ".join(c.name for c in cols)
        marks = ", ".join("?" for _ in cols)
        self.sql = f"INSERT INTO {table.name} ({names}) VALUES ({marks}){suffix}"
        if returning:
            self.sql += f" RETURNING {returning}"

    def params(self, row: Mapping[str, Any]) -> tuple[Any, ...]:
        return tuple(self.binder.bind(row))

    def one(self, session: Session, row: Mapping[str, Any]) -> Any:
        """Insert ``row``; its ``RETURNING`` row, if the statement has one."""
        return first(session, self.sql, self.params(row))

    def many(self, session: Session, rows: Iterable[Mapping[str, Any]]) -> None:
        execute_many(session, self.sql, [self.params(row) for row in rows])


def direct_savepoints(dialect: Any) -> None:
    """SAVEPOINT, RELEASE and ROLLBACK TO straight to SQLite for ``dialect``'s engine: the
    default compiles each statement afresh (~0.2 ms, and every inbound text takes a savepoint).
    Connection and session keep their own bookkeeping (this is only how the SQL is sent)."""
    dialect.do_savepoint = partial(_savepoint, "SAVEPOINT")
    dialect.do_release_savepoint = partial(_savepoint, "RELEASE SAVEPOINT")
    dialect.do_rollback_to_savepoint = partial(_savepoint, "ROLLBACK TO SAVEPOINT")


def _savepoint(verb: str, connection: sa.Connection, name: str) -> None:
    sql = f'{verb} "{name}"'
    try:
        connection.connection.driver_connection.execute(sql)  # type: ignore[union-attr]
    except sqlite3.Error as exc:
        raise _wrapped(sql, exc) from exc
