"""Rows of the synced tables as data: JSON images, raw copies for snapshots, a canonical hash.

Two encodings travel between organiser and station:

- an *image* (``change_log.data_json``, what ``services.changes.emit`` records): the row as
  JSON, datetimes as ISO text. ``db_values`` turns it back into column values; unknown keys are
  ignored so that an older station accepts a newer organiser's rows (sync.md 4.9).
- a *raw* row (snapshots): the values exactly as SQLite stores them. Both databases share one
  schema, so copying stored values is exact and avoids converting 10,000s of rows twice.

``state_hash`` is the convergence check of the simulation and the scenario tests (I5).

Some columns never leave the organiser (``PRIVATE``, issue 15): a station gets a placeholder
in snapshots, pulled images and live events, and the hash covers the same redacted view.
"""

from __future__ import annotations

import functools
import gc
import hashlib
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import date, datetime, time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from . import raw
from .tables import SYNCED_TABLES
from .types import UtcDateTime

TABLES: dict[str, sa.Table] = {
    model.__tablename__: model.__table__  # type: ignore[attr-defined,misc]
    for model in SYNCED_TABLES
}
ORDERED: tuple[str, ...] = tuple(TABLES)  # parents before children

# Columns no device may read, and what it gets instead (None, or "" where NOT NULL): PIN
# hashes (4–8 digits: brute-forced offline in minutes), and the sync id of the station that
# made a stock movement (with it another device could speak as that station).
PRIVATE: dict[str, dict[str, Any]] = {
    "staff_users": {"pin_hash": None},
    "stock_movements": {"client_id": ""},
}


def redact(entity: str, image: Mapping[str, Any]) -> dict[str, Any]:
    """``image`` as a device may read it (a copy only when something is hidden)."""
    hidden = PRIVATE.get(entity)
    if not hidden or hidden.keys().isdisjoint(image):
        return image if isinstance(image, dict) else dict(image)
    return {k: hidden.get(k, v) for k, v in image.items()}


@functools.cache
def _visible_columns(entity: str) -> str:
    """The SELECT list of a synced table with private columns replaced by their placeholder."""
    hidden = PRIVATE.get(entity, {})
    out = []
    for column in table(entity).columns:
        if column.name in hidden:
            value = hidden[column.name]
            out.append(f'{"NULL" if value is None else repr(value)} AS "{column.name}"')
        else:
            out.append(f'"{column.name}"')
    return ", ".join(out)


def table(entity: str) -> sa.Table:
    try:
        return TABLES[entity]
    except KeyError:
        raise KeyError(f"{entity!r} is not a synced table") from None


def pk_column(entity: str) -> sa.Column[Any]:
    return next(iter(table(entity).primary_key.columns))


def pk_value(entity: str, entity_id: str) -> Any:
    column = pk_column(entity)
    return int(entity_id) if isinstance(column.type, sa.Integer) else entity_id


def _decode(column: sa.Column[Any], value: Any) -> Any:
    if value is None:
        return None
    kind = column.type
    if isinstance(kind, UtcDateTime | sa.DateTime) and isinstance(value, str):
        return datetime.fromisoformat(value)
    if isinstance(kind, sa.Date) and isinstance(value, str):
        return date.fromisoformat(value)
    if isinstance(kind, sa.Time) and isinstance(value, str):
        return time.fromisoformat(value)
    return value


def db_values(entity: str, image: Mapping[str, Any]) -> dict[str, Any]:
    """Column values for ``image`` (keys the table does not have are dropped)."""
    columns = table(entity).columns
    return {key: _decode(columns[key], value) for key, value in image.items() if key in columns}


def to_image(value: Any) -> Any:
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return value


def image_of(row: Mapping[str, Any] | RowMapping) -> dict[str, Any]:
    return {key: to_image(value) for key, value in row.items()}


def upsert(conn: Connection, entity: str, image: Mapping[str, Any]) -> None:
    """Insert or update one row from its image. Never ``INSERT OR REPLACE``: replacing deletes
    first, and the delete would cascade to the row's children."""
    Writes(conn).upsert(entity, image).flush()


