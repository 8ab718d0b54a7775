"""The organiser's side of station sync (design/sync.md 4.1, 4.3, 4.10), transport-free.

``hello``, ``push``, ``pull`` and ``snapshot`` take and return plain JSON-able dicts; the HTTP
routes (``server/api_sync.py``) and the simulation's fake network call them alike.

- ``push`` runs the whole batch as one transaction on the single writer (``BEGIN IMMEDIATE``),
  each mutation inside a savepoint: a refusal rolls back only that mutation, is recorded as
  ``rejected`` with its reason, and still advances ``last_mutation_seq`` (the queue never
  sticks). mutation_log and sync_clients are written in that same transaction, so an answer
  is only ever given for committed work and a retried batch is answered ``duplicate`` (I1).
  A database error rolls everything back and the station retries (``Unavailable``).
- ``pull`` and ``snapshot`` each read one WAL snapshot: head, rows and the client's
  ``last_mutation_seq`` agree with each other (4.3, made page-exact).

Wall-clock time is stamped for display and the recovery window only, never to order (I6).
"""

from __future__ import annotations

import json
import logging
import os
import signal
import time
import uuid
from collections.abc import Callable, Mapping
from typing import Any

import sqlalchemy.exc
from sqlalchemy import Engine, text
from sqlalchemy.engine import Connection
from sqlmodel import Session

from expresso_desktop.core.errors import DomainError, ValidationError
from expresso_desktop.core.menu import Menu
from expresso_desktop.services.epoch import get_or_create_epoch
from expresso_desktop.services.sync_journal import Journal
from expresso_desktop.services.sync_mutations import (
    ORGANISER_CLIENT,
    SCHEMA_MIN,
    SCHEMA_VERSION,
    Caller,
    Deferred,
    MutationCtx,
    Refused,
    check_role,
    resolve,
)
from expresso_desktop.services.writer import Tx, Writer
from expresso_desktop.store import sync_rows
from expresso_desktop.store.engine import read_session
from expresso_desktop.store.errors import StoreError
from expresso_desktop.store.tables import MutationLog, SyncClient, SyncMeta
from expresso_desktop.store.types import utcnow

log = logging.getLogger(__name__)

PROTO = 1
MAX_BATCH = 100
PAGE_DEFAULT, PAGE_MAX = 500, 2000
RECOVERY_WINDOW_S = 60.0  # after a restore, unknown entities are "deferred" this long (4.7)
FAULT_ENV = "SYNC_FAULT"  # test hook: kill this process at a chosen point (see _fault)
_SYNCED = tuple(sync_rows.ORDERED)


def head(conn: Connection) -> int:
    """The newest change_log version ever allocated (AUTOINCREMENT's high-water mark)."""
    row = conn.execute(text("SELECT seq FROM sqlite_sequence WHERE name = 'change_log'")).first()
    return int(row[0]) if row else 0


def meta(conn: Connection, key: str, default: str | None = None) -> str | None:
    row = conn.execute(text("SELECT v FROM sync_meta WHERE k = :k"), {"k": key}).first()
    return str(row[0]) if row else default


def _field(req: Mapping[str, Any], key: str, kind: type, *, optional: bool = False) -> Any:
    value = req.get(key)
    if value is None and optional:
        return None
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise ValidationError(f"{key} must be a {kind.__name__}", field=key)
    return value


