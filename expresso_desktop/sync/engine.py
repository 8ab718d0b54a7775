"""The station's sync engine (sync.md 4.4, 4.7, 4.8): one round = hello (when the link is new)
→ push every pending outbox row in seq order → pull pages until caught up.

Each pulled page is applied in ONE local transaction: bases restored, changes applied, cursor
moved, outbox rows acknowledged, pending mutators re-run (I3). Recovery — the organiser's epoch
changed, it forgot this client, or its history went backwards — re-pushes every journaled row
the organiser lacks, then downloads a fresh snapshot. ``runner.py`` decides *when* rounds run.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from expresso_desktop import __version__
from expresso_desktop.services.sync.mutations import SCHEMA_VERSION
from expresso_desktop.store import sync_rows

from . import outbox
from .events import Notice
from .replica import Replica, apply_changes, clear_bases, get_int, put, restore_bases
from .transport import JSON, Transport, TransportError

log = logging.getLogger(__name__)

BATCH = 100
PAGE = 500


class ServerBusy(TransportError):
    """The organiser answered but asked us to come back (``Unavailable``, ``Deferred``)."""


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
        trust_epoch_change: bool = True,
        page_size: int = PAGE,
    ) -> None:
        self.replica = replica
        self.transport = transport
        self.on_notice = on_notice or (lambda notice: None)
        self.trust_epoch_change = trust_epoch_change
        self.page_size = page_size
        self.client_id = replica.client_id
        self.server_epoch: str | None = None
        self.ready = False  # a hello on this link has been answered and acted on
        self._recover_next = False
        outbox.ensure_rebased(replica)

    async def sync_once(self) -> None:
        """One round; raises ``TransportError`` (or ``ServerBusy``) when it could not finish."""
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
            {
                "proto": 1,
                "client_id": self.client_id,
                "epoch": self.replica.epoch,
                "schema_version": SCHEMA_VERSION,
                "app_version": __version__,
                "station_id": int(station) if station else None,
            }
        )
        if "epoch" not in info:
            raise ServerBusy(f"unexpected hello answer: {info.get('error', info)}")
        self.server_epoch = info["epoch"]
        local = self.replica.epoch
        if local is None:
            await self.bootstrap()
        elif local != self.server_epoch or self._recover_next:
            if local != self.server_epoch and not self.trust_epoch_change:
                raise ForeignServer(f"organiser epoch {self.server_epoch} is not ours ({local})")
            await self._recover(info)
        else:
            with self.replica.write() as conn:
                again = outbox.reopen(conn, info["last_mutation_seq"])
            if again:
                log.warning("the organiser lacks %d of our mutations; re-sending them", again)
        self.ready = True
        self._recover_next = False

    async def _recover(self, info: JSON) -> None:
        log.warning("recovering: organiser epoch %s (ours %s)", info["epoch"], self.replica.epoch)
        with self.replica.write() as conn:
            outbox.reopen(conn, info["last_mutation_seq"])
        await self.push_all()
        await self.bootstrap()
        self.on_notice(Notice("recovered", "Re-synced with the organiser after a restore"))

    async def bootstrap(self) -> None:
        """Download the whole event (one read transaction on the organiser) and make it ours
        in one local transaction; pending rows are then rebased on it (4.8)."""
        snap = await self.transport.snapshot({"client_id": self.client_id})
        if "tables" not in snap:
            raise ServerBusy(f"unexpected snapshot answer: {snap.get('error', snap)}")
        if self.server_epoch is not None and snap["epoch"] != self.server_epoch:
            raise _Restart(recover=False)
        with self.replica.write() as conn:
            clear_bases(conn)
            sync_rows.wipe(conn)
            sync_rows.write_raw(conn, snap["tables"])
            self.replica.hit("snapshot:loaded")
            put(conn, "epoch", snap["epoch"])
            put(conn, "cursor", str(snap["head"]))
            rejected = outbox.settle(conn, snap["last_mutation_seq"], snap["rejected"])
            outbox.rebase(conn)
        self.server_epoch = snap["epoch"]
        self._tell_rejected(rejected)

    # -- push ------------------------------------------------------------------------------
    async def push_all(self) -> None:
        for _ in range(10_000):
            with self.replica.read() as conn:
                batch = outbox.rows(conn, status="pending", unpushed=True, limit=BATCH)
            if not batch:
                return
            answer = await self.transport.push(
                {
                    "proto": 1,
                    "client_id": self.client_id,
                    "epoch": self.server_epoch,
                    "schema_version": SCHEMA_VERSION,
                    "mutations": [row.wire() for row in batch],
                }
            )
            if answer.get("results"):
                with self.replica.write() as conn:
                    rejected = outbox.mark_results(conn, answer["results"])
                self._tell_rejected(rejected)
            error = answer.get("error")
            if error in ("EpochMismatch", "ClientStateNotFound"):
                raise _Restart(recover=True)
            if error == "Gap":
                with self.replica.write() as conn:
                    outbox.reopen(conn, int(answer["expected"]) - 1)
            elif error is not None:
                raise ServerBusy(f"{error}: {answer.get('message', '')}".strip(": "))
            elif "results" not in answer:
                raise ServerBusy(f"unexpected push answer: {answer}")

    # -- pull ------------------------------------------------------------------------------
    async def pull_all(self) -> None:
        while True:
            with self.replica.read() as conn:
                cursor = get_int(conn, "cursor")
                first = outbox.first_pending_seq(conn)
                since = (first - 1) if first is not None else get_int(conn, "next_seq", 1) - 1
            page = await self.transport.pull(
                {
                    "client_id": self.client_id,
                    "epoch": self.replica.epoch,
                    "cursor": cursor,
                    "limit": self.page_size,
                    "since_seq": since,
                }
            )
            if page.get("reset"):
                if page.get("reason") == "below_retention":
                    self.on_notice(Notice("reset", "Downloading the event again"))
                    await self.bootstrap()
                    return
                raise _Restart(recover=True)
            if "changes" not in page:
                raise ServerBusy(f"unexpected pull answer: {page.get('error', page)}")
            rejected = self.apply_page(cursor, page)
            self._tell_rejected(rejected)
            if not page["has_more"]:
                return

    def apply_page(self, cursor: int, page: JSON) -> list[outbox.Row]:
        with self.replica.write() as conn:
            if get_int(conn, "cursor") != cursor:
                return []  # another process moved on meanwhile; pull again from there
            restore_bases(conn)
            self.replica.hit("pull:restored")
            apply_changes(conn, page["changes"])
            self.replica.hit("pull:applied")
            put(conn, "cursor", str(page["next_cursor"]))
            rejected = outbox.apply_acks(conn, page["last_mutation_seq"], page["rejected"])
            self.replica.hit("pull:acked")
            if page["has_more"]:
                # Mid catch-up: the pending mutators run once, after the last page, not after
                # every page (they dominated long catch-ups). Until then the flag says so, and
                # whoever opens the replica first rebases (outbox.ensure_rebased).
                outbox.defer_rebase(conn)
            else:
                outbox.rebase(conn)
            self.replica.hit("pull:rebased")
        return rejected

    def _tell_rejected(self, rows: list[outbox.Row]) -> None:
        for row in rows:
            self.on_notice(
                Notice(
                    "rejected",
                    f"The organiser refused {row.name} ({row.reason})",
                    seq=row.seq,
                    name=row.name,
                    args=row.args,
                    reason=row.reason,
                )
            )
