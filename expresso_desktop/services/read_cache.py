"""Reads of rows that rarely change (stations, stock, the schedule, settings), kept between
transactions and dropped as soon as the change bus announces a change to their entities.

Every domain write goes through ``changes.emit`` and the bus publishes it after commit, on the
writer thread, before the writer's next unit of work: so a cached value is never older than the
last committed change to what it was derived from. A time limit bounds anything derived from the
clock as well (the schedule is read for a window around "now"). The stations' queues, which
change with every order, are kept up to date from the same bus instead (``waiting``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from expresso_desktop.services.changes import ChangeBus, ChangeSet
from expresso_desktop.services.queues import WaitingDrinks

T = TypeVar("T")


class ReadCache:
    def __init__(self, bus: ChangeBus | None, *, ttl_s: float = 30.0) -> None:
        self._ttl = ttl_s
        self._lock = threading.Lock()
        self._entries: dict[Hashable, tuple[Any, frozenset[str], float]] = {}
        self._unsubscribe = bus.subscribe(self._on_changes) if bus is not None else None
        # Drinks waiting per station, for the writer's routing (read once, then followed).
        self.waiting = WaitingDrinks(bus) if bus is not None else None

    def get(
        self,
        key: Hashable,
        entities: frozenset[str],
        load: Callable[[], T],
        *,
        pending: ChangeSet | None = None,
    ) -> T:
        """The cached value for ``key``, or ``load()``'s (remembered until one of ``entities``
        changes). ``pending`` is the calling transaction's change set: if it already changed one
        of ``entities``, the value is read fresh and not kept (the transaction may roll back)."""
        if pending is not None and any(c.entity in entities for c in pending.changes):
            return load()
        now = time.monotonic()
        with self._lock:
            entry = self._entries.get(key)
        if entry is not None and now - entry[2] < self._ttl:
            value: T = entry[0]
            return value
        value = load()
        with self._lock:
            self._entries[key] = (value, entities, now)
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def close(self) -> None:
        if self.waiting is not None:
            self.waiting.close()
            self.waiting = None
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self.clear()

    def _on_changes(self, changeset: ChangeSet) -> None:
        changed = {c.entity for c in changeset.changes}
        with self._lock:
            for key in [k for k, (_, deps, _) in self._entries.items() if deps & changed]:
                del self._entries[key]
