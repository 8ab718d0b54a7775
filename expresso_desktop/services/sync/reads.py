"""The organiser's read side of sync: pull and snapshot, each in one read transaction (a WAL
snapshot), so head, rows and ``last_mutation_seq`` always agree (sync.md 4.3); both hand out
rows as devices may read them (``sync_rows.PRIVATE`` redacted) — and the small
SQL helpers the push transaction shares (epoch, head, a client's last seq, stored results)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, text
from sqlalchemy.engine import Connection
from sqlmodel import Session

from expresso_desktop.core.sync_protocol import (
    PAGE_MAX,
    Change,
    Mutation,
    MutationResult,
    PullAnswer,
    PullPage,
    PullRequest,
    PullReset,
    Rejection,
    ResetReason,
    ResultStatus,
    Snapshot,
    SnapshotRequest,
    SnapshotTable,
)
from expresso_desktop.store import raw, sync_rows
from expresso_desktop.store.engine import read_session
from expresso_desktop.store.tables import MutationLog
from expresso_desktop.store.types import utcnow

_SYNCED = frozenset(sync_rows.ORDERED)


def pull(
    engine: Engine, req: PullRequest, check: Callable[[bool, int | None], None] | None = None
) -> PullAnswer:
    """One page of changes after ``req.cursor``, in one read snapshot (sync.md 4.3).

    Plain statements on the snapshot's own SQLite connection (every station pulls on every
    poke: the ORM and Core wrapping cost several times the SQL). ``check(known, device_id)``
    sees the client's registration, read in the same snapshot, before anything else."""
    limit = max(1, min(PAGE_MAX, req.limit))
    with read_session(engine) as session:
        conn = raw.connection(session)
        if check is not None:
            row = conn.execute(_CLIENT_DEVICE, (req.client_id,)).fetchone()
            check(row is not None, None if row is None else row[0])
        epoch, top, retained = conn.execute(_WHERE_RAW).fetchone()
        current = None if epoch is None else str(epoch)
        top, retained = int(top or 0), int(retained or 0)
        reason = None
        if req.epoch != current:
            reason = ResetReason.EPOCH
        elif req.cursor > top:
            reason = ResetReason.CURSOR_AHEAD  # the server's history regressed
        elif req.cursor < retained:
            reason = ResetReason.BELOW_RETENTION
        if reason is not None:
            return PullReset(reason, current, top)
        rows = conn.execute(_PAGE, (req.cursor, limit + 1)).fetchall()
        has_more = len(rows) > limit
        rows = rows[:limit]
        next_cursor = rows[-1][0] if has_more else top
        changes = tuple(
            Change(v, e, i, op, _visible(e, json_value(data)))
            for v, e, i, op, data in rows
            if e in _SYNCED
        )
        found = conn.execute(_LAST_SEQ_UPTO_RAW, (req.client_id, next_cursor)).fetchone()
        upto = int(found[0]) if found and found[0] is not None else 0
        rejected = conn.execute(_REJECTED_RAW, (req.client_id, req.since_seq, upto)).fetchall()
        return PullPage(
            epoch=current or "",
            changes=changes,
            next_cursor=next_cursor,
            head=top,
            has_more=has_more,
            last_mutation_seq=upto,
            rejected=tuple(Rejection(s, r) for s, r in rejected),
        )


_CLIENT_DEVICE = "SELECT device_id FROM sync_clients WHERE client_id = ?"
_WHERE_RAW = (
    "SELECT (SELECT v FROM sync_meta WHERE k = 'epoch'),"
    " (SELECT seq FROM sqlite_sequence WHERE name = 'change_log'),"
    " (SELECT v FROM sync_meta WHERE k = 'min_retained_version')"
)
_PAGE = (
    "SELECT version, entity, entity_id, op, data_json FROM change_log"
    " WHERE version > ? ORDER BY version LIMIT ?"
)
_LAST_SEQ_UPTO_RAW = (
    "SELECT seq FROM mutation_log WHERE client_id = ? AND version <= ? ORDER BY seq DESC LIMIT 1"
)
_REJECTED_RAW = (
    "SELECT seq, reason FROM mutation_log WHERE client_id = ? AND seq > ?"
    " AND seq <= ? AND status = 'rejected' ORDER BY seq"
)


