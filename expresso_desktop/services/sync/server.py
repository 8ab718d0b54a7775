"""The organiser's side of station sync (design/sync.md 4.1, 4.3, 4.10), transport-free.

``hello``, ``push``, ``pull`` and ``snapshot`` take and return the typed messages of
``core.sync_protocol``; the HTTP routes (``server/api_sync.py``) decode and encode them at the
edge, and the simulation's fake network calls them alike.

- ``push`` runs the whole batch as one transaction on the single writer (``BEGIN IMMEDIATE``).
  A refusal rolls back only that mutation (a savepoint each, see ``batch_job``), is recorded
  as ``rejected`` with its reason, and still advances ``last_mutation_seq`` (the queue never
  sticks). mutation_log and sync_clients are written in that same transaction, so an answer
  is only ever given for committed work and a retried batch is answered ``duplicate`` (I1).
  A database error rolls everything back and the station retries (``Unavailable``).
- ``pull`` and ``snapshot`` each read one WAL snapshot (``reads.py``).

Wall-clock time is stamped for display and the recovery window only, never to order (I6).
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import os
import signal
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy.exc
from sqlalchemy import Engine

from expresso_desktop.core.errors import DomainError
from expresso_desktop.core.menu import Menu, MenuSource
from expresso_desktop.core.sync_protocol import (
    REFUSED,
    SCHEMA_MIN,
    SCHEMA_VERSION,
    ErrorCode,
    HelloAnswer,
    HelloRequest,
    Mutation,
    MutationResult,
    PinCheckAnswer,
    PinCheckRequest,
    Poke,
    PokeKind,
    PullAnswer,
    PullRequest,
    PushAnswer,
    PushRequest,
    Reason,
    ResultStatus,
    Snapshot,
    SnapshotRequest,
)
from expresso_desktop.services.sync import pins, reads
from expresso_desktop.services.sync.context import (
    ORGANISER_CLIENT,
    Caller,
    CustomerTexts,
    Deferred,
    MutationCtx,
    Refused,
)
from expresso_desktop.services.sync.epoch import get_or_create_epoch
from expresso_desktop.services.sync.journal import Journal
from expresso_desktop.services.sync.mutations import check_role, resolve
from expresso_desktop.services.sync.pins import PinGuard
from expresso_desktop.services.sync.reads import head, meta
from expresso_desktop.services.writer import Tx, Writer
from expresso_desktop.store import raw
from expresso_desktop.store.engine import read_session
from expresso_desktop.store.errors import StoreError
from expresso_desktop.store.tables import MutationLog, SyncClient
from expresso_desktop.store.types import utcnow

log = logging.getLogger(__name__)


def same_intent(stored: MutationLog, m: Mutation) -> bool:
    """Whether a logged mutation is this one (compared as JSON, as it crossed the wire)."""

    def canonical(value: Any) -> str:
        return json.dumps(value, sort_keys=True, default=str)

    return stored.name == m.name and canonical(stored.args_json) == canonical(dict(m.args))


RECOVERY_WINDOW_S = 60.0  # after a restore, unknown entities are "deferred" this long (4.7)
FAULT_ENV = "SYNC_FAULT"  # test hook: kill this process at a chosen point (see _fault)


# The push transaction's own reads and writes, as plain statements on its connection (every
# push runs them; through the ORM they cost more than a chat message's handler).
_EPOCH_AND_RECOVERY = (
    "SELECT (SELECT v FROM sync_meta WHERE k = 'epoch'),"
    " (SELECT v FROM sync_meta WHERE k = 'recovering_until')"
)
_CLIENT = "SELECT last_mutation_seq, device_id FROM sync_clients WHERE client_id = ?"
_CLIENT_SEEN = "UPDATE sync_clients SET last_mutation_seq = ?, last_seen = ? WHERE client_id = ?"


_STORED_TIME = raw.bind_processor(SyncClient.__table__.c.last_seen)  # type: ignore[attr-defined]


def _utc(value: datetime) -> Any:
    """How the ``last_seen`` column stores a time (``UtcDateTime``'s text)."""
    assert _STORED_TIME is not None
    return _STORED_TIME(value)


class _Unguarded(Exception):
    """A mutation failed in the fast path: redo the batch with savepoints."""


class LocalWriteDeferred(DomainError):
    """The organiser's own write names an entity not back yet after a restore."""

    code = "deferred"


class ClientRefused(DomainError):
    """A request naming a client id this device may not use (``ErrorCode.CLIENT_ID_TAKEN``)
    or that another replica uses too (``REPLICA_CLONED``): nothing ran (403)."""

    def __init__(self, error: ErrorCode, reason: str) -> None:
        super().__init__(reason, code=error.value)
        self.error = error


REPAIR_HINT = "pair this station again (it then gets a sync id of its own)"
TAKEN = f"this sync id belongs to another device; {REPAIR_HINT}"
CLONED = (
    "this data folder was copied from another station (or restored from an older copy):"
    f" the organiser has changes under its sync id that this station never made; {REPAIR_HINT}"
)


def _check_reader(client_id: str, known: bool, device_id: int | None, caller: Caller) -> None:
    """Reads name a client too (its last seq, its rejections): only its device may."""
    if client_id == ORGANISER_CLIENT or (known and device_id != caller.device_id):
        raise ClientRefused(ErrorCode.CLIENT_ID_TAKEN, TAKEN)


def check_owner(client: SyncClient, caller: Caller) -> None:
    """Only the device that registered a client id may use it (issue 15, finding 1)."""
    if client.device_id != caller.device_id:
        raise ClientRefused(ErrorCode.CLIENT_ID_TAKEN, TAKEN)


class SyncServer:
    def __init__(
        self,
        engine: Engine,
        writer: Writer,
        *,
        event_id: int,
        menu: MenuSource,  # a fixed menu, or the event's live one (services.menu_admin)
        journal: Journal | None = None,
        clock: Callable[[], float] = time.time,
        fault: str | None = None,
    ) -> None:
        self.engine, self.writer = engine, writer
        self.event_id, self._menus = event_id, menu
        self.journal = journal
        self.clock = clock
        self.fault = fault if fault is not None else os.environ.get(FAULT_ENV, "")
        self.boot_id = str(uuid.uuid4())
        self.pins = PinGuard()
        # How station mutations text customers: set by the composition root with the SMS
        # runtime (``server/headless.py``); None refuses them ("no texts").
        self.texts: CustomerTexts | None = None
        get_or_create_epoch(engine)

    @property
    def menu(self) -> Menu:
        """The menu a mutation is checked with: the event's as edited now."""
        return self._menus.current_menu()

    # -- hello -------------------------------------------------------------------------------
    def hello(self, req: HelloRequest, caller: Caller) -> HelloAnswer:
        """Register (or refresh) the client; tell it where the server stands (4.3, 4.7)."""

        def register(tx: Tx) -> None:
            if req.client_id == ORGANISER_CLIENT:
                raise ClientRefused(ErrorCode.CLIENT_ID_TAKEN, TAKEN)
            row = tx.session.get(SyncClient, req.client_id)
            if row is None:
                row = SyncClient(client_id=req.client_id, device_id=caller.device_id)
            elif row.device_id is None:  # registered before ids were bound: the first claims it
                row.device_id = caller.device_id
            check_owner(row, caller)
            if req.last_seq is not None and row.last_mutation_seq > req.last_seq:
                # Another replica pushed seqs this one never numbered: they share the id.
                raise ClientRefused(ErrorCode.REPLICA_CLONED, CLONED)
            row.role, row.station_id = caller.role, caller.station_id
            row.app_version = (req.app_version or "")[:40] or None
            row.schema_version = req.schema_version
            row.last_seen = utcnow()
            tx.session.add(row)

        self.writer.run_sync(register)
        with read_session(self.engine) as session:
            conn = session.connection()
            return HelloAnswer(
                epoch=meta(conn, "epoch") or "",
                boot_id=self.boot_id,
                server_time=utcnow().isoformat(),
                schema_min=SCHEMA_MIN,
                schema_max=SCHEMA_VERSION,
                head=head(conn),
                last_mutation_seq=reads.last_seq(conn, req.client_id),
                min_retained_version=int(meta(conn, "min_retained_version", "0") or 0),
            )

    # -- push --------------------------------------------------------------------------------
    def push(self, req: PushRequest, caller: Caller) -> PushAnswer:
        mutations = sorted(req.mutations, key=lambda m: m.seq)
        caller = dataclasses.replace(caller, client_id=req.client_id)
        try:
            answer = self.writer.run_sync(
                lambda tx: self.batch_job(tx, caller, req.epoch, mutations)
            )
        except (StoreError, sqlalchemy.exc.OperationalError) as exc:
            log.warning("push from %s rolled back (will be retried): %s", req.client_id[:8], exc)
            return PushAnswer(error=ErrorCode.UNAVAILABLE, message=str(exc))
        if answer.error in REFUSED:
            log.warning("push from %s refused: %s", req.client_id[:8], answer.error)
            return answer
        if self.journal is not None:
            self.journal.append_results(answer.epoch, caller, mutations, answer.results)
        return answer

    def batch_job(
        self,
        tx: Tx,
        caller: Caller,
        epoch: str,
        mutations: Sequence[Mutation],
        *,
        recovering: bool | None = None,
    ) -> PushAnswer:
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
        mutations: Sequence[Mutation],
        recovering: bool | None,
        *,
        guarded: bool,
    ) -> PushAnswer:
        session = tx.session
        current, until = raw.first(session, _EPOCH_AND_RECOVERY)
        if epoch != current:
            return PushAnswer(error=ErrorCode.EPOCH_MISMATCH, epoch=current)
        client = raw.first(session, _CLIENT, (caller.client_id,))
        if client is None:
            return PushAnswer(error=ErrorCode.CLIENT_STATE_NOT_FOUND)
        last, device_id = client
        if device_id != caller.device_id:
            return PushAnswer(error=ErrorCode.CLIENT_ID_TAKEN, message=TAKEN)
        cloned = self._first_impostor(tx, caller, mutations, last)
        if cloned is not None:
            return PushAnswer(error=ErrorCode.REPLICA_CLONED, message=CLONED, seq=cloned)
        if recovering is None:
            recovering = float(until or 0) > self.clock()
        results: list[MutationResult] = []
        logged: list[dict[str, Any]] = []
        stopped: dict[str, Any] = {}
        for index, m in enumerate(mutations, start=1):
            if m.seq <= last:
                results.append(self._duplicate(tx, caller, m.seq, results))
                continue
            if m.seq != last + 1:
                stopped = {"error": ErrorCode.GAP, "expected": last + 1}
                break
            try:
                result = self._apply_one(tx, caller, m, recovering, guarded)
            except Deferred as exc:
                stopped = {
                    "error": ErrorCode.DEFERRED,
                    "message": f"waiting for {exc}",
                    "seq": m.seq,
                }
                break
            self._fault(f"mid_batch:{index}")
            logged.append(reads.log_row(caller.client_id, m, result))
            last = m.seq
            results.append(result)
        # The bookkeeping of the whole batch in two statements, still inside its transaction
        # (the change log rows named their mutation as they were written: ``ChangeSet.origin``).
        if logged:
            reads.LOG_INSERT.many(session, logged)
            raw.execute(session, _CLIENT_SEEN, (last, _utc(utcnow()), caller.client_id))
        return PushAnswer(
            results=tuple(results),
            epoch=current,
            last_mutation_seq=last,
            head=reads.head_raw(session),
            **stopped,
        )

    @staticmethod
    def _first_impostor(
        tx: Tx, caller: Caller, mutations: Sequence[Mutation], last: int
    ) -> int | None:
        """The first seq already processed with *another* intent: a second replica numbers
        mutations under this client id (a copied data folder). Answering it "duplicate"
        would silently drop this replica's tap, so the whole batch is refused instead."""
        for m in mutations:
            if m.seq > last:
                return None
            if caller.client_id == ORGANISER_CLIENT:
                continue
            stored = tx.session.get(MutationLog, (caller.client_id, m.seq))
            if stored is not None and not same_intent(stored, m):
                return m.seq
        return None

    @staticmethod
    def _duplicate(
        tx: Tx, caller: Caller, seq: int, earlier: Sequence[MutationResult]
    ) -> MutationResult:
        """A seq already processed: answered with what it was (this batch's, or the log's)."""
        same = next((r for r in earlier if r.seq == seq), None)
        if same is None:
            return reads.stored_result(tx.session, caller.client_id, seq)
        return dataclasses.replace(same, status=ResultStatus.DUPLICATE, original=same.status)

    def _apply_one(
        self, tx: Tx, caller: Caller, m: Mutation, recovering: bool, guarded: bool
    ) -> MutationResult:
        session = tx.session
        before = len(tx.changes.changes)
        ctx = MutationCtx(
            tx, caller, m.seq, self.event_id, self.menu, recovering, m.client_ts, self.texts
        )
        rejected: tuple[str, str] | None = None
        tx.changes.origin = (caller.client_id, m.seq)  # the log rows written meanwhile
        try:
            with tx.savepoint() if guarded else contextlib.nullcontext():
                spec = resolve(m.name)
                if spec is None:
                    raise Refused(
                        Reason.UNSUPPORTED_MUTATION, f"this organiser cannot run {m.name}"
                    )
                check_role(ctx, spec)
                spec.handler(ctx, m.args)
                session.flush()
        except (StoreError, sqlalchemy.exc.OperationalError):
            raise
        except Exception as exc:
            if not guarded:
                raise _Unguarded from exc
            if isinstance(exc, Deferred):
                raise
            rejected = self._refusal(tx, caller, m, exc)
        finally:
            tx.changes.origin = None
        if rejected is not None:
            version = reads.head_raw(session)
            code, why = rejected
            return MutationResult(m.seq, ResultStatus.REJECTED, version, code, why)
        new = tx.changes.changes[before:]
        if not new:
            return MutationResult(m.seq, ResultStatus.APPLIED, reads.head_raw(session))
        return MutationResult(m.seq, ResultStatus.APPLIED, new[-1].version)

    @staticmethod
    def _refusal(tx: Tx, caller: Caller, m: Mutation, exc: Exception) -> tuple[str, str]:
        if isinstance(exc, DomainError):
            if isinstance(exc, Refused) and exc.alert is not None:
                tx.changes.alerts.append(exc.alert)
            return exc.code, exc.reason
        # A poison mutation (bad args, a bug): refused with the reason, never stuck.
        log.error("mutation %s/%s failed; rejecting it", caller.client_id[:8], m.seq, exc_info=exc)
        return Reason.INVALID, f"{type(exc).__name__}: {exc}"[:300]

    # -- the organiser's own writes ------------------------------------------------------------
    def apply_local(self, name: str, args: Mapping[str, Any]) -> MutationResult:
        """The organiser's UI writes through the same path: client ``organiser``, next seq.
        Raises ``LocalWriteDeferred`` if it names an entity a restore has not brought back."""
        caller = Caller(ORGANISER_CLIENT, "organiser", None, "Organiser")
        sent: list[Mutation] = []

        def batch(tx: Tx) -> PushAnswer:
            client = tx.session.get(SyncClient, ORGANISER_CLIENT)
            if client is None:
                client = SyncClient(client_id=ORGANISER_CLIENT, role="organiser")
                tx.session.add(client)
                tx.session.flush()
            epoch = meta(tx.session.connection(), "epoch") or ""
            sent[:] = [Mutation(client.last_mutation_seq + 1, name, dict(args))]
            return self.batch_job(tx, caller, epoch, sent)

        answer = self.writer.run_sync(batch)
        if self.journal is not None:
            self.journal.append_results(answer.epoch, caller, sent, answer.results)
        if not answer.results:
            raise LocalWriteDeferred(answer.message or f"{name} cannot run yet")
        return answer.results[0]

    # -- pull and snapshot: one read snapshot each ------------------------------------------
    def pull(self, req: PullRequest, caller: Caller) -> PullAnswer:
        def check(known: bool, device_id: int | None) -> None:  # in the page's own snapshot
            _check_reader(req.client_id, known, device_id, caller)

        return reads.pull(self.engine, req, check)

    def snapshot(self, req: SnapshotRequest, caller: Caller) -> Snapshot:
        self.check_client(req.client_id, caller)
        return reads.snapshot(self.engine, req)

    def check_pin(self, req: PinCheckRequest, caller: Caller) -> PinCheckAnswer:
        """A PIN typed at a station, checked here: hashes never leave (``pins.py``)."""
        return pins.check_pin(self.engine, req, device_id=caller.device_id, guard=self.pins)

    def hello_info(self) -> Poke:
        """What the poke socket says first: which history this is and where it stands."""
        with read_session(self.engine) as session:
            conn = session.connection()
            return Poke(head(conn), PokeKind.HELLO, meta(conn, "epoch"), self.boot_id)

    def check_client(self, client_id: str, caller: Caller) -> None:
        """Reads name a client too (its last seq, its rejections): only its device may."""
        with read_session(self.engine) as session:
            row = session.get(SyncClient, client_id)
        _check_reader(client_id, row is not None, row.device_id if row else None, caller)

    def _fault(self, point: str) -> None:
        if self.fault and self.fault == point:
            log.error("SYNC_FAULT=%s: killing the organiser now", point)
            os.kill(os.getpid(), signal.SIGKILL)

    def fault_point(self, point: str) -> None:
        """For the transport: ``after_commit_before_response`` and the like."""
        self._fault(point)
