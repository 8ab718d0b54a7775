"""When the station syncs: a round runs on a poke from the organiser, after a local write (in
this process or another — the ``station`` command writes the same outbox), and at least every
``interval_s`` (pokes can be lost; they are never trusted alone). When the organiser cannot
be reached, rounds back off from 0.5 s to 10 s with jitter, so a room full of stations does
not reconnect in lockstep.

The station's link state is kept in ``sync_state`` (``online``, ``since``, ``last_error``,
``last_contact``, and this process's pid while it runs: ``link_state.py``) so that ``station
status`` in another process can tell whether the link is really up.

When the organiser stops it closes the poke socket with "going away" (1001): the link is down
from that moment (said at once, not at the next failed round) and rounds retry with backoff
until it is back. ``reconnect()`` cuts a backoff short, so a restarted organiser is back in use
at once rather than after up to ten seconds of backoff. Two things call it: the station's mDNS
watch when its organiser announces itself again (``organiser_watch.Reappeared``), and, while
offline, a TCP connect to the organiser's port every ``probe_s`` (no TLS, no request): open
→ one retry now, and another each time it opens after having been closed — so an organiser
that is up but answering errors is still retried on the backoff only.

A poke for a head this station's last round already reached (its own push, pulled before the
poke arrived) starts no further round, nor does a tap the outbox watch notices after a round
that began after it (the tap asked for that round itself).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Callable
from typing import TypeAlias

from expresso_desktop.store.types import utcnow

from . import link_state
from .engine import ForeignServer, SyncEngine
from .events import LinkChanged
from .replica import get, put
from .transport import GoingAway, TransportError

log = logging.getLogger(__name__)

BACKOFF_MIN_S, BACKOFF_MAX_S = 0.5, 10.0
HEARTBEAT_S = 2.0  # how often an online station refreshes last_contact
PROBE_S = 0.5  # while offline: how often the organiser's port is tried (a TCP connect)
Backoff: TypeAlias = Callable[[int, random.Random], float]  # failures in a row → seconds


def backoff(failures: int, rng: random.Random) -> float:
    upper = min(BACKOFF_MAX_S, BACKOFF_MIN_S * 2 ** max(0, failures - 1))
    return max(BACKOFF_MIN_S, rng.uniform(upper / 2, upper))


class SyncRunner:
    def __init__(
        self,
        engine: SyncEngine,
        *,
        interval_s: float = 5.0,
        poll_s: float = 0.1,
        rng: random.Random | None = None,
        on_status: Callable[[LinkChanged], None] | None = None,
        backoff: Backoff = backoff,
        probe_s: float = PROBE_S,
    ) -> None:
        self.engine = engine
        self.interval_s, self.poll_s = interval_s, poll_s
        self.rng = rng or random.Random()
        self.on_status = on_status or (lambda link: None)
        self.backoff, self.probe_s = backoff, probe_s
        self.online: bool | None = None
        self._wake = asyncio.Event()
        self._asked = False  # a round was asked for by a local write (not only a poke)
        self._poked = 0  # the newest head a poke announced
        self._round_seq: str | None = None  # next_seq when the latest round began
        # The organiser is back: stop backing off (one flag for rounds, one for the poke socket).
        self._again, self._again_pokes = asyncio.Event(), asyncio.Event()
        self._gone: str | None = None  # the organiser said it is going away (why)
        self._beat = 0.0
        self.rounds = 0

    def trigger(self) -> None:
        self._asked = True
        self._wake.set()

    def reconnect(self) -> None:
        """The organiser is (back) on the network: retry now, whatever the backoff says."""
        self._again.set()
        self._again_pokes.set()
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        with self.engine.replica.write() as conn:
            link_state.mark_running(conn)
        tasks = [
            asyncio.create_task(self._pokes(stop)),
            asyncio.create_task(self._watch_outbox(stop)),
            asyncio.create_task(self._probe(stop)),
        ]
        try:
            await self._rounds(stop)
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await self.engine.transport.close()
            with self.engine.replica.write() as conn:
                link_state.mark_stopped(conn)

    async def _rounds(self, stop: asyncio.Event) -> None:
        failures = 0
        while not stop.is_set():
            self._wake.clear()
            back, self._asked = self._again.is_set(), False
            self._again.clear()
            if back:  # whatever said it was going away, it is announcing itself again
                self._gone = None
            if self._gone is not None:  # no request: it is stopping; back off, then retry
                failures += 1
                self.engine.link_lost()
                self._set_online(False, self._gone)
                self._gone = None
            else:
                self._round_seq = self.engine.replica.state("next_seq")  # taps it will push
                failures = await self._round(failures)
            self.rounds += 1
            if failures:
                await _wait(stop, self._again, self.backoff(failures, self.rng))
                continue
            if self._wake.is_set() and not self._asked and self._caught_up():
                self._wake.clear()  # only pokes for what this round already pulled
            await _wait(stop, self._wake, self.interval_s)

    def _caught_up(self) -> bool:
        return self.engine.replica.cursor >= self._poked

    async def _round(self, failures: int) -> int:
        """One round; returns the count of failures in a row (0: it went through)."""
        try:
            await self.engine.sync_once()
        except (TransportError, ForeignServer) as exc:
            self.engine.link_lost()
            self._set_online(False, str(exc))
            log.info("sync round failed (%s); retrying", exc)
            return failures + 1
        self._set_online(True, "")
        return 0

    async def _pokes(self, stop: asyncio.Event) -> None:
        failures = 0
        while not stop.is_set():
            self._again_pokes.clear()
            try:
                async for head in self.engine.transport.pokes():
                    failures = 0
                    if head > self.engine.replica.cursor:
                        self._poked = max(self._poked, head)
                        self._wake.set()
            except GoingAway as exc:
                log.info("%s", exc)
                if self.online:
                    self._gone = str(exc)
                    self.trigger()  # say offline now, and retry with backoff
            except TransportError as exc:
                log.debug("poke socket: %s", exc)
            failures += 1
            await _wait(stop, self._again_pokes, self.backoff(failures, self.rng))

    async def _probe(self, stop: asyncio.Event) -> None:
        """While offline: the organiser's port open → retry now, once per offline spell and
        again each time it opens after having been closed."""
        listening = getattr(self.engine.transport, "listening", None)
        if listening is None:  # a transport without a port (the simulation's)
            return
        closed = tried = False
        while not stop.is_set():
            await _wait(stop, None, self.probe_s)
            if self.online is not False:
                closed = tried = False
                continue
            up = await listening()
            if up and (closed or not tried):
                log.info("the organiser's port is open: reconnecting now")
                self.reconnect()
                tried = True
            closed = not up

    async def _watch_outbox(self, stop: asyncio.Event) -> None:
        last = None
        while not stop.is_set():
            seq = await asyncio.to_thread(self.engine.replica.state, "next_seq")
            if last is not None and seq != last and seq != self._round_seq:
                self.trigger()  # a tap no round has seen yet (one in-process asked already)
            last = seq
            await _wait(stop, None, self.poll_s)

    def _set_online(self, online: bool, detail: str) -> None:
        """Persist the link state; while online, a heartbeat at most every few seconds."""
        changed = online != self.online
        now = time.monotonic()
        if not changed and online and now - self._beat < HEARTBEAT_S:
            return
        self.online, self._beat = online, now
        with self.engine.replica.write(durable=False) as conn:
            stamp = utcnow().isoformat()
            put(conn, "online", "1" if online else "0")
            if changed or get(conn, "since") is None:
                put(conn, "since", stamp)
            if online:
                put(conn, "last_contact", stamp)
            put(conn, "last_error", detail[:300])
        if changed:
            self.on_status(LinkChanged(online, detail))


async def _wait(stop: asyncio.Event, wake: asyncio.Event | None, timeout: float) -> None:
    waiters = [asyncio.ensure_future(stop.wait())]
    if wake is not None:
        waiters.append(asyncio.ensure_future(wake.wait()))
    try:
        await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
