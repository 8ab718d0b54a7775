"""Key → JSON value settings. Deleting leaves a tombstone so stations hear about it."""

from typing import Any

from sqlmodel import Session, select

from ..tables_event import Setting
from ..types import utcnow


def get(key: str, default: Any = None, *, session: Session) -> Any:
    row = session.get(Setting, key)
    if row is None or row.deleted:
        return default
    return row.value_json


def get_all(*, session: Session) -> dict[str, Any]:
    rows = session.exec(select(Setting).where(Setting.deleted == False))  # noqa: E712
    return {row.key: row.value_json for row in rows}


def put(key: str, value: Any, *, session: Session) -> Setting:
    """Insert or replace ``key``'s value (reviving it if it was deleted)."""
    row = session.get(Setting, key)
    if row is None:
        row = Setting(key=key, value_json=value)
        session.add(row)
    else:
        row.value_json = value
        row.deleted = False
        row.updated_at = utcnow()
    session.flush()
    return row


def delete(key: str, *, session: Session) -> Setting | None:
    """Tombstone ``key``; returns the row, or None if it never existed."""
    row = session.get(Setting, key)
    if row is not None and not row.deleted:
        row.deleted = True
        row.updated_at = utcnow()
        session.flush()
    return row