class Writes:
    """Row writes in ``conn``'s transaction, run in the order given: plain statements on the
    driver's connection (SQLAlchemy's per-statement work cost ~10x the SQL when a pulled page
    is applied), consecutive writes of one statement as one ``executemany``. Values go through
    the columns' own bind processors, so rows are stored exactly as Core stores them."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._sql: str | None = None
        self._rows: list[tuple[Any, ...]] = []

    def upsert(self, entity: str, image: Mapping[str, Any]) -> Writes:
        plan = _upsert_plan(entity, frozenset(image))
        if plan is None:  # a column the image lacks has a Python-side default: Core fills it
            self.flush()
            values = db_values(entity, image)
            self.conn.execute(_upsert_statement(entity, frozenset(values)), values)
            return self
        sql, converters = plan
        return self._add(sql, tuple(convert(image[key]) for key, convert in converters))

    def delete(self, entity: str, entity_id: str) -> Writes:
        return self._add(_DELETE[entity], (pk_value(entity, entity_id),))

    def tombstone(self, entity: str, entity_id: str, version: int) -> Writes:
        """A pulled delete: keep the row (children may still point at it), flag it deleted."""
        return self._add(_TOMBSTONE[entity], (version, pk_value(entity, entity_id)))

    def _add(self, sql: str, row: tuple[Any, ...]) -> Writes:
        if sql != self._sql:
            self.flush()
            self._sql = sql
        self._rows.append(row)
        return self

    def flush(self) -> None:
        if self._sql is None:
            return
        sql, rows = self._sql, self._rows
        self._sql, self._rows = None, []
        if not self.conn.in_transaction():
            self.conn.begin()  # what Core's first statement would do (the store's BEGIN)
        try:
            _driver(self.conn).executemany(sql, rows)
        except sqlite3.Error as exc:
            raise _wrapped(self.conn, sql, exc) from exc


Converter = Callable[[Any], Any]


@functools.cache
def _upsert_plan(
    entity: str, keys: frozenset[str]
) -> tuple[str, tuple[tuple[str, Converter], ...]] | None:
    """The INSERT … ON CONFLICT DO UPDATE of ``_upsert_statement`` for images with ``keys``,
    and how each value is stored; None when Core must fill a default the image lacks."""
    t = table(entity)
    columns = sorted(k for k in keys if k in t.columns)
    if any(c.default is not None and c.name not in keys for c in t.columns):
        return None
    pk = pk_column(entity).name
    names = ", ".join(f'"{c}"' for c in columns)
    marks = ", ".join("?" for _ in columns)
    updates = ", ".join(f'"{c}" = excluded."{c}"' for c in columns if c != pk)
    action = f"DO UPDATE SET {updates}" if updates else "DO NOTHING"
    sql = f'INSERT INTO "{entity}" ({names}) VALUES ({marks}) ON CONFLICT ("{pk}") {action}'
    return sql, tuple((c, _converter(t.columns[c])) for c in columns)


def _converter(column: sa.Column[Any]) -> Converter:
    """Image value → stored value: ``_decode``, then the column type's bind processor."""
    bind = raw.bind_processor(column)
    parse = _parser(column)
    if parse is None:
        return bind or _same
    if bind is None:
        return lambda value: parse(value) if isinstance(value, str) else value
    return lambda value: bind(parse(value) if isinstance(value, str) else value)


def _same(value: Any) -> Any:
    return value


def _parser(column: sa.Column[Any]) -> Converter | None:
    """What ``_decode`` does to the column's ISO text, decided once."""
    kind = column.type
    if isinstance(kind, UtcDateTime | sa.DateTime):
        return datetime.fromisoformat
    if isinstance(kind, sa.Date):
        return date.fromisoformat
    if isinstance(kind, sa.Time):
        return time.fromisoformat
    return None


_DELETE = {name: f'DELETE FROM "{name}" WHERE "{pk_column(name).name}" = ?' for name in TABLES}
_TOMBSTONE = {
    name: f'UPDATE "{name}" SET deleted = 1, row_version = ? WHERE "{pk_column(name).name}" = ?'
    for name in TABLES
}


@functools.cache
def _upsert_statement(entity: str, columns: frozenset[str]) -> Any:
    # Built once per table and column set: constructing statements dominated applying pages.
    from sqlalchemy.dialects.sqlite import insert

    pk = pk_column(entity).name
    statement = insert(table(entity))
    updates = {k: statement.excluded[k] for k in sorted(columns) if k != pk}
    if updates:
        return statement.on_conflict_do_update(index_elements=[pk], set_=updates)
    return statement.on_conflict_do_nothing(index_elements=[pk])


def read_image(conn: Connection, entity: str, entity_id: str) -> dict[str, Any] | None:
    """The row's image, read like ``Writes`` writes (mutators read a row per tap)."""
    sql, keys, readers = _read_plan(entity)
    if not conn.in_transaction():
        conn.begin()  # what Core's first statement would do (the store's BEGIN)
    try:
        row = _driver(conn).execute(sql, (pk_value(entity, entity_id),)).fetchone()
    except sqlite3.Error as exc:
        raise _wrapped(conn, sql, exc) from exc
    if row is None:
        return None
    return {
        key: value if read is None or value is None else read(value)
        for key, read, value in zip(keys, readers, row, strict=True)
    }


@functools.cache
def _read_plan(entity: str) -> tuple[str, tuple[str, ...], tuple[Converter | None, ...]]:
    """The SELECT by primary key, and what turns each stored value into its image."""
    columns = list(table(entity).columns)
    names = ", ".join(f'"{c.name}"' for c in columns)
    sql = f'SELECT {names} FROM "{entity}" WHERE "{pk_column(entity).name}" = ?'
    return sql, tuple(c.name for c in columns), tuple(_reader(c) for c in columns)


