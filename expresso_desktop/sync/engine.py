"""The station's sync engine (sync.md 4.4, 4.7, 4.8): one round = hello (when the link is new)
→ push every pending outbox row in seq order → pull pages until caught up.

Each pulled page is applied in ONE local transaction: bases restored, changes applied, cursor
moved, outbox rows acknowledged, pending mutators re-run (I3). Recovery — the organiser's epoch
changed, it forgot this client, or its history went backwards — re-pushes every journaled row
the organiser lacks, then downloads a fresh snapshot. ``runner.py`` decides *when* rounds run.

A round reports what it changed in the replica (``on_round``, once per round, never empty):
the orders and tables the pulled pages touched, or ``everything`` after a download.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from expresso_desktop import __version__
from expresso_desktop.core.sync_protocol import (
    REFUSED,
    SCHEMA_VERSION,
    ErrorCode,
    HelloAnswer,
    HelloRequest,
    PullPage,
    PullRequest,
    PushRequest,
    ResetReason,
    SnapshotRequest,
)
from expresso_desktop.store import sync_rows

from . import outbox
from .events import Notice, ReplicaChanged
from .replica import (
    Replica,
    Touched,
    apply_changes,
    clear_bases,
    get_int,
    put,
    restore_bases,
    touch_bases,
)
from .transport import ReplicaRefused, ServerBusy, Transport, TransportError

__all__ = [
    "ForeignServer",
    "Notice",
    "ReplicaRefused",
    "ServerBusy",
    "SyncEngine",
    "TransportError",
]

log = logging.getLogger(__name__)

BATCH = 100
PAGE = 500


class ForeignServer(Exception):
    """An organiser with another epoch that we were not told to trust (sync.md T15)."""


class _Restart(Exception):
    def __init__(self, recover: bool) -> None:
        super().__init__("restart")
        self.recover = recover


class SyncEngine:
    def __init__(
        self,
        replica: Replica,
        transport: Transport,
        *,
        on_notice: Callable[[Notice], None] | None = None,
        on_round: Callable[[ReplicaChanged], None] | None = None,
        trust_epoch_change: bool = True,
        page_size: int = PAGE,
    ) -> None:
        self.replica = replica
        self.transport = transport
        self.on_notice = on_notice or (lambda notice: None)
        self.on_round = on_round or (lambda changed: None)
        self.trust_epoch_change = trust_epoch_change
        self.page_size = page_size
        self.client_id = replica.client_id
        self.server_epoch: str | None = None
        self.ready = False  # a hello on this link has been answered and acted on
        self._recover_next = False
        self._changed = ReplicaChanged()
        outbox.ensure_rebased(replica)

    async def sync_once(self) -> ReplicaChanged:
        """One round; returns what it changed in the replica (also told to ``on_round``,
        unless nothing). Raises ``TransportError`` (or ``ServerBusy``) when it could not
        finish; what it applied until then is reported all the same."""
        try:
            await self._round()
        finally:
            changed, self._changed = self._changed, ReplicaChanged()
            if not changed.empty:
                self.on_round(changed)
        return changed

    async def _round(self) -> None:
        try:
            await self._rounds()
        except ReplicaRefused as exc:
            # Kept for ``station status`` and the window: only pairing again clears it.
            with self.replica.write(durable=False) as conn:
                put(conn, "refused", str(exc)[:500])
            raise

    async def _rounds(self) -> None:
        for _ in range(4):
            try:
                if not self.ready:
                    await self._handshake()
                await self.push_all()
                await self.pull_all()
                return
            except _Restart as restart:
                self.ready = False
                self._recover_next = self._recover_next or restart.recover
        raise ServerBusy("the organiser kept changing under us; will retry")

    def link_lost(self) -> None:
        """The next round starts with a hello (the organiser may have restarted meanwhile)."""
        self.ready = False

    # -- hello, bootstrap, recovery --------------------------------------------------------
    async def _handshake(self) -> None:
        station = self.replica.state("station_id")
        info = await self.transport.hello(
            HelloRequest(
                client_id=self.client_id,
                epoch=self.replica.epoch,
                schema_version=SCHEMA_VERSION,
                app_version=__version__,
                station_id=int(station) if station else None,
                # The organiser holding more of our id than we ever numbered: a copy of this
                # folder syncs too (refused: ``ReplicaCloned``).
                last_seq=int(self.replica.state("next_seq", "1") or 1) - 1,
            )
        )
        self.server_epoch = info.epoch
        local = self.replica.epoch
        if local is None:
            await self.bootstrap()
        elif local != self.server_epoch or self._recover_next:
            if local != self.server_epoch and not self.trust_epoch_change:
                raise ForeignServer(f"organiser epoch {self.server_epoch} is not ours ({local})")
            await self._recover(info)
        else:
            with self.replica.write(durable=False) as conn:
                again = outbox.reopen(conn, info.last_mutation_seq)
            if again:
                log.warning("the organiser lacks %d of our mutations; re-sending them", again)
        self.ready = True
        self._recover_next = False

    async def _recover(self, info: HelloAnswer) -> None:
        log.warning("recovering: organiser epoch %s (ours %s)", info.epoch, self.replica.epoch)
        with self.replica.write(durable=False) as conn:
            outbox.reopen(conn, info.last_mutation_seq)
        await self.push_all()
        await self.bootstrap()
        self.on_notice(Notice("recovered", "Re-synced with the organiser after a restore"))

    async def bootstrap(self) -> None:
        """Download the whole event (one read transaction on the organiser) and make it ours
        in one local transaction; pending rows are then rebased on it (4.8)."""
        snap = await self.transport.snapshot(SnapshotRequest(self.client_id))
        if self.server_epoch is not None and snap.epoch != self.server_epoch:
            raise _Restart(recover=False)
        tables = {name: {"columns": t.columns, "rows": t.rows} for name, t in snap.tables.items()}
        with self.replica.write(durable=False) as conn:
            clear_bases(conn)
            sync_rows.wipe(conn)
            sync_rows.write_raw(conn, tables)
            self.replica.hit("snapshot:loaded")
            put(conn, "epoch", snap.epoch)
            put(conn, "cursor", str(snap.head))
            rejected = outbox.settle(conn, snap.last_mutation_seq, snap.rejected)
            outbox.rebase(conn)
        self.server_epoch = snap.epoch
        self._changed |= ReplicaChanged(everything=True)
        self._tell_rejected(rejected)

    # -- push ------------------------------------------------------------------------------
    async def push_all(self) -> None:
        for _ in range(10_000):
            with self.replica.read() as conn:
                batch = outbox.rows(conn, status="pending", unpushed=True, limit=BATCH)
            if not batch:
                return
            answer = await self.transport.push(
                PushRequest(
                    client_id=self.client_id,
                    epoch=self.server_epoch or "",
                    mutations=tuple(row.mutation() for row in batch),
                )
            )
            if answer.results:
                with self.replica.write(durable=False) as conn:
                    rejected = outbox.mark_results(conn, answer.results)
                self._tell_rejected(rejected)
            if answer.error in (ErrorCode.EPOCH_MISMATCH, ErrorCode.CLIENT_STATE_NOT_FOUND):
                raise _Restart(recover=True)
            if answer.error is ErrorCode.GAP and answer.expected is not None:
                with self.replica.write(durable=False) as conn:
                    outbox.reopen(conn, answer.expected - 1)
            elif answer.error in REFUSED:
                raise ReplicaRefused(answer.message or str(answer.error))
            elif answer.error is not None:
                raise ServerBusy(f"{answer.error}: {answer.message or ''}".strip(": "))

    # -- pull ------------------------------------------------------------------------------
    async def pull_all(self) -> None:
        while True:
            with self.replica.read() as conn:
                cursor = get_int(conn, "cursor")
                first = outbox.first_pending_seq(conn)
                since = (first - 1) if first is not None else get_int(conn, "next_seq", 1) - 1
            page = await self.transport.pull(
                PullRequest(
                    client_id=self.client_id,
                    epoch=self.replica.epoch or "",
                    cursor=cursor,
                    limit=self.page_size,
                    since_seq=since,
                )
            )
            if not isinstance(page, PullPage):
                if page.reason is ResetReason.BELOW_RETENTION:
                    self.on_notice(Notice("reset", "Downloading the event again"))
                    await self.bootstrap()
                    return
                raise _Restart(recover=True)
            rejected = self.apply_page(cursor, page)
            self._tell_rejected(rejected)
            if not page.has_more:
                return

    def apply_page(self, cursor: int, page: PullPage) -> list[outbox.Row]:
        touched = Touched()
        with self.replica.write(durable=False) as conn:
            if get_int(conn, "cursor") != cursor:
                return []  # another process moved on meanwhile; pull again from there
            restore_bases(conn, touched)
            self.replica.hit("pull:restored")
            apply_changes(conn, page.changes, touched)
            self.replica.hit("pull:applied")
            put(conn, "cursor", str(page.next_cursor))
            rejected = outbox.apply_acks(conn, page.last_mutation_seq, page.rejected)
            self.replica.hit("pull:acked")
            if page.has_more:
                # Mid catch-up: the pending mutators run once, after the last page, not after
                # every page (they dominated long catch-ups). Until then the flag says so, and
                # whoever opens the replica first rebases (outbox.ensure_rebased).
                outbox.defer_rebase(conn)
            elif outbox.rebase(conn):  # no pending mutator ran: no base to count
                touch_bases(conn, touched)
            self.replica.hit("pull:rebased")
            changed = touched.changed(conn)
        self._changed |= changed  # only once committed: a crash above reports nothing
        return rejected

    def _tell_rejected(self, rows: list[outbox.Row]) -> None:
        for row in rows:
            self.on_notice(
                Notice(
                    "rejected",
                    f"The organiser refused {row.name}: {row.message or row.reason}",
                    seq=row.seq,
                    name=row.name,
                    args=row.args,
                    reason=row.reason,
                )
            )
