"""Rows of the synced tables as data: JSON images, raw copies for snapshots, a canonical hash.

Two encodings travel between organiser and station:

- an *image* (``change_log.data_json``, what ``services.changes.emit`` records): the row as
  JSON, datetimes as ISO text. ``db_values`` turns it back into column values; unknown keys are
  ignored so that an older station accepts a newer organiser's rows (sync.md 4.9).
- a *raw* row (snapshots): the values exactly as SQLite stores them. Both databases share one
  schema, so copying stored values is exact and avoids converting 10,000s of rows twice.

``state_hash`` is the convergence check of the simulation and the scenario tests (I5).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .tables import SYNCED_TABLES
from .types import UtcDateTime

TABLES: dict[str, sa.Table] = {
    model.__tablename__: model.__table__  # type: ignore[attr-defined,misc]
    for model in SYNCED_TABLES
}
ORDERED: tuple[str, ...] = tuple(TABLES)  # parents before children


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


def image_of(row: Mapping[str, Any]) -> dict[str, Any]:
    return {key: to_image(value) for key, value in row.items()}


def upsert(conn: Connection, entity: str, image: Mapping[str, Any]) -> None:
    """Insert or update one row from its image. Never ``INSERT OR REPLACE``: replacing deletes
    first, and the delete would cascade to the row's children."""
    from sqlalchemy.dialects.sqlite import insert

    values = db_values(entity, image)
    pk = pk_column(entity).name
    statement = insert(table(entity)).values(values)
    updates = {k: statement.excluded[k] for k in values if k != pk}
    if updates:
        statement = statement.on_conflict_do_update(index_elements=[pk], set_=updates)
    else:
        statement = statement.on_conflict_do_nothing(index_elements=[pk])
    conn.execute(statement)


def read_image(conn: Connection, entity: str, entity_id: str) -> dict[str, Any] | None:
    t = table(entity)
    row = (
        conn.execute(sa.select(t).where(pk_column(entity) == pk_value(entity, entity_id)))
        .mappings()
        .first()
    )
    return None if row is None else image_of(row)


def delete_row(conn: Connection, entity: str, entity_id: str) -> None:
    t = table(entity)
    conn.execute(sa.delete(t).where(pk_column(entity) == pk_value(entity, entity_id)))


def tombstone(conn: Connection, entity: str, entity_id: str, version: int) -> None:
    """A pulled delete: keep the row (children may still point at it), flag it deleted."""
    t = table(entity)
    conn.execute(
        sa.update(t)
        .where(pk_column(entity) == pk_value(entity, entity_id))
        .values(deleted=True, row_version=version)
    )


# -- raw copies (snapshots) ------------------------------------------------------------------


def read_raw(conn: Connection) -> dict[str, dict[str, Any]]:
    """Every synced row as stored, tombstones included (live rows may reference them)."""
    out: dict[str, dict[str, Any]] = {}
    for name in ORDERED:
        cursor = conn.exec_driver_sql(f'SELECT * FROM "{name}"')
        columns = [d[0] for d in cursor.cursor.description] if cursor.cursor else []
        out[name] = {"columns": columns, "rows": [list(r) for r in cursor.fetchall()]}
    return out


def wipe(conn: Connection) -> None:
    for name in reversed(ORDERED):
        conn.exec_driver_sql(f'DELETE FROM "{name}"')


def write_raw(conn: Connection, tables: Mapping[str, Mapping[str, Any]]) -> int:
    """Insert a snapshot's raw rows (columns this schema lacks are dropped). Returns the count."""
    count = 0
    for name in ORDERED:
        data = tables.get(name)
        if not data or not data.get("rows"):
            continue
        known = set(table(name).columns.keys())
        keep = [i for i, c in enumerate(data["columns"]) if c in known]
        columns = ", ".join(f'"{data["columns"][i]}"' for i in keep)
        marks = ", ".join("?" for _ in keep)
        rows = [tuple(row[i] for i in keep) for row in data["rows"]]
        conn.exec_driver_sql(f'INSERT INTO "{name}" ({columns}) VALUES ({marks})', rows)
        count += len(rows)
    return count


# -- convergence -----------------------------------------------------------------------------


def live_rows(conn: Connection, entity: str) -> list[dict[str, Any]]:
    t = table(entity)
    rows = conn.execute(
        sa.select(t).where(t.c.deleted == sa.false()).order_by(pk_column(entity))
    ).mappings()
    return [image_of(r) for r in rows]


def state_hash(conn: Connection, entities: Iterable[str] = ORDERED) -> str:
    """A canonical hash of every live synced row: equal on two databases iff they agree."""
    digest = hashlib.sha256()
    for name in entities:
        for row in live_rows(conn, name):
            digest.update(name.encode())
            digest.update(json.dumps(row, sort_keys=True, default=str).encode())
    return digest.hexdigest()