def _reader(column: sa.Column[Any]) -> Converter | None:
    """Stored value → image value: the column type's result processor, then ``to_image``."""
    result = raw.result_processor(column)
    if result is None:
        return None
    return lambda value: to_image(result(value))


def _wrapped(conn: Connection, sql: str, exc: sqlite3.Error) -> sa.exc.StatementError:
    """``exc`` as Core raises it (an ``IntegrityError`` stays one), without the row values."""
    return sa.exc.DBAPIError.instance(
        sql, None, exc, sqlite3.Error, hide_parameters=True, dialect=conn.dialect
    )


# -- raw copies (snapshots) ------------------------------------------------------------------


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic garbage collection while a snapshot's 100,000s of row objects are built or
    decoded: they all survive, and the collector would walk the growing heap again and again
    (the first download after start-up spent most of its JSON decoding there)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def read_raw(conn: Connection) -> dict[str, dict[str, Any]]:
    """Every synced row as stored (private columns redacted), tombstones included (live rows
    may reference them).

    Read through the driver's cursor, inside ``conn``'s transaction: SQLAlchemy's row objects
    cost more than the SQLite read itself for the 10,000s of rows of a snapshot."""
    driver = _driver(conn)
    out: dict[str, dict[str, Any]] = {}
    for name in ORDERED:
        cursor = driver.execute(f'SELECT {_visible_columns(name)} FROM "{name}"')
        columns = [d[0] for d in cursor.description]
        out[name] = {"columns": columns, "rows": list(map(list, cursor.fetchall()))}
    return out


def wipe(conn: Connection) -> None:
    for name in reversed(ORDERED):
        conn.exec_driver_sql(f'DELETE FROM "{name}"')


def write_raw(conn: Connection, tables: Mapping[str, Mapping[str, Any]]) -> int:
    """Insert a snapshot's raw rows (columns this schema lacks are dropped). Returns the count.

    One ``executemany`` per table on the driver's cursor, inside ``conn``'s transaction; the
    rows are copied only when some column must be dropped (a newer organiser). CHECK
    constraints are not evaluated a second time (a quarter of the insert's cost): each row
    passed the same constraints when the organiser stored it. Foreign keys still are."""
    driver = _driver(conn)
    driver.execute("PRAGMA ignore_check_constraints = ON")
    try:
        return sum(_insert_raw(driver, name, tables.get(name)) for name in ORDERED)
    finally:
        driver.execute("PRAGMA ignore_check_constraints = OFF")


BULK_ROWS = 1000  # from this many rows into an empty table, its indexes are built afterwards


def _insert_raw(driver: sqlite3.Connection, name: str, data: Mapping[str, Any] | None) -> int:
    if not data or not data.get("rows"):
        return 0
    empty = driver.execute(f'SELECT 1 FROM "{name}" LIMIT 1').fetchone() is None
    if len(data["rows"]) < BULK_ROWS or not empty:
        return _insert_rows(driver, name, data)
    # Into an empty table (a download): one sorted build per secondary index after the rows
    # costs less than updating each index row by row. Same transaction: all or nothing.
    indexes = driver.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ?"
        " AND sql IS NOT NULL",
        (name,),
    ).fetchall()
    for index, _sql in indexes:
        driver.execute(f'DROP INDEX "{index}"')
    count = _insert_rows(driver, name, data)
    for _index, sql in indexes:
        driver.execute(sql)
    return count


def _insert_rows(driver: sqlite3.Connection, name: str, data: Mapping[str, Any]) -> int:
    given: list[str] = list(data["columns"])
    keep = [i for i, c in enumerate(given) if c in table(name).columns]
    rows = data["rows"]
    if len(keep) < len(given):
        rows = [[row[i] for i in keep] for row in rows]
    columns = ", ".join(f'"{given[i]}"' for i in keep)
    marks = ", ".join("?" for _ in keep)
    driver.executemany(f'INSERT INTO "{name}" ({columns}) VALUES ({marks})', rows)
    return len(rows)


def _driver(conn: Connection) -> sqlite3.Connection:
    """The SQLite connection under ``conn`` (same transaction)."""
    driver = conn.connection.driver_connection
    assert isinstance(driver, sqlite3.Connection)
    return driver


# -- convergence -----------------------------------------------------------------------------


def state_hash(conn: Connection, entities: Iterable[str] = ORDERED) -> str:
    """A canonical hash of every live synced row as devices see it (``PRIVATE`` redacted):
    equal on two databases iff they agree.

    Hashes the stored values: both sides write rows through the same column types, so equal
    rows are stored identically (a snapshot copies them verbatim)."""
    digest = hashlib.sha256()
    for name in entities:
        pk = pk_column(name).name
        rows = conn.exec_driver_sql(
            f'SELECT {_visible_columns(name)} FROM "{name}" WHERE deleted = 0 ORDER BY "{pk}"'
        )
        digest.update(name.encode())
        for row in rows:
            digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()
