"""Time as the outbound side reads it and waits on it: when a text falls due or a retry comes
round, how long the sender idles between looks, when the notifier sweeps.

``Clock`` is real time. Tests pass a fake they move on by hand (``tests/sms/fake_clock.py``), so
"nothing happens for several backoff periods" is shown by moving time past them and watching the
sender look again, not by sleeping through them. Pacing (``sender.RateLimiter``) is not on this
clock: it spaces real requests to a real carrier.
"""

from __future__ import annotations

import asyncio
from datetime import datetime

from expresso_desktop.store.types import utcnow


class Clock:
    """Real time (UTC) and real waits."""

    def now(self) -> datetime:
        return utcnow()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)

    async def wait(self, event: asyncio.Event, timeout: float) -> bool:
        """Wait until ``event`` is set (True) or ``timeout`` s have passed (False)."""
        try:
            await asyncio.wait_for(event.wait(), timeout)
        except TimeoutError:
            return False
        return True
