"""The station's link to the organiser as another process sees it (``station status``, the
window after a restart): kept in ``sync_state`` by the running sync (``runner.py``), judged
here.

The running sync writes its pid when it starts (``sync_pid``), ``online``/``since``/
``last_error`` when the link goes up or down, and ``last_contact`` after every successful
exchange (at most every few seconds); on a clean stop it removes the pid and says offline.
A reader believes "online" only if that process is still alive *and* its last exchange is
recent: a killed sync (no clean stop), or one that stopped hearing from the organiser, is
offline, with since when and why.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import text
from sqlalchemy.engine import Connection

from expresso_desktop.lifecycle import process_alive
from expresso_desktop.store.types import utcnow

from .replica import get, put

ONLINE_WITHIN = timedelta(seconds=20)  # a running station exchanges every few seconds
NOT_RUNNING = "no sync process running — start `expresso barista` or `barista --headless`"
STOPPED = "the station's sync stopped"

PID_KEY = "sync_pid"


@dataclass(frozen=True, slots=True)
class Link:
    """``online`` only while a sync process runs and exchanged with the organiser lately;
    otherwise ``since`` when it is offline (None if it never was online) and ``reason``."""

    online: bool
    since: str | None
    reason: str
    last_exchange: str | None
    sync_pid: int | None  # the running sync's process, None when none runs

    @property
    def state(self) -> str:
        return "online" if self.online else "offline"


def mark_running(conn: Connection) -> None:
    """The sync loop of this process starts (it says online after its first exchange)."""
    put(conn, PID_KEY, str(os.getpid()))


def mark_stopped(conn: Connection) -> None:
    """The sync loop of this process stops cleanly: offline from now (unless another process
    has taken over the replica's sync meanwhile)."""
    if get(conn, PID_KEY) not in (None, str(os.getpid())):
        return
    conn.execute(text("DELETE FROM sync_state WHERE k = :k"), {"k": PID_KEY})
    if get(conn, "online") != "0":
        put(conn, "since", utcnow().isoformat())
    put(conn, "online", "0")
    put(conn, "last_error", STOPPED)


def read_link(conn: Connection, *, now: datetime | None = None) -> Link:
    now = now or datetime.now(UTC)
    contact = get(conn, "last_contact")
    since = get(conn, "since")
    said_online = get(conn, "online") == "1"
    raw_pid = get(conn, PID_KEY)
    pid = int(raw_pid) if raw_pid and raw_pid.isdigit() else None
    running = pid is not None and process_alive(pid)
    if not running:
        # Killed while online: it was last known online at its last exchange.
        went = contact if said_online and contact else since
        return Link(False, went, NOT_RUNNING, contact, None)
    if not said_online:
        why = get(conn, "last_error") or "the organiser cannot be reached"
        return Link(False, since, why, contact, pid)
    if contact is None or now - _when(contact) >= ONLINE_WITHIN:
        quiet = f"no exchange with the organiser since {contact}" if contact else "no exchange yet"
        return Link(False, contact or since, quiet, contact, pid)
    return Link(True, since, "", contact, pid)


def _when(stamp: str) -> datetime:
    moment = datetime.fromisoformat(stamp)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
