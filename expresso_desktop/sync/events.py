"""What a station's sync tells its window: typed, frozen, small (the window's signals carry
these, queued from the sync loop's thread to the GUI thread)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class ReplicaChanged:
    """Rows of the replica that a pulled page, a snapshot or a local tap changed.

    ``order_ids`` are the replica's order keys (as strings) whose row or items changed;
    ``entities`` the synced tables touched; ``everything`` after a snapshot or a reset, when
    a view should re-read what it shows."""

    order_ids: frozenset[str] = frozenset()
    entities: frozenset[str] = frozenset()
    everything: bool = False

    @property
    def empty(self) -> bool:
        return not (self.order_ids or self.entities or self.everything)

    def __or__(self, other: ReplicaChanged) -> ReplicaChanged:
        return ReplicaChanged(
            self.order_ids | other.order_ids,
            self.entities | other.entities,
            self.everything or other.everything,
        )


@dataclass(frozen=True, slots=True)
class LinkChanged:
    """The link to the organiser went up or down; ``detail`` says where or why."""

    online: bool
    detail: str


@dataclass(frozen=True, slots=True)
class Notice:
    """Something the barista should see: ``rejected`` (with the organiser's reason),
    ``recovered``, ``reset``."""

    kind: str
    message: str
    seq: int | None = None
    name: str | None = None
    args: dict[str, Any] | None = None
    reason: str | None = None
