"""Turns the services' committed change sets into a Qt signal carrying a frozen dataclass."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal

from expresso_desktop.services.changes import Alert, Change, ChangeBus, ChangeSet


@dataclass(frozen=True, slots=True)
class ChangesCommitted:
    changes: tuple[Change, ...]
    alerts: tuple[Alert, ...]
    touched: frozenset[str] = frozenset()

    def ids_of(self, entity: str) -> set[str]:
        return {c.entity_id for c in self.changes if c.entity == entity}


class ChangeBridge(QObject):
    """Signals:
    committed(ChangesCommitted) — after every commit, delivered in the GUI thread.
    """

    committed = Signal(object)

    def __init__(self, bus: ChangeBus) -> None:
        super().__init__()
        # The bus calls us on the writer thread; emitting there is safe, Qt queues delivery.
        self._unsubscribe = bus.subscribe(self._on_changes)

    def _on_changes(self, changeset: ChangeSet) -> None:
        self.committed.emit(
            ChangesCommitted(
                tuple(changeset.changes), tuple(changeset.alerts), frozenset(changeset.touched)
            )
        )

    def close(self) -> None:
        self._unsubscribe()
        # The subscription held a bound method of ours: drop it so the bridge is freed by
        # reference counting on the GUI thread, never by the cycle collector on another.
        self._unsubscribe = _nothing


def _nothing() -> None:
    return None
