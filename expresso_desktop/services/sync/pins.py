"""Staff PINs are checked on the organiser only (issue 15, finding 2).

PIN hashes never leave the organiser: sync and the LAN API strip them (``store.sync_rows``).
A station sends the typed PIN over its pinned-TLS link (``POST /api/v1/sync/pin``) and gets a
verdict. PINs are 4–8 digits, so the online check is rate-limited per (device, person): after
``MAX_FAILURES`` wrong PINs in ``WINDOW_S`` that device gets ``locked`` for that person.

The offline fallback (``sync/login.py``): after an ``ok``, the station keeps its *own*
salted scrypt verifier of the PIN it was just typed, valid until ``offline_until``
(``OFFLINE_TTL``), so the people who logged in there can log in again while the organiser is
unreachable. Nothing PIN-derived crosses the wire, and a station only ever holds verifiers of
the people who logged in at it recently.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import Engine

from expresso_desktop.core.staff import verify_pin
from expresso_desktop.core.sync_protocol import PinCheckAnswer, PinCheckRequest, PinVerdict
from expresso_desktop.store.engine import read_session
from expresso_desktop.store.tables import StaffUser
from expresso_desktop.store.types import utcnow

MAX_FAILURES = 5
WINDOW_S = 300.0
OFFLINE_TTL = timedelta(hours=12)  # about one event day


class PinGuard:
    """Wrong PINs per (device, person) in a sliding window; thread-safe. Counted before the
    (slow) check so that concurrent guesses cannot all slip past the limit."""

    def __init__(
        self,
        *,
        limit: int = MAX_FAILURES,
        window_s: float = WINDOW_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit, self.window_s, self._clock = limit, window_s, clock
        self._lock = threading.Lock()
        self._tries: dict[tuple[int | None, int], deque[float]] = {}

    def reserve(self, key: tuple[int | None, int]) -> float:
        """Count one try now; returns seconds to wait instead (nothing counted) when locked."""
        now = self._clock()
        with self._lock:
            tries = self._tries.setdefault(key, deque())
            while tries and tries[0] <= now - self.window_s:
                tries.popleft()
            if len(tries) >= self.limit:
                return tries[0] + self.window_s - now
            tries.append(now)
            if len(self._tries) > 10_000:  # bounded memory under a flood of keys
                self._tries.pop(next(iter(self._tries)))
            return 0.0

    def succeeded(self, key: tuple[int | None, int]) -> None:
        with self._lock:
            self._tries.pop(key, None)


def check_pin(
    engine: Engine, req: PinCheckRequest, *, device_id: int | None, guard: PinGuard
) -> PinCheckAnswer:
    """The organiser's verdict on a PIN typed at a station (blocking: ~30 ms of scrypt)."""
    key = (device_id, req.staff_id)
    wait = guard.reserve(key)
    if wait > 0:
        return PinCheckAnswer(PinVerdict.LOCKED, req.staff_id, retry_after=int(wait) + 1)
    with read_session(engine) as session:
        person = session.get(StaffUser, req.staff_id)
    usable = person is not None and person.active and not person.deleted and person.pin_hash
    # One verdict for every refusal: a guesser never learns which it was.
    if not usable or person is None or not verify_pin(req.pin, person.pin_hash or ""):
        return PinCheckAnswer(PinVerdict.WRONG, req.staff_id)
    guard.succeeded(key)
    return PinCheckAnswer(
        PinVerdict.OK,
        req.staff_id,
        name=person.name,
        role=person.role,
        offline_until=(utcnow() + OFFLINE_TTL).isoformat(),
    )
