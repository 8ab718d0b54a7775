"""The outbox: every tap is ONE local transaction — the optimistic mutator, the outbox row with
the next gapless seq, and ``next_seq`` bumped (sync.md 4.2). Rows are never deleted while the
event runs: acked ones are the journal a restored organiser is refilled from (4.7).

Row states: ``pending`` (its effect is not yet in the pulled organiser state; ``server_version``
set once the organiser has applied it), ``acked`` (its effect arrived with a pull), ``rejected``
(the organiser refused it; ``reason`` says why and its effect is gone at the next rebase).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from expresso_desktop.core.errors import DomainError
from expresso_desktop.core.sync_protocol import Mutation, MutationResult, Rejection, ResultStatus
from expresso_desktop.store.tables import Outbox
from expresso_desktop.store.types import utcnow

from . import barista, mutators
from .replica import Bases, Replica, get, get_int, put

OUTBOX = Outbox.__table__  # type: ignore[attr-defined]
REBASE_DUE = "rebase_due"  # sync_state: "1" while pending mutators await a rebase


class NotBootstrapped(DomainError):
    code = "not_bootstrapped"


@dataclass(frozen=True, slots=True)
class Row:
    seq: int
    name: str
    args: dict[str, Any]
    client_ts: datetime
    status: str
    reason: str | None
    server_version: int | None
    attempts: int
    message: str | None = None  # the organiser's words for a rejection ("A042: …")

    def mutation(self) -> Mutation:
        """What the organiser is sent."""
        return Mutation(self.seq, self.name, self.args, self.client_ts.isoformat())


def record(replica: Replica, name: str, args: Mapping[str, Any]) -> int:
    """Apply a tap locally and queue it; returns its seq. Refuses (``LocalRefusal``) what
    cannot work on this station's data, and anything before the first download (4.8)."""
    with replica.write() as conn:
        if get(conn, "epoch") is None:
            raise NotBootstrapped("this station has not downloaded the event yet")
        if get(conn, REBASE_DUE) == "1":
            rebase(conn)
        seq = get_int(conn, "next_seq", 1)
        now = utcnow()
        args = barista.stamped(conn, args)  # who is logged in here did it
        run_mutator(conn, seq, name, args, now.isoformat(), strict=True)
        conn.execute(_QUEUE, {"seq": seq, "name": name, "args_json": dict(args), "client_ts": now})
        put(conn, "next_seq", str(seq + 1))
    return seq


_QUEUE = sa.insert(OUTBOX)  # values given per tap: seq, name, args_json, client_ts


def run_mutator(
    conn: Connection,
    seq: int,
    name: str,
    args: Mapping[str, Any],
    client_ts: str,
    *,
    strict: bool,
    bases: Bases | None = None,
    identity: tuple[str, int | None] | None = None,
) -> None:
    client_id, station_id = identity or _identity(conn)
    local = mutators.Local(
        conn,
        client_id=client_id,
        station_id=station_id,
        seq=seq,
        client_ts=client_ts,
        strict=strict,
        bases=bases or Bases(),
    )
    mutators.run(local, name, args)


def _identity(conn: Connection) -> tuple[str, int | None]:
    station = get(conn, "station_id")
    return get(conn, "client_id") or "", int(station) if station else None


def rows(
    conn: Connection,
    *,
    status: str | None = None,
    unpushed: bool = False,
    limit: int = 0,
    seq: int | None = None,
) -> list[Row]:
    query = _rows_query(seq is not None, status is not None, unpushed, bool(limit))
    params = {"seq": seq, "status": status, "limit": limit}
    return [
        Row(
            r.seq,
            r.name,
            r.args_json,
            r.client_ts,
            r.status,
            r.reason,
            r.server_version,
            r.attempts,
            r.message,
        )
        for r in conn.execute(query, params)
    ]


@functools.cache
def _rows_query(seq: bool, status: bool, unpushed: bool, limit: bool) -> sa.Select[Any]:
    """Built once per shape (every round reads the outbox; building cost more than the read)."""
    query = sa.select(OUTBOX).order_by(OUTBOX.c.seq)
    if seq:
        query = query.where(OUTBOX.c.seq == sa.bindparam("seq"))
    if status:
        query = query.where(OUTBOX.c.status == sa.bindparam("status"))
    if unpushed:
        query = query.where(OUTBOX.c.server_version.is_(None))
    if limit:
        query = query.limit(sa.bindparam("limit"))
    return query


def rebase(conn: Connection) -> int:
    """Re-run every pending mutator, in seq order, on the tables just restored to the
    organiser's state (no bases are saved at this point)."""
    put(conn, REBASE_DUE, "0")
    pending = rows(conn, status="pending")
    if not pending:
        return 0
    bases, identity = Bases(fresh=True), _identity(conn)
    for row in pending:
        stamp = row.client_ts.isoformat()
        run_mutator(
            conn, row.seq, row.name, row.args, stamp, strict=False, bases=bases, identity=identity
        )
    return len(pending)


