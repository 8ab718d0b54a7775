"""The sender: drains the outbound queue through a gateway, one text at a time, paced.

Exactly-once is not on offer from an SMS API (Twilio's Messages API has no idempotency key), so
this is how we get as close as it allows:

1. A text is **claimed** in its own committed transaction (status ``sending``, no sid) before the
   HTTP request starts, and only one text is in flight at a time.
2. Twilio's answer (the sid) is committed right after the response.
3. A crash between 1 and 2 leaves at most one row ``sending`` without a sid: Twilio may or may not
   have it. On start we ask Twilio (``find_sent``: same recipient, same body, created since the
   claim) and adopt its sid when it exists, else send again. What remains is an at-least-once
   window of one text, only when Twilio cannot be asked (down at restart) or has not listed the
   text yet; we take that over losing a "your coffee is ready".
   That check runs *aside* (its own task, up to three tries with backoff) while the queue goes
   on: the interrupted row stays ``sending`` until it is settled, so the queue never picks it
   up, and it is only released back to the queue (then sent again) once Twilio said it does
   not have it or could not be asked.

Pending rows are never lost: they are in the database before anyone is told "queued".

**Waking.** One mechanism: the sender subscribes to the writer's change bus and looks at the
queue as soon as a committed change set touched ``sms_messages`` (someone queued a text or a
callback moved one), skipping its own writes. While idle it also looks every ``idle_poll_s``
(or when the next retry falls due, if sooner): that poll is only the safety net, for retries
coming due and rows written where the bus cannot see them (another process on the same file).

**Time.** Due times, backoff and the idle wait are read from a ``Clock`` (real time unless a test
passes a fake); pacing between requests is real time always (``RateLimiter``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import TypeVar

from expresso_desktop.core.privacy import mask_phone
from expresso_desktop.services.changes import ChangeSet
from expresso_desktop.services.writer import Tx, Writer
from expresso_desktop.sms.gateway import Gateway, SendError
from expresso_desktop.sms.outbound import queue
from expresso_desktop.sms.outbound.clock import Clock

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class SenderSettings:
    backoff_base_s: float = 2.0
    backoff_cap_s: float = 300.0
    max_attempts: int = 8
    idle_poll_s: float = 2.0  # the safety net; the change bus wakes the sender at once
    stop_grace_s: float = 5.0  # how long stop() lets an in-flight text finish


class RateLimiter:
    """At most ``rate`` sends per second per sending number (spacing, not bursts: a carrier
    filters a long-code number that bursts)."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._next_at: dict[str, float] = {}

    async def wait(self, number: str, rate: float) -> None:
        now = self._clock()
        at = self._next_at.get(number, now)
        if at > now:
            await asyncio.sleep(at - now)
        self._next_at[number] = max(at, now) + 1.0 / rate


INITIATOR = "sms-sender"  # the sender's own writes: it does not wake itself on them


