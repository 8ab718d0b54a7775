"""A clock the test moves on by hand, for the outbound sender and the notifier.

``now()`` is real time plus however far the test has moved the clock on, so rows stamped with
real time elsewhere (``enqueue`` makes a text due at the real now) stay in step. A wait never
ends by itself: only when its event is set or the test moves time past its deadline. So while a
test holds the clock, the sender looks at the queue only when the change bus wakes it or the
test says time has passed, and "it did not retry" is shown by moving time past several backoff
periods and watching it look again, with no wall-clock wait.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from expresso_desktop.sms.outbound.clock import Clock
from expresso_desktop.store.types import utcnow
from tests.sms.helpers import notify, wait_until


@dataclass(eq=False)
class _Sleeper:
    since: datetime  # the clock's time when it began to wait
    deadline: datetime
    rung: asyncio.Event = field(default_factory=asyncio.Event)


class FakeClock(Clock):
    def __init__(self) -> None:
        self._ahead = timedelta(0)
        self._sleepers: list[_Sleeper] = []

    def now(self) -> datetime:
        return utcnow() + self._ahead

    async def sleep(self, seconds: float) -> None:
        await self.wait(asyncio.Event(), seconds)

    async def wait(self, event: asyncio.Event, timeout: float) -> bool:
        if event.is_set():
            return True
        if timeout <= 0:
            return False
        now = self.now()
        sleeper = _Sleeper(now, now + timedelta(seconds=timeout))
        self._sleepers.append(sleeper)
        notify()  # a ``wait_until`` may be waiting for this task to fall asleep
        woken = asyncio.ensure_future(event.wait())
        rung = asyncio.ensure_future(sleeper.rung.wait())
        try:
            await asyncio.wait({woken, rung}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            self._sleepers.remove(sleeper)
            for task in (woken, rung):
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        return event.is_set()

    def advance(self, seconds: float) -> datetime:
        """Move time on; every wait whose deadline that passes ends. Returns the new now."""
        self._ahead += timedelta(seconds=seconds)
        now = self.now()
        for sleeper in self._sleepers:
            if sleeper.deadline <= now:
                sleeper.rung.set()
        return now

    def asleep(self, since: datetime | None = None) -> bool:
        """Whether a task is waiting on this clock (one that began waiting at ``since`` or
        later, when given)."""
        return any(since is None or s.since >= since for s in self._sleepers)

    def waiting_for(self) -> list[float]:
        """How long each task waiting on this clock asked to wait, in seconds."""
        return [(s.deadline - s.since).total_seconds() for s in self._sleepers]

    async def pass_time(self, seconds: float) -> None:
        """Move time on by ``seconds`` (past the deadline of the task waiting on this clock: the
        sender, the notifier's sweep) and return once that task has woken, done what fell due
        by then, and is waiting again. Call it while that task waits: otherwise what it is
        doing may have begun before the move."""
        assert self.asleep(), "nobody is waiting on the clock: it would not see the time move"
        later = self.advance(seconds)
        await wait_until(lambda: self.asleep(since=later))
