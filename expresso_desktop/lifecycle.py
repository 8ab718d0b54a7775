"""Long-running parts of a mode (listeners, senders, advertisers, a station's sync) share one
lifecycle: ``start()`` on the service loop, ``stop()`` in reverse order on shutdown."""

from __future__ import annotations

from typing import Protocol


class Component(Protocol):
    name: str

    async def start(self) -> None: ...

    async def stop(self) -> None: ...