class OutboundSender:
    """Component (``start``/``stop``) that sends queued texts, woken by the writer's change
    bus when a commit touched ``sms_messages``."""

    name = "sms-sender"

    def __init__(
        self,
        writer: Writer,
        gateway: Gateway,
        settings: SenderSettings | None = None,
        *,
        jitter: Callable[[], float] = random.random,
        clock: Clock | None = None,
    ) -> None:
        self.writer = writer
        self.gateway = gateway
        self.settings = settings or SenderSettings()
        self._jitter = jitter
        self._clock = clock or Clock()
        self._task: asyncio.Task[None] | None = None
        self._checks: set[asyncio.Task[None]] = set()  # interrupted texts being checked aside
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake = asyncio.Event()
        self._stopping = False
        self._limiter: RateLimiter | None = None
        self.sent = 0  # texts handed to the gateway since start (for logs and tests)
        self._unsubscribe: Callable[[], None] = lambda: None

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._limiter = RateLimiter(self._loop.time)
        await self.gateway.start()
        self._stopping = False
        self._unsubscribe = self.writer.bus.subscribe(self._on_commit)
        self._task = asyncio.create_task(self._run(), name="sms-sender")

    async def stop(self) -> None:
        self._unsubscribe()
        self._unsubscribe = lambda: None
        self._stopping = True
        self._wake.set()
        for check in list(self._checks):  # left claimed: the next start checks it again
            check.cancel()
        if self._checks:
            await asyncio.gather(*self._checks, return_exceptions=True)
        if self._task is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self._task), self.settings.stop_grace_s)
            except TimeoutError:
                self._task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._task
            except Exception:
                log.exception("the SMS sender had failed")
            self._task = None
        await self.gateway.close()

    def _on_commit(self, changeset: ChangeSet) -> None:
        """The change bus, on the writer's thread after a commit."""
        if changeset.outbox_touched and changeset.initiator != INITIATOR:
            self.wake()

    def wake(self) -> None:
        """Look at the queue now rather than at the next poll. Any thread."""
        loop = self._loop
        if loop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(self._wake.set)

    async def _run(self) -> None:
        try:
            interrupted = await self._write(partial(queue.interrupted, number=self._number))
        except Exception:  # left claimed: the next start looks again
            log.exception("could not look for the text in flight when the sender last stopped")
            interrupted = []
        for job in interrupted:  # checked aside: the rest of the queue does not wait on Twilio
            check = asyncio.create_task(self._check_aside(job), name=f"sms-check-{job.id}")
            self._checks.add(check)
            check.add_done_callback(self._checks.discard)
        while not self._stopping:
            # Cleared before looking, so a text queued while we look still wakes the wait.
            self._wake.clear()
            try:
                await self._step()
            except Exception:  # the database is busy or full: say so, keep the queue, go on
                log.exception("the SMS sender hit a problem; it will try again")
                await self._idle(None)

    async def _step(self) -> None:
        claim = await self._write(
            partial(queue.claim_next, now=self._clock.now(), number=self._number)
        )
        if claim.job is None:
            await self._idle(claim.next_due)
            return
        assert self._limiter is not None
        await self._limiter.wait(self._number, claim.rate)
        if self._stopping:  # asked to stop while waiting our turn: leave it for next time
            await self._write(partial(queue.release, message_id=claim.job.id))
            return
        await self._deliver(claim.job)

    async def _write(self, fn: Callable[[Tx], T]) -> T:
        return await self.writer.run(fn, initiator=INITIATOR)

    @property
    def _number(self) -> str:
        return self.gateway.from_number

    async def _idle(self, next_due: datetime | None) -> None:
        timeout = self.settings.idle_poll_s
        if next_due is not None:
            timeout = min(timeout, max(0.0, (next_due - self._clock.now()).total_seconds()))
        if self._stopping:
            return
        await self._clock.wait(self._wake, timeout)

    async def _deliver(self, job: queue.Job) -> None:
        masked = mask_phone(job.to)
        try:
            result = await self.gateway.send(job.to, job.body, valid_for_s=job.valid_for_s())
        except SendError as error:
            await self._failed(job, error)
            return
        self.sent += 1
        await self._write(partial(queue.mark_sent, message_id=job.id, result=result))
        log.info("text %s (%s) to %s: %s", job.id, job.kind, masked, result.status)

    async def _failed(self, job: queue.Job, error: SendError) -> None:
        retry_at = None
        if error.transient and job.attempts < self.settings.max_attempts:
            retry_at = self._clock.now() + timedelta(seconds=self._backoff(job.attempts))
        outcome = await self._write(
            partial(queue.mark_failed, message_id=job.id, error=error, retry_at=retry_at)
        )
        log.warning(
            "text %s (%s) to %s not sent, attempt %s: %s -> %s",
            job.id,
            job.kind,
            mask_phone(job.to),
            job.attempts,
            error.reason,
            outcome,
        )

    def _backoff(self, attempts: int) -> float:
        """Exponential with jitter: half fixed, half random, so retries of many texts spread."""
        s = self.settings
        delay = min(s.backoff_cap_s, s.backoff_base_s * 2 ** max(0, attempts - 1))
        return delay * (0.5 + 0.5 * self._jitter())

    async def _check_aside(self, job: queue.Job) -> None:
        try:
            await self._reconcile(job)
        except Exception:  # left claimed: the next start looks again
            log.exception("could not settle text %s, in flight when the sender stopped", job.id)
            return
        self._wake.set()  # released to the queue (our own write does not wake us)

    async def _reconcile(self, job: queue.Job) -> None:
        """A text was in flight when we stopped: did Twilio get it?"""
        for attempt in range(1, 4):
            try:
                candidates = await self.gateway.find_sent(job.to, job.body, job.claimed_at)
            except SendError as error:
                log.warning("cannot check an interrupted text with Twilio: %s", error.reason)
                await self._clock.sleep(self._backoff(attempt))
                continue
            adopted = await self._write(
                partial(queue.adopt, message_id=job.id, candidates=candidates)
            )
            if adopted:
                log.info("interrupted text %s had reached Twilio: not sending it again", job.id)
                return
            break
        else:
            log.warning("text %s: could not check it with Twilio; sending it again", job.id)
        # Not there (or Twilio cannot tell us): send it again, counting the attempt once.
        await self._write(partial(queue.release, message_id=job.id))
