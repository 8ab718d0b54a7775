"""The wire side of the organiser's sync: request checks, the read transactions (pull and
snapshot) and the small SQL helpers the writer side shares. Every read happens in one WAL
snapshot, so head, rows and ``last_mutation_seq`` always agree (sync.md 4.3)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, text
from sqlalchemy.engine import Connection
from sqlmodel import Session

from expresso_desktop.core.errors import ValidationError
from expresso_desktop.store import sync_rows
from expresso_desktop.store.engine import read_session
from expresso_desktop.store.tables import MutationLog
from expresso_desktop.store.types import utcnow

PAGE_DEFAULT, PAGE_MAX = 500, 2000
_SYNCED = tuple(sync_rows.ORDERED)


# -- pull --------------------------------------------------------------------------------
def pull(engine: Engine, req: Mapping[str, Any]) -> dict[str, Any]:
    """One page of changes after ``cursor``, in one read snapshot (sync.md 4.3)."""
    client_id = client_id_of(req)
    epoch = field(req, "epoch", str)
    cursor = int_param(req, "cursor", 0)
    limit = max(1, min(PAGE_MAX, int_param(req, "limit", PAGE_DEFAULT)))
    since_seq = int_param(req, "since_seq", 0)
    with read_session(engine) as session:
        conn = session.connection()
        current, top = meta(conn, "epoch"), head(conn)
        retained = int(meta(conn, "min_retained_version", "0") or 0)
        reason = None
        if epoch != current:
            reason = "epoch"
        elif cursor > top:
            reason = "cursor_ahead"  # the server's history regressed
        elif cursor < retained:
            reason = "below_retention"
        if reason is not None:
            return {"reset": True, "reason": reason, "epoch": current, "head": top}
        rows = conn.execute(
            text(
                "SELECT version, entity, entity_id, op, data_json FROM change_log"
                " WHERE version > :c ORDER BY version LIMIT :n"
            ),
            {"c": cursor, "n": limit + 1},
        ).all()
        has_more = len(rows) > limit
        rows = rows[:limit]
        next_cursor = rows[-1][0] if has_more else top
        changes = [
            {"v": v, "entity": e, "id": i, "op": op, "data": json_value(data)}
            for v, e, i, op, data in rows
            if e in _SYNCED
        ]
        upto = last_seq(conn, client_id, next_cursor)
        rejected = conn.execute(
            text(
                "SELECT seq, reason FROM mutation_log WHERE client_id = :c AND seq > :s"
                " AND seq <= :l AND status = 'rejected' ORDER BY seq"
            ),
            {"c": client_id, "s": since_seq, "l": upto},
        ).all()
    return {
        "epoch": current,
        "changes": changes,
        "next_cursor": next_cursor,
        "head": top,
        "has_more": has_more,
        "last_mutation_seq": upto,
        "rejected": [[s, r] for s, r in rejected],
    }


def snapshot(engine: Engine, req: Mapping[str, Any]) -> dict[str, Any]:
    """Every synced row, the head and the client's last seq, all from one read snapshot."""
    client_id = client_id_of(req)
    with read_session(engine) as session:
        conn = session.connection()
        top = head(conn)
        upto = last_seq(conn, client_id, top)
        rejected = conn.execute(
            text(
                "SELECT seq, reason FROM mutation_log WHERE client_id = :c"
                " AND status = 'rejected' ORDER BY seq"
            ),
            {"c": client_id},
        ).all()
        return {
            "epoch": meta(conn, "epoch"),
            "head": top,
            "last_mutation_seq": upto,
            "rejected": [[s, r] for s, r in rejected],
            "tables": sync_rows.read_raw(conn),
        }


def field(req: Mapping[str, Any], key: str, kind: type, *, optional: bool = False) -> Any:
    value = req.get(key)
    if value is None and optional:
        return None
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise ValidationError(f"{key} must be a {kind.__name__}", field=key)
    return value


def meta(conn: Connection, key: str, default: str | None = None) -> str | None:
    row = conn.execute(text("SELECT v FROM sync_meta WHERE k = :k"), {"k": key}).first()
    return str(row[0]) if row else default


def head(conn: Connection) -> int:
    """The newest change_log version ever allocated (AUTOINCREMENT's high-water mark)."""
    row = conn.execute(text("SELECT seq FROM sqlite_sequence WHERE name = 'change_log'")).first()
    return int(row[0]) if row else 0


def client_id_of(req: Mapping[str, Any]) -> str:
    value = field(req, "client_id", str)
    if not 1 <= len(value) <= 64:
        raise ValidationError("client_id must be 1-64 characters", field="client_id")
    return value


def int_param(req: Mapping[str, Any], key: str, default: int) -> int:
    value = req.get(key, default)
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValidationError(f"{key} must be a whole number", field=key) from None
    if number < 0:
        raise ValidationError(f"{key} must be >= 0", field=key)
    return number


def mutation_of(raw: Any) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise ValidationError("each mutation must be an object", field="mutations")
    seq, name, args = raw.get("seq"), raw.get("name"), raw.get("args", {})
    if isinstance(seq, bool) or not isinstance(seq, int) or seq < 1:
        raise ValidationError("seq must be a whole number >= 1", field="mutations.seq")
    if not isinstance(name, str) or not 1 <= len(name) <= 64:
        raise ValidationError("name must be text", field="mutations.name")
    if not isinstance(args, dict):
        raise ValidationError("args must be an object", field="mutations.args")
    client_ts = raw.get("client_ts")
    return {"seq": seq, "name": name, "args": args, "client_ts": client_ts}


def json_value(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def aware(value: Any) -> Any:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.utcoffset() is not None else None


def last_seq(conn: Connection, client_id: str, upto: int | None = None) -> int:
    if upto is None:
        row = conn.execute(
            text("SELECT last_mutation_seq FROM sync_clients WHERE client_id = :c"),
            {"c": client_id},
        ).first()
    else:
        row = conn.execute(
            text("SELECT MAX(seq) FROM mutation_log WHERE client_id = :c AND version <= :v"),
            {"c": client_id, "v": upto},
        ).first()
    return int(row[0]) if row and row[0] is not None else 0


def stored_result(session: Session, client_id: str, seq: int) -> dict[str, Any]:
    row = session.get(MutationLog, (client_id, seq))
    if row is None:  # compacted away: it was processed, that is all we know
        return {"seq": seq, "status": "duplicate", "original": "applied"}
    return {
        "seq": seq,
        "status": "duplicate",
        "original": row.status,
        "reason": row.reason,
        "version": row.version,
    }


# -- the push transaction's bookkeeping --------------------------------------------------


ORIGIN_UPDATE = text(
    "UPDATE change_log SET origin_client = :c, origin_seq = :s WHERE version BETWEEN :lo AND :hi"
)


def log_row(client_id: str, m: dict[str, Any], result: dict[str, Any]) -> dict[str, Any]:
    client_ts = aware(m.get("client_ts"))
    return {
        "client_id": client_id,
        "seq": m["seq"],
        "name": m["name"],
        "args_json": m["args"],
        "status": result["status"],
        "reason": result.get("reason"),
        "version": result["version"],
        "client_ts": client_ts,
        "received_at": utcnow(),
    }
