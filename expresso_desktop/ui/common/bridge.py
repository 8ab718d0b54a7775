"""Turns the organiser services' committed change sets into Qt signals carrying frozen
dataclasses: what changed (by kind, with ids), who asked for it, and the alerts raised."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal

from expresso_desktop.services.changes import Alert, Change, ChangeBus, ChangeSet


@dataclass(frozen=True, slots=True)
class ChangesCommitted:
    """One committed transaction, as the screens read it.

    ``initiator`` is who asked (``"ui:setup"``, ``"lan:3"``, ``"sms"``…; None when unnamed): a
    screen skips the echo of its own action. The id sets are the change set's typed accessors,
    computed once here on the writer's thread."""

    initiator: str | None
    order_ids: frozenset[str]  # uuids
    station_ids: frozenset[int]
    stock_item_ids: frozenset[int]
    messages_touched: bool
    alerts: tuple[Alert, ...]
    changes: tuple[Change, ...]
    devices_touched: bool = False  # paired devices written (paired, revoked, last seen)

    @classmethod
    def of(cls, changeset: ChangeSet) -> ChangesCommitted:
        return cls(
            initiator=changeset.initiator,
            order_ids=changeset.order_ids,
            station_ids=changeset.station_ids,
            stock_item_ids=changeset.stock_item_ids,
            messages_touched=changeset.messages_touched,
            alerts=tuple(changeset.alerts),
            changes=tuple(changeset.changes),
            devices_touched=changeset.devices_touched,
        )

    def ids_of(self, entity: str) -> frozenset[str]:
        return frozenset(c.entity_id for c in self.changes if c.entity == entity)

    def touches(self, entities: Collection[str]) -> bool:
        """Did this commit change a row of any of ``entities`` (change-log names)?"""
        return any(c.entity in entities for c in self.changes)

    def by(self, initiator: str) -> bool:
        """Was this commit our own action (``initiator`` as given to the op)?"""
        return self.initiator == initiator


@dataclass(frozen=True, slots=True)
class AlertRaised:
    """Something a person must look at: ``kind`` (``services.changes.ALERT_KINDS``), a
    message, the row it is about, and who caused it."""

    kind: str
    message: str
    entity_id: str | None
    initiator: str | None

    @property
    def severity_word(self) -> str:
        """Status is never colour alone: a word (and a mark) says how bad it is."""
        return "Check" if self.kind == "stock_low" else "Problem"


class ChangeBridge(QObject):
    """Signals (delivered in the GUI thread):
    committed(ChangesCommitted) — after every commit
    alert_raised(AlertRaised) — once per alert in a commit (after ``committed``)
    """

    committed = Signal(ChangesCommitted)
    alert_raised = Signal(AlertRaised)

    def __init__(self, bus: ChangeBus) -> None:
        super().__init__()
        # The bus calls us on the writer thread; emitting there is safe, Qt queues delivery.
        self._unsubscribe = bus.subscribe(self._on_changes)

    def _on_changes(self, changeset: ChangeSet) -> None:
        event = ChangesCommitted.of(changeset)
        self.committed.emit(event)
        for alert in event.alerts:
            self.alert_raised.emit(
                AlertRaised(alert.kind, alert.message, alert.entity_id, event.initiator)
            )

    def close(self) -> None:
        self._unsubscribe()
        # The subscription held a bound method of ours: drop it so the bridge is freed by
        # reference counting on the GUI thread, never by the cycle collector on another.
        self._unsubscribe = _nothing


def _nothing() -> None:
    return None
