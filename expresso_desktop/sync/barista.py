"""Who is logged in at this station: the barista its taps are recorded for.

Kept in the replica (``sync_state`` key ``barista``) by ``sync/login.py`` after a PIN login,
until ``station logout`` or the next login. Every tap queued while someone is logged in carries
their ``staff_id`` (``outbox.record`` adds it), online or offline: the organiser records it in
the order's history (if it knows that person and they are active; otherwise the tap still
counts, for nobody).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

from .replica import Replica, get, put

KEY = "barista"


@dataclass(frozen=True, slots=True)
class Barista:
    id: int
    name: str
    role: str | None = None
    at: str | None = None  # when they logged in (this station's clock, for display)
    offline: bool = False  # their PIN was checked here, the organiser being unreachable


def remember(replica: Replica, barista: Barista) -> None:
    with replica.write() as conn:
        put(conn, KEY, json.dumps(asdict(barista)))


def forget(replica: Replica) -> Barista | None:
    """Log out; returns who was logged in."""
    with replica.write() as conn:
        who = read(conn)
        conn.execute(text("DELETE FROM sync_state WHERE k = :k"), {"k": KEY})
    return who


def current(replica: Replica) -> Barista | None:
    with replica.read() as conn:
        return read(conn)


def stamped(conn: Connection, args: Mapping[str, Any]) -> dict[str, Any]:
    """A tap's arguments with the logged-in barista's ``staff_id`` (as they are if nobody is
    logged in, or the tap already names someone)."""
    who = read(conn)
    if who is None or "staff_id" in args:
        return dict(args)
    return {**args, "staff_id": who.id}


def as_json(barista: Barista | None) -> dict[str, Any] | None:
    """``{"id": …, "name": …}`` for ``station status --json`` (null: nobody)."""
    return None if barista is None else {"id": barista.id, "name": barista.name}


def read(conn: Connection) -> Barista | None:
    raw = get(conn, KEY)
    if not raw:
        return None
    data = json.loads(raw)
    return Barista(
        id=int(data["id"]),
        name=str(data.get("name") or ""),
        role=data.get("role"),
        at=data.get("at"),
        offline=bool(data.get("offline")),
    )