def defer_rebase(conn: Connection) -> None:
    """The tables hold the organiser's state only; pending mutators still have to run."""
    put(conn, REBASE_DUE, "1")


def ensure_rebased(replica: Replica) -> None:
    """Run a rebase a crash mid catch-up left due (the pending taps show again)."""
    if replica.state(REBASE_DUE) == "1":
        with replica.write() as conn:
            if get(conn, REBASE_DUE) == "1":
                rebase(conn)


def mark_results(conn: Connection, results: Iterable[MutationResult]) -> list[Row]:
    """Record a push's answers; returns the rows newly rejected (to tell the barista)."""
    newly_rejected, applied = [], []
    pending = (OUTBOX.c.seq == sa.bindparam("s")) & (OUTBOX.c.status == "pending")
    for result in results:
        if result.outcome is not ResultStatus.REJECTED:
            applied.append({"s": result.seq, "v": result.version or 0})
            continue
        done = conn.execute(
            sa.update(OUTBOX)
            .where((OUTBOX.c.seq == result.seq) & (OUTBOX.c.status == "pending"))
            .values(
                status="rejected",
                reason=result.reason or "rejected",
                message=result.message,
                server_version=result.version,
                attempts=OUTBOX.c.attempts + 1,
            )
        )
        if done.rowcount:
            newly_rejected.extend(rows(conn, seq=result.seq))
    if applied:
        statement = (
            sa.update(OUTBOX)
            .where(pending)
            .values(server_version=sa.bindparam("v"), attempts=OUTBOX.c.attempts + 1)
        )
        conn.execute(statement, applied)
    return newly_rejected


def apply_acks(conn: Connection, last_seq: int, rejected: Sequence[Rejection]) -> list[Row]:
    """A pulled page reflects every mutation up to ``last_seq``: those are no longer pending.
    Returns the rows it marked rejected (their push answer never arrived)."""
    newly = []
    for rejection in rejected:
        done = conn.execute(
            sa.update(OUTBOX)
            .where((OUTBOX.c.seq == rejection.seq) & (OUTBOX.c.status == "pending"))
            .values(status="rejected", reason=rejection.reason or "rejected")
        )
        if done.rowcount:
            newly.extend(rows(conn, seq=rejection.seq))
    conn.execute(_ACK, {"last": last_seq})
    return newly


_ACK = (
    sa.update(OUTBOX)
    .where((OUTBOX.c.seq <= sa.bindparam("last")) & (OUTBOX.c.status == "pending"))
    .values(status="acked")
)


def settle(conn: Connection, last_seq: int, rejected: Sequence[Rejection]) -> list[Row]:
    """After a snapshot, the organiser's record is the truth for every seq up to
    ``last_seq``, whatever this station believed (a restored organiser re-ran some mutations,
    possibly with another outcome). Returns the rows that became rejected."""
    reasons = {r.seq: r.reason or "rejected" for r in rejected if r.seq <= last_seq}
    newly = []
    for seq, reason in reasons.items():
        done = conn.execute(
            sa.update(OUTBOX)
            .where((OUTBOX.c.seq == seq) & (OUTBOX.c.status != "rejected"))
            .values(status="rejected", reason=reason)
        )
        if done.rowcount:
            newly.extend(rows(conn, seq=seq))
    conn.execute(
        sa.update(OUTBOX)
        .where(
            (OUTBOX.c.seq <= last_seq)
            & (OUTBOX.c.status != "acked")
            & OUTBOX.c.seq.not_in(list(reasons) or [0])
        )
        .values(status="acked", reason=None)
    )
    return newly


def reopen(conn: Connection, after_seq: int) -> int:
    """The organiser does not have what we sent after ``after_seq`` (restored, or it forgot
    us): queue it all again. Idempotency by (client_id, seq) makes that safe."""
    done = conn.execute(
        sa.update(OUTBOX)
        .where(
            (OUTBOX.c.seq > after_seq)
            & ((OUTBOX.c.status != "pending") | OUTBOX.c.server_version.is_not(None))
        )
        .values(
            status="pending",
            server_version=None,
            last_error=sa.func.coalesce(OUTBOX.c.reason, OUTBOX.c.last_error),
            reason=None,
            message=None,
        )
    )
    return done.rowcount or 0


def first_pending_seq(conn: Connection) -> int | None:
    return conn.execute(_FIRST_PENDING).scalar()


_FIRST_PENDING = sa.select(sa.func.min(OUTBOX.c.seq)).where(OUTBOX.c.status == "pending")


def counts(conn: Connection) -> dict[str, int]:
    found = conn.execute(sa.select(OUTBOX.c.status, sa.func.count()).group_by(OUTBOX.c.status))
    out = {"pending": 0, "acked": 0, "rejected": 0}
    out.update({status: n for status, n in found})
    return out
