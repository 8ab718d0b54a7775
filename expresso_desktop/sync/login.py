"""A staff member logs in at a station with their PIN (issue 15, finding 2).

Stations never hold the organiser's PIN hashes. Online, the organiser checks the PIN
(``POST /api/v1/sync/pin``, ``services/sync/pins.py``). After an ``ok`` the station keeps its own
verifier of that PIN — a fresh-salted scrypt of the digits just typed (``core.staff.hash_pin``)
in ``sync_state`` key ``pin/<staff id>`` — until the organiser's ``offline_until`` (12 h).
When the organiser cannot be reached, only those verifiers are checked: someone who never
logged in online at this station (or not for 12 h) cannot log in offline. ``OFFLINE_TRIES``
wrong PINs offline erase that person's verifier (the next login must be online). Nothing
PIN-derived ever crosses the wire.

``log_in`` is what ``station login NAME_OR_ID`` runs: it finds the person in the replica's
staff list, checks the PIN (online, else offline) and, when it is right, makes them the
station's barista (``sync/barista.py``): every tap from then on is recorded as theirs, offline
too, until ``station logout``. ``explain`` says a refusal in one line, with what to do.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy import text
from sqlalchemy.engine import Connection

from expresso_desktop.core.errors import ValidationError
from expresso_desktop.core.staff import hash_pin, verify_pin
from expresso_desktop.core.sync_protocol import PinCheckAnswer, PinCheckRequest, PinVerdict
from expresso_desktop.store import sync_rows

from . import barista
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


# -- logging in at a station (``station login``) ---------------------------------------------


class UnknownStaff(ValidationError):
    code = "unknown_staff"


def find_staff(replica: Replica, who: str) -> dict[str, Any]:
    """The active staff member named ``who`` (a name, any case, or an id) in the replica."""
    t = sync_rows.table("staff_users")
    with replica.read() as conn:
        rows = [
            dict(r)
            for r in conn.execute(
                sa.select(t.c.id, t.c.name, t.c.role).where(
                    t.c.deleted == sa.false(), t.c.active == sa.true()
                )
            ).mappings()
        ]
    wanted = who.strip().casefold()
    found = [r for r in rows if str(r["id"]) == wanted or r["name"].casefold() == wanted]
    if len(found) != 1:
        names = ", ".join(sorted(r["name"] for r in rows)) or "nobody yet: sync first"
        why = "is not" if not found else "names more than one person"
        raise UnknownStaff(f"{who!r} {why} on this station's staff list ({names})", field="who")
    return found[0]


async def log_in(
    replica: Replica,
    checker: PinChecker | None,
    who: str,
    pin: str,
    *,
    now: datetime | None = None,
) -> Login:
    """Check ``who``'s PIN (``checker`` None: this station cannot reach the organiser at all,
    so only offline) and, when it is right, make them this station's barista."""
    person = find_staff(replica, who)
    staff_id = int(person["id"])
    when = now or _now()
    if checker is None:
        result = await asyncio.to_thread(_offline, replica, staff_id, pin, when)
    else:
        result = await login(replica, checker, staff_id, pin, now=when)
    if result.ok:
        name = result.name or person["name"]
        role = result.role or person["role"]
        who_now = barista.Barista(staff_id, name, role, when.isoformat(), result.offline)
        await asyncio.to_thread(barista.remember, replica, who_now)
    return result


def explain(result: Login, name: str) -> str:
    """One line for a login: who is logged in, or why not and what to do."""
    if result.ok:
        how = (
            " (PIN checked on this station: the organiser is unreachable)" if result.offline else ""
        )
        return f"logged in as {result.name or name}{how}; taps are now recorded as theirs"
    if result.reason == "locked":
        wait = f"{result.retry_after} s" if result.retry_after else "a few minutes"
        return f"too many wrong PINs for {name}: try again in {wait}, or ask the organiser"
    if result.reason == "offline_unknown":
        return (
            f"the organiser is unreachable and {name} has not logged in online here in the "
            "last 12 h: log in again when the organiser is reachable"
        )
    if result.reason == "unpaired":
        return "the organiser no longer accepts this station: pair it again (barista --pair CODE)"
    return (
        f"wrong PIN for {name}: try again ({OFFLINE_TRIES} wrong PINs in a row lock it for a while)"
    )