class SyncServer:
    def __init__(
        self,
        engine: Engine,
        writer: Writer,
        *,
        event_id: int,
        menu: Menu,
        journal: Journal | None = None,
        clock: Callable[[], float] = time.time,
        fault: str | None = None,
    ) -> None:
        self.engine, self.writer = engine, writer
        self.event_id, self.menu = event_id, menu
        self.journal = journal
        self.clock = clock
        self.fault = fault if fault is not None else os.environ.get(FAULT_ENV, "")
        self.boot_id = str(uuid.uuid4())
        get_or_create_epoch(engine)

    # -- hello -------------------------------------------------------------------------------
    def hello(self, req: Mapping[str, Any], caller: Caller) -> dict[str, Any]:
        """Register (or refresh) the client; tell it where the server stands (4.3, 4.7)."""
        client_id = _client_id(req)

        def register(tx: Tx) -> None:
            row = tx.session.get(SyncClient, client_id) or SyncClient(client_id=client_id)
            row.role, row.station_id = caller.role, caller.station_id
            row.app_version = str(req.get("app_version") or "")[:40] or None
            schema = req.get("schema_version")
            row.schema_version = schema if isinstance(schema, int) else None
            row.last_seen = utcnow()
            tx.session.add(row)

        self.writer.run_sync(register)
        with read_session(self.engine) as session:
            conn = session.connection()
            return {
                "proto": PROTO,
                "epoch": meta(conn, "epoch"),
                "boot_id": self.boot_id,
                "server_time": utcnow().isoformat(),
                "schema_min": SCHEMA_MIN,
                "schema_max": SCHEMA_VERSION,
                "head": head(conn),
                "last_mutation_seq": _last_seq(conn, client_id),
                "min_retained_version": int(meta(conn, "min_retained_version", "0") or 0),
            }

    # -- push --------------------------------------------------------------------------------
    def push(self, req: Mapping[str, Any], caller: Caller) -> dict[str, Any]:
        client_id = _client_id(req)
        epoch = _field(req, "epoch", str)
        raw = _field(req, "mutations", list)
        if len(raw) > MAX_BATCH:
            raise ValidationError(f"at most {MAX_BATCH} mutations per push", field="mutations")
        mutations = sorted((_mutation(m) for m in raw), key=lambda m: m["seq"])
        caller = Caller(client_id, caller.role, caller.station_id, caller.name)
        try:
            outcome = self.writer.run_sync(
                lambda tx: self._apply_batch(tx, caller, epoch, mutations)
            )
        except (StoreError, sqlalchemy.exc.OperationalError) as exc:
            log.warning("push from %s rolled back (will be retried): %s", client_id[:8], exc)
            return {"error": "Unavailable", "message": str(exc)}
        if self.journal is not None:
            self.journal.append_results(
                outcome.get("epoch"), caller, mutations, outcome.get("results", [])
            )
        return outcome

    def _apply_batch(
        self,
        tx: Tx,
        caller: Caller,
        epoch: str,
        mutations: list[dict[str, Any]],
        *,
        recovering: bool | None = None,
    ) -> dict[str, Any]:
        conn = tx.session.connection()
        current = meta(conn, "epoch")
        if epoch != current:
            return {"error": "EpochMismatch", "epoch": current}
        client = tx.session.get(SyncClient, caller.client_id)
        if client is None:
            return {"error": "ClientStateNotFound"}
        if recovering is None:
            recovering = float(meta(conn, "recovering_until", "0") or 0) > self.clock()
        results: list[dict[str, Any]] = []
        error: dict[str, Any] | None = None
        for index, m in enumerate(mutations, start=1):
            last = client.last_mutation_seq
            if m["seq"] <= last:
                results.append(_stored(tx.session, caller.client_id, m["seq"]))
                continue
            if m["seq"] != last + 1:
                error = {"error": "Gap", "expected": last + 1}
                break
            try:
                result = self._apply_one(tx, caller, m, recovering)
            except Deferred as exc:
                error = {"error": "Deferred", "message": f"waiting for {exc}", "seq": m["seq"]}
                break
            self._fault(f"mid_batch:{index}")
            tx.session.add(
                MutationLog(
                    client_id=caller.client_id,
                    seq=m["seq"],
                    name=m["name"],
                    args_json=m["args"],
                    status=result["status"],
                    reason=result.get("reason"),
                    version=result["version"],
                    client_ts=_aware(m.get("client_ts")),
                    received_at=utcnow(),
                )
            )
            client.last_mutation_seq = m["seq"]
            client.last_seen = utcnow()
            tx.session.add(client)
            tx.session.flush()
            results.append(result)
        out = {
            "epoch": current,
            "last_mutation_seq": client.last_mutation_seq,
            "results": results,
            "head": head(conn),
        }
        return {**error, **out} if error else out

    def _apply_one(
        self, tx: Tx, caller: Caller, m: dict[str, Any], recovering: bool
    ) -> dict[str, Any]:
        session = tx.session
        before = len(tx.changes.changes)
        ctx = MutationCtx(tx, caller, m["seq"], self.event_id, self.menu, recovering)
        rejected: tuple[str, str] | None = None
        try:
            with session.begin_nested():
                spec = resolve(m["name"])
                if spec is None:
                    raise Refused("unsupported_mutation", f"this organiser cannot run {m['name']}")
                check_role(ctx, spec)
                spec.handler(ctx, m["args"])
                session.flush()
        except (Deferred, StoreError, sqlalchemy.exc.OperationalError):
            raise
        except DomainError as exc:
            rejected = (exc.code, exc.reason)
            if isinstance(exc, Refused) and exc.alert is not None:
                tx.changes.alerts.append(exc.alert)
        except Exception as exc:  # a poison mutation (bad args, a bug): refuse, never stick
            log.exception("mutation %s/%s failed; rejecting it", caller.client_id[:8], m["seq"])
            rejected = ("invalid", f"{type(exc).__name__}: {exc}"[:300])
        if rejected is not None:
            del tx.changes.changes[before:]  # rolled back with the savepoint: never announce
            version = head(session.connection())
            return {"seq": m["seq"], "status": "rejected", "reason": rejected[0],
                    "message": rejected[1], "version": version}  # fmt: skip
        new = tx.changes.changes[before:]
        if not new:
            return {"seq": m["seq"], "status": "applied", "version": head(session.connection())}
        session.connection().execute(
            text("UPDATE change_log SET origin_client = :c, origin_seq = :s WHERE version >= :v"),
            {"c": caller.client_id, "s": m["seq"], "v": new[0].version},
        )
        return {"seq": m["seq"], "status": "applied", "version": new[-1].version}

    # -- the organiser's own writes ------------------------------------------------------------
    def apply_local(self, name: str, args: Mapping[str, Any]) -> dict[str, Any]:
        """The organiser's UI writes through the same path: client ``organiser``, next seq."""
        caller = Caller(ORGANISER_CLIENT, "organiser", None, "Organiser")

        def batch(tx: Tx) -> dict[str, Any]:
            client = tx.session.get(SyncClient, ORGANISER_CLIENT)
            if client is None:
                client = SyncClient(client_id=ORGANISER_CLIENT, role="organiser")
                tx.session.add(client)
                tx.session.flush()
            epoch = meta(tx.session.connection(), "epoch") or ""
            m = {"seq": client.last_mutation_seq + 1, "name": name, "args": dict(args)}
            out = self._apply_batch(tx, caller, epoch, [m])
            out["mutation"] = m
            return out

        out = self.writer.run_sync(batch)
        if self.journal is not None:
            self.journal.append_results(
                out.get("epoch"), caller, [out["mutation"]], out.get("results", [])
            )
        return out["results"][0] if out.get("results") else out

    # -- pull --------------------------------------------------------------------------------
    def pull(self, req: Mapping[str, Any], caller: Caller) -> dict[str, Any]:
        client_id = _client_id(req)
        epoch = _field(req, "epoch", str)
        cursor = _int_param(req, "cursor", 0)
        limit = max(1, min(PAGE_MAX, _int_param(req, "limit", PAGE_DEFAULT)))
        since_seq = _int_param(req, "since_seq", 0)
        with read_session(self.engine) as session:
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
                {"v": v, "entity": e, "id": i, "op": op, "data": _json(data)}
                for v, e, i, op, data in rows
                if e in _SYNCED
            ]
            last_seq = _last_seq(conn, client_id, next_cursor)
            rejected = conn.execute(
                text(
                    "SELECT seq, reason FROM mutation_log WHERE client_id = :c AND seq > :s"
                    " AND seq <= :l AND status = 'rejected' ORDER BY seq"
                ),
                {"c": client_id, "s": since_seq, "l": last_seq},
            ).all()
        return {
            "epoch": current,
            "changes": changes,
            "next_cursor": next_cursor,
            "head": top,
            "has_more": has_more,
            "last_mutation_seq": last_seq,
            "rejected": [[s, r] for s, r in rejected],
        }

    # -- snapshot ----------------------------------------------------------------------------
    def snapshot(self, req: Mapping[str, Any], caller: Caller) -> dict[str, Any]:
        client_id = _client_id(req)
        with read_session(self.engine) as session:
            conn = session.connection()
            top = head(conn)
            last_seq = _last_seq(conn, client_id, top)
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
                "last_mutation_seq": last_seq,
                "rejected": [[s, r] for s, r in rejected],
                "tables": sync_rows.read_raw(conn),
            }

    # -- restore (4.7) -----------------------------------------------------------------------
    def rotate_epoch(self, *, recovery_window_s: float = RECOVERY_WINDOW_S) -> str:
        """History regressed (a backup was restored): a new epoch makes every station recover;
        for a while, mutations naming unknown entities are deferred, not refused."""
        epoch = str(uuid.uuid4())

        def write(tx: Tx) -> None:
            for key, value in (
                ("epoch", epoch),
                ("recovering_until", str(self.clock() + recovery_window_s)),
            ):
                row = tx.session.get(SyncMeta, key) or SyncMeta(k=key, v=value)
                row.v = value
                tx.session.add(row)

        self.writer.run_sync(write)
        log.warning("sync epoch rotated to %s (history restored)", epoch)
        return epoch

    def _fault(self, point: str) -> None:
        if self.fault and self.fault == point:
            log.error("SYNC_FAULT=%s: killing the organiser now", point)
            os.kill(os.getpid(), signal.SIGKILL)

    def fault_point(self, point: str) -> None:
        """For the transport: ``after_commit_before_response`` and the like."""
        self._fault(point)


def _client_id(req: Mapping[str, Any]) -> str:
    value = _field(req, "client_id", str)
    if not 1 <= len(value) <= 64:
        raise ValidationError("client_id must be 1-64 characters", field="client_id")
    return value


def _int_param(req: Mapping[str, Any], key: str, default: int) -> int:
    value = req.get(key, default)
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValidationError(f"{key} must be a whole number", field=key) from None
    if number < 0:
        raise ValidationError(f"{key} must be >= 0", field=key)
    return number


def _mutation(raw: Any) -> dict[str, Any]:
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


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _aware(value: Any) -> Any:
    from datetime import datetime

    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.utcoffset() is not None else None


def _last_seq(conn: Connection, client_id: str, upto: int | None = None) -> int:
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


def _stored(session: Session, client_id: str, seq: int) -> dict[str, Any]:
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
