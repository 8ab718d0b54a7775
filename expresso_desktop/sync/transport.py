"""How a station's sync engine talks to the organiser, whatever carries it (HTTPS, or the
simulation's fake network). Requests and answers are the JSON dicts of sync.md 4.3; the
organiser's refusals (``EpochMismatch``, ``Gap``...) come back as dicts with an ``error`` key,
while a request that never got an answer raises ``TransportError``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, Protocol

JSON = dict[str, Any]


class TransportError(Exception):
    """No answer (organiser unreachable, connection dropped, timeout): try again later."""


class Transport(Protocol):
    async def hello(self, body: JSON) -> JSON: ...

    async def push(self, body: JSON) -> JSON: ...

    async def pull(self, params: JSON) -> JSON: ...

    async def snapshot(self, params: JSON) -> JSON: ...

    def pokes(self) -> AsyncIterator[int]:
        """Heads announced by the organiser (WebSocket); ends when the link drops. Pokes carry
        no data: the engine always pulls (and pulls on a timer too, never trusting them)."""
        ...

    async def close(self) -> None: ...
