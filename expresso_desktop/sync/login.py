"""A staff member logs in at a station with their PIN (issue 15, finding 2).

Stations never hold the organiser's PIN hashes. Online, the organiser checks the PIN
(``POST /api/v1/sync/pin``, ``services/sync/pins.py``). After an ``ok`` the station keeps its own
verifier of that PIN — a fresh-salted scrypt of the digits just typed (``core.staff.hash_pin``)
in ``sync_state`` key ``pin/<staff id>`` — until the organiser's ``offline_until`` (12 h).
When the organiser cannot be reached, only those verifiers are checked: someone who never
logged in online at this station (or not for 12 h) cannot log in offline. ``OFFLINE_TRIES``
wrong PINs offline erase that person's verifier (the next login must be online). Nothing
PIN-derived ever crosses the wire.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from sqlalchemy import text
from sqlalchemy.engine import Connection

from expresso_desktop.core.errors import ValidationError
from expresso_desktop.core.staff import hash_pin, verify_pin
from expresso_desktop.core.sync_protocol import PinCheckAnswer, PinCheckRequest, PinVerdict
from expresso_desktop.store import sync_rows

from .http_transport import Unauthorized
from .replica import Replica, get, put
from .transport import TransportError

log = logging.getLogger(__name__)

KEY = "pin/"
OFFLINE_TRIES = 5


class PinChecker(Protocol):
    async def check_pin(self, req: PinCheckRequest) -> PinCheckAnswer: ...


@dataclass(frozen=True, slots=True)
class Login:
    """``ok``: logged in (``offline``: checked here, the organiser being unreachable).
    ``reason`` when refused: ``wrong``, ``locked`` (``retry_after`` s), ``offline_unknown``
    (never logged in online here, or too long ago), ``unpaired`` (the organiser refuses us)."""

    ok: bool
    staff_id: int
    name: str | None = None
    role: str | None = None
    offline: bool = False
    reason: str | None = None
    retry_after: int | None = None


async def login(
    replica: Replica, checker: PinChecker, staff_id: int, pin: str, *, now: datetime | None = None
) -> Login:
    try:
        answer = await checker.check_pin(PinCheckRequest(staff_id, pin))
    except Unauthorized:
        return Login(False, staff_id, reason="unpaired")
    except TransportError as exc:
        log.info("organiser unreachable for a PIN check (%s); checking offline", exc)
        return await asyncio.to_thread(_offline, replica, staff_id, pin, now or _now())
    if answer.verdict is PinVerdict.OK:
        await asyncio.to_thread(_remember, replica, staff_id, pin, answer.offline_until)
        return Login(True, staff_id, answer.name, answer.role)
    if answer.verdict is PinVerdict.LOCKED:
        return Login(False, staff_id, reason="locked", retry_after=answer.retry_after)
    return Login(False, staff_id, reason="wrong")


def _now() -> datetime:
    return datetime.now(UTC)


def _remember(replica: Replica, staff_id: int, pin: str, until: str | None) -> None:
    if until is None:
        return
    try:
        verifier = hash_pin(pin)  # a new salt every time: nothing shared with the organiser
    except ValidationError:
        return  # a PIN set before today's rules: online only
    with replica.write() as conn:
        put(conn, f"{KEY}{staff_id}", json.dumps({"v": verifier, "until": until, "fails": 0}))


def _offline(replica: Replica, staff_id: int, pin: str, now: datetime) -> Login:
    with replica.write() as conn:
        raw = get(conn, f"{KEY}{staff_id}")
        entry = json.loads(raw) if raw else None
        person = sync_rows.read_image(conn, "staff_users", str(staff_id))
        usable = person is not None and person.get("active") and not person.get("deleted")
        if entry is None or not usable or datetime.fromisoformat(entry["until"]) <= now:
            _forget(conn, staff_id)
            return Login(False, staff_id, offline=True, reason="offline_unknown")
        if verify_pin(pin, entry["v"]):
            if entry["fails"]:
                entry["fails"] = 0
                put(conn, f"{KEY}{staff_id}", json.dumps(entry))
            assert person is not None
            return Login(True, staff_id, person.get("name"), person.get("role"), offline=True)
        entry["fails"] += 1
        if entry["fails"] >= OFFLINE_TRIES:
            _forget(conn, staff_id)
        else:
            put(conn, f"{KEY}{staff_id}", json.dumps(entry))
        return Login(False, staff_id, offline=True, reason="wrong")


def _forget(conn: Connection, staff_id: int) -> None:
    conn.execute(text("DELETE FROM sync_state WHERE k = :k"), {"k": f"{KEY}{staff_id}"})
