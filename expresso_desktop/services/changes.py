"""Change sets: every write appends to the change log and tells subscribers after it commits.

``emit`` is the one place that writes ``change_log`` rows and stamps ``row_version``; the
transaction collects what it emitted and the bus announces it only once the commit succeeded, so
nobody ever hears of a change that was rolled back (design/sync.md, I4).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from sqlmodel import Session, SQLModel

from expresso_desktop.store.tables_sync import ChangeLog

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Change:
    """One committed change: the entity's full row image after it (None when deleted)."""

    version: int
    entity: str
    entity_id: str
    op: Literal["upsert", "delete"]
    data: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class Alert:
    """Something a person must look at (a terminal-state conflict, stock gone negative)."""

    kind: str
    message: str
    entity_id: str | None = None


@dataclass
class ChangeSet:
    """What one transaction changed; returned by every mutating service call."""

    changes: list[Change] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)

    def of(self, entity: str) -> list[Change]:
        return [c for c in self.changes if c.entity == entity]

    @property
    def head(self) -> int | None:
        return self.changes[-1].version if self.changes else None


def row_image(row: SQLModel) -> dict[str, Any]:
    return row.model_dump(mode="json")


def emit(
    session: Session,
    changeset: ChangeSet,
    entity: str,
    row: SQLModel,
    *,
    entity_id: str | None = None,
    origin: tuple[str, int] | None = None,
) -> Change:
    """Record ``row`` (already added to ``session``) as changed: a change_log row, its
    ``row_version``, and an entry in ``changeset``. Tombstoned rows are emitted as deletes."""
    session.flush()  # the row needs its primary key
    key = entity_id if entity_id is not None else str(row.id)  # type: ignore[attr-defined]
    op: Literal["upsert", "delete"] = "delete" if getattr(row, "deleted", False) else "upsert"
    entry = ChangeLog(
        entity=entity,
        entity_id=key,
        op=op,
        data_json=None,
        origin_client=origin[0] if origin else None,
        origin_seq=origin[1] if origin else None,
        committed_at=datetime.now(UTC),
    )
    session.add(entry)
    session.flush()  # allocates the version inside this write transaction
    assert entry.version is not None
    if hasattr(row, "row_version"):
        row.row_version = entry.version
        session.add(row)
        session.flush()
    data = row_image(row) if op == "upsert" else None
    entry.data_json = data
    session.add(entry)
    change = Change(entry.version, entity, key, op, data)
    changeset.changes.append(change)
    return change


Subscriber = Callable[[ChangeSet], None]


class ChangeBus:
    """Fans committed change sets out to subscribers (WebSocket hub, Qt bridge, SMS notifier).

    Thread-safe. Subscribers run on the publishing thread and must not block: hand work over
    to your own loop or thread (``loop.call_soon_threadsafe``, a queued Qt signal).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribers: list[Subscriber] = []

    def subscribe(self, subscriber: Subscriber) -> Callable[[], None]:
        with self._lock:
            self._subscribers.append(subscriber)

        def unsubscribe() -> None:
            with self._lock:
                if subscriber in self._subscribers:
                    self._subscribers.remove(subscriber)

        return unsubscribe

    def publish(self, changeset: ChangeSet) -> None:
        if not changeset.changes and not changeset.alerts:
            return
        with self._lock:
            subscribers = list(self._subscribers)
        for subscriber in subscribers:
            try:
                subscriber(changeset)
            except Exception:  # one broken listener must not starve the others
                log.exception("change subscriber %r failed", subscriber)
