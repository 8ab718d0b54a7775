"""Waiting on a condition another thread or task makes true, with a deadline (never a fixed
sleep): for state that offers no event to await, such as a replica another task writes."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable


async def until(condition: Callable[[], object], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)