def snapshot(engine: Engine, req: SnapshotRequest) -> Snapshot:
    """Every synced row, the head and the client's last seq, all from one read snapshot."""
    with read_session(engine) as session:
        conn = session.connection()
        top = head(conn)
        upto = last_seq(conn, req.client_id, top)
        rejected = conn.execute(
            text(
                "SELECT seq, reason FROM mutation_log WHERE client_id = :c"
                " AND status = 'rejected' ORDER BY seq"
            ),
            {"c": req.client_id},
        )
        with sync_rows.collector_paused():
            tables = {
                name: SnapshotTable(raw["columns"], raw["rows"])
                for name, raw in sync_rows.read_raw(conn).items()
            }
        return Snapshot(
            epoch=meta(conn, "epoch") or "",
            head=top,
            last_mutation_seq=upto,
            tables=tables,
            rejected=tuple(Rejection(s, r) for s, r in rejected),
        )


# -- helpers the push transaction shares -----------------------------------------------------


def meta(conn: Connection, key: str, default: str | None = None) -> str | None:
    row = conn.execute(text("SELECT v FROM sync_meta WHERE k = :k"), {"k": key}).first()
    return str(row[0]) if row else default


def head(conn: Connection) -> int:
    """The newest change_log version ever allocated (AUTOINCREMENT's high-water mark)."""
    row = conn.execute(text("SELECT seq FROM sqlite_sequence WHERE name = 'change_log'")).first()
    return int(row[0]) if row else 0


def last_seq(conn: Connection, client_id: str, upto: int | None = None) -> int:
    """The client's newest processed seq; with ``upto``, the newest whose effects are in the
    state at version ``upto`` (what a page of that cursor acknowledges)."""
    if upto is None:
        row = conn.execute(
            text("SELECT last_mutation_seq FROM sync_clients WHERE client_id = :c"),
            {"c": client_id},
        ).first()
    else:
        row = conn.execute(_LAST_SEQ_UPTO, {"c": client_id, "v": upto}).first()
    return int(row[0]) if row and row[0] is not None else 0


# MAX(seq) with the condition, walking the client's log back from its newest entry: a page
# acknowledges (nearly) everything, so this stops at once, where MAX read the client's whole log.
_LAST_SEQ_UPTO = text(
    "SELECT seq FROM mutation_log WHERE client_id = :c AND version <= :v ORDER BY seq DESC LIMIT 1"
)


def stored_result(session: Session, client_id: str, seq: int) -> MutationResult:
    """A mutation processed before, answered again as a duplicate of what it was."""
    row = session.get(MutationLog, (client_id, seq))
    if row is None:  # compacted away: it was processed, that is all we know
        return MutationResult(seq, ResultStatus.DUPLICATE, original=ResultStatus.APPLIED)
    return MutationResult(
        seq,
        ResultStatus.DUPLICATE,
        version=row.version,
        reason=row.reason,
        message=row.message,
        original=ResultStatus(row.status),
    )


LOG_INSERT = raw.Insert(
    MutationLog.__table__,  # type: ignore[attr-defined]
    ("client_id", "seq", "name", "args_json", "status", "reason", "message", "version",
     "client_ts", "received_at"),
)  # fmt: skip


def head_raw(session: Session) -> int:
    """``head`` on a writer's session, as a plain statement."""
    row = raw.first(session, _HEAD_RAW)
    return int(row[0]) if row else 0


_HEAD_RAW = "SELECT seq FROM sqlite_sequence WHERE name = 'change_log'"


def log_row(client_id: str, m: Mutation, result: MutationResult) -> dict[str, Any]:
    """The mutation_log row of a processed mutation (inserted with the batch's)."""
    return {
        "client_id": client_id,
        "seq": m.seq,
        "name": m.name,
        "args_json": dict(m.args),
        "status": result.status.value,
        "reason": result.reason,
        "message": result.message,
        "version": result.version,
        "client_ts": aware(m.client_ts),
        "received_at": utcnow(),
    }


def _visible(entity: str, data: Any) -> Any:
    """A pulled image as devices may read it: never a PIN hash nor another client's id."""
    return sync_rows.redact(entity, data) if isinstance(data, dict) else data


def json_value(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def aware(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.utcoffset() is not None else None
