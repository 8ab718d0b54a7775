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

import contextlib
import logging
import os
import signal
import time
import uuid
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import sqlalchemy.exc
from sqlalchemy import Engine

from expresso_desktop.core.errors import DomainError, ValidationError
from expresso_desktop.core.menu import Menu
from expresso_desktop.services.sync import reads as sync_reads
from expresso_desktop.services.sync.epoch import get_or_create_epoch
from expresso_desktop.services.sync.journal import Journal
from expresso_desktop.services.sync.mutations import (
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
from expresso_desktop.services.sync.reads import (
    ORIGIN_UPDATE,
    client_id_of,
    field,
    head,
    last_seq,
    log_row,
    meta,
    mutation_of,
    stored_result,
)
from expresso_desktop.services.writer import Tx, Writer
from expresso_desktop.store.engine import read_session
from expresso_desktop.store.errors import StoreError
from expresso_desktop.store.tables import MutationLog, SyncClient
from expresso_desktop.store.types import utcnow

if TYPE_CHECKING:
    pass

log = logging.getLogger(__name__)


class _Unguarded(Exception):
    """A mutation failed in the fast path: redo the batch with savepoints."""


PROTO = 1
MAX_BATCH = 100
RECOVERY_WINDOW_S = 60.0  # after a restore, unknown entities are "deferred" this long (4.7)
FAULT_ENV = "SYNC_FAULT"  # test hook: kill this process at a chosen point (see _fault)


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
        client_id = client_id_of(req)

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
                "last_mutation_seq": last_seq(conn, client_id),
                "min_retained_version": int(meta(conn, "min_retained_version", "0") or 0),
            }

    # -- push --------------------------------------------------------------------------------
    def push(self, req: Mapping[str, Any], caller: Caller) -> dict[str, Any]:
        client_id = client_id_of(req)
        epoch = field(req, "epoch", str)
        raw = field(req, "mutations", list)
        if len(raw) > MAX_BATCH:
            raise ValidationError(f"at most {MAX_BATCH} mutations per push", field="mutations")
        mutations = sorted((mutation_of(m) for m in raw), key=lambda m: m["seq"])
        caller = Caller(client_id, caller.role, caller.station_id, caller.name)
        try:
            outcome = self.writer.run_sync(lambda tx: self.batch_job(tx, caller, epoch, mutations))
        except (StoreError, sqlalchemy.exc.OperationalError) as exc:
            log.warning("push from %s rolled back (will be retried): %s", client_id[:8], exc)
            return {"error": "Unavailable", "message": str(exc)}
        if self.journal is not None:
            self.journal.append_results(
                outcome.get("epoch"), caller, mutations, outcome.get("results", [])
            )
        return outcome

    def batch_job(
        self,
        tx: Tx,
        caller: Caller,
        epoch: str,
        mutations: list[dict[str, Any]],
        *,
        recovering: bool | None = None,
    ) -> dict[str, Any]:
        """Apply a batch in the writer's transaction. First without a savepoint per mutation
        (refusals are rare and the handlers check before they write); if any mutation is
        refused or fails, the whole attempt is rolled back and the batch re-run with one
        savepoint each, so that only the refused mutation's effects are undone."""
        try:
            with tx.savepoint():  # one savepoint for the whole fast attempt
                return self._apply_batch(tx, caller, epoch, mutations, recovering, guarded=False)
        except _Unguarded:
            return self._apply_batch(tx, caller, epoch, mutations, recovering, guarded=True)

    def _apply_batch(
        self,
        tx: Tx,
        caller: Caller,
        epoch: str,
        mutations: list[dict[str, Any]],
        recovering: bool | None,
        *,
        guarded: bool,
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
        logged: list[dict[str, Any]] = []
        error: dict[str, Any] | None = None
        last = client.last_mutation_seq
        for index, m in enumerate(mutations, start=1):
            if m["seq"] <= last:
                earlier = next((r for r in results if r["seq"] == m["seq"]), None)
                results.append(
                    {**earlier, "status": "duplicate", "original": earlier["status"]}
                    if earlier
                    else stored_result(tx.session, caller.client_id, m["seq"])
                )
                continue
            if m["seq"] != last + 1:
                error = {"error": "Gap", "expected": last + 1}
                break
            try:
                result = self._apply_one(tx, caller, m, recovering, guarded)
            except Deferred as exc:
                error = {"error": "Deferred", "message": f"waiting for {exc}", "seq": m["seq"]}
                break
            self._fault(f"mid_batch:{index}")
            logged.append(log_row(caller.client_id, m, result))
            last = m["seq"]
            results.append(result)
        # The bookkeeping of the whole batch in three statements, still inside its transaction.
        if logged:
            conn.execute(MutationLog.__table__.insert(), logged)  # type: ignore[attr-defined]
            origins = [o for r in results if (o := r.pop("_origin", None))]
            if origins:
                conn.execute(ORIGIN_UPDATE, origins)
            client = tx.session.get(SyncClient, caller.client_id) or client
            client.last_mutation_seq = last
            client.last_seen = utcnow()
            tx.session.add(client)
            tx.session.flush()
        out = {
            "epoch": current,
            "last_mutation_seq": client.last_mutation_seq,
            "results": results,
            "head": head(conn),
        }
        return {**error, **out} if error else out

    def _apply_one(
        self, tx: Tx, caller: Caller, m: dict[str, Any], recovering: bool, guarded: bool
    ) -> dict[str, Any]:
        session = tx.session
        before = len(tx.changes.changes)
        ctx = MutationCtx(
            tx, caller, m["seq"], self.event_id, self.menu, recovering, m.get("client_ts")
        )
        rejected: tuple[str, str] | None = None
        try:
            with tx.savepoint() if guarded else contextlib.nullcontext():
                spec = resolve(m["name"])
                if spec is None:
                    raise Refused("unsupported_mutation", f"this organiser cannot run {m['name']}")
                check_role(ctx, spec)
                spec.handler(ctx, m["args"])
                session.flush()
        except (StoreError, sqlalchemy.exc.OperationalError):
            raise
        except Exception as exc:
            if not guarded:
                raise _Unguarded from exc
            if isinstance(exc, Deferred):
                raise
            rejected = self._refusal(tx, caller, m, exc)
        if rejected is not None:
            version = head(session.connection())
            return {"seq": m["seq"], "status": "rejected", "reason": rejected[0],
                    "message": rejected[1], "version": version}  # fmt: skip
        new = tx.changes.changes[before:]
        if not new:
            return {"seq": m["seq"], "status": "applied", "version": head(session.connection())}
        origin = {"c": caller.client_id, "s": m["seq"], "lo": new[0].version, "hi": new[-1].version}
        return {"seq": m["seq"], "status": "applied", "version": new[-1].version, "_origin": origin}

    @staticmethod
    def _refusal(tx: Tx, caller: Caller, m: dict[str, Any], exc: Exception) -> tuple[str, str]:
        if isinstance(exc, DomainError):
            if isinstance(exc, Refused) and exc.alert is not None:
                tx.changes.alerts.append(exc.alert)
            return exc.code, exc.reason
        # A poison mutation (bad args, a bug): refused with the reason, never stuck.
        log.error("mutation %s/%s failed; rejecting it", caller.client_id[:8], m["seq"],
                  exc_info=exc)  # fmt: skip
        return "invalid", f"{type(exc).__name__}: {exc}"[:300]

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
            out = self.batch_job(tx, caller, epoch, [m])
            out["mutation"] = m
            return out

        out = self.writer.run_sync(batch)
        if self.journal is not None:
            self.journal.append_results(
                out.get("epoch"), caller, [out["mutation"]], out.get("results", [])
            )
        return out["results"][0] if out.get("results") else out

    # -- pull and snapshot: one read snapshot each ------------------------------------------
    def pull(self, req: Mapping[str, Any], caller: Caller) -> dict[str, Any]:
        return sync_reads.pull(self.engine, req)

    def snapshot(self, req: Mapping[str, Any], caller: Caller) -> dict[str, Any]:
        return sync_reads.snapshot(self.engine, req)

    def hello_info(self) -> dict[str, Any]:
        """What the poke socket says first: which history this is and where it stands."""
        with read_session(self.engine) as session:
            conn = session.connection()
            return {"epoch": meta(conn, "epoch"), "boot_id": self.boot_id, "head": head(conn)}

    def _fault(self, point: str) -> None:
        if self.fault and self.fault == point:
            log.error("SYNC_FAULT=%s: killing the organiser now", point)
            os.kill(os.getpid(), signal.SIGKILL)

    def fault_point(self, point: str) -> None:
        """For the transport: ``after_commit_before_response`` and the like."""
        self._fault(point)
