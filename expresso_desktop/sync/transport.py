"""How a station's sync engine talks to the organiser, whatever carries it (HTTPS, or the
simulation's fake network): the typed messages of ``core.sync_protocol``. The organiser's
refusals (``EpochMismatch``, ``Gap``...) come back inside the answers; a request that never
got a readable answer raises ``TransportError``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Protocol

from expresso_desktop.core.sync_protocol import (
    HelloAnswer,
    HelloRequest,
    PullAnswer,
    PullRequest,
    PushAnswer,
    PushRequest,
    Snapshot,
    SnapshotRequest,
)


class TransportError(Exception):
    """No answer (organiser unreachable, connection dropped, timeout): try again later."""


class ReplicaRefused(TransportError):
    """The organiser refuses this replica's sync id for good (``ClientIdTaken``: it belongs to
    another device; ``ReplicaCloned``: another copy of this data folder uses it). Nothing was
    applied; the station must be paired again, which gives it an id of its own."""


class GoingAway(TransportError):
    """The organiser closed the link because it is stopping (WebSocket close 1001): it is
    offline from now; reconnect with backoff, it may come back at the same address."""


class ServerBusy(TransportError):
    """The organiser answered but asked us to come back (``Unavailable``, ``Deferred``), or
    said something this station cannot read."""


class Transport(Protocol):
    async def hello(self, req: HelloRequest) -> HelloAnswer: ...

    async def push(self, req: PushRequest) -> PushAnswer: ...

    async def pull(self, req: PullRequest) -> PullAnswer: ...

    async def snapshot(self, req: SnapshotRequest) -> Snapshot: ...

    def pokes(self) -> AsyncIterator[int]:
        """Heads announced by the organiser (WebSocket); ends when the link drops. Pokes carry
        no data: the engine always pulls (and pulls on a timer too, never trusting them)."""
        ...

    async def close(self) -> None: ...
