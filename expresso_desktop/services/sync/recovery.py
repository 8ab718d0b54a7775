"""Bringing the organiser's sync back after a backup of the database was put back (sync.md
4.7): a new epoch (every station recovers), a recovery window during which mutations naming
entities nobody has re-created yet are deferred instead of refused, and the journal replayed
through the handlers."""

from __future__ import annotations

import dataclasses
import logging
import uuid

from expresso_desktop.core.sync_protocol import PushAnswer, ResultStatus
from expresso_desktop.services.sync.context import ORGANISER_CLIENT
from expresso_desktop.services.sync.journal import Entry, Journal
from expresso_desktop.services.sync.reads import meta
from expresso_desktop.services.sync.server import RECOVERY_WINDOW_S, SyncServer
from expresso_desktop.services.writer import Tx
from expresso_desktop.store.tables import SyncClient, SyncMeta

log = logging.getLogger(__name__)


def rotate_epoch(server: SyncServer, *, recovery_window_s: float = RECOVERY_WINDOW_S) -> str:
    """History regressed: a new epoch makes every station recover; for a while, mutations
    naming unknown entities are deferred, not refused."""
    epoch = str(uuid.uuid4())

    def write(tx: Tx) -> None:
        for key, value in (
            ("epoch", epoch),
            ("recovering_until", str(server.clock() + recovery_window_s)),
        ):
            row = tx.session.get(SyncMeta, key) or SyncMeta(k=key, v=value)
            row.v = value
            tx.session.add(row)

    server.writer.run_sync(write)
    log.warning("sync epoch rotated to %s (history restored)", epoch)
    return epoch


def restore(server: SyncServer) -> int:
    """After a backup was put back: rotate the epoch, then replay the journal. Returns how
    many journaled mutations took effect again."""
    rotate_epoch(server)
    return replay(server, server.journal) if server.journal is not None else 0


def replay(server: SyncServer, journal: Journal) -> int:
    """Re-apply the journal through the handlers; returns how many mutations took effect.

    A station's mutation that cannot be replayed yet (it names an entity nobody has re-created
    yet) stops that station's replay: the station re-pushes from there itself. The organiser's
    own mutations have no such second source, so they are never deferred."""
    applied = 0
    stopped: set[str] = set()
    for entry in journal.entries():
        caller = entry.caller
        if caller.client_id in stopped:
            continue

        def one(tx: Tx, entry: Entry = entry) -> PushAnswer:
            caller = entry.caller
            row = tx.session.get(SyncClient, caller.client_id)
            if row is None:
                tx.session.add(
                    SyncClient(
                        client_id=caller.client_id,
                        role=caller.role,
                        station_id=caller.station_id,
                        device_id=caller.device_id,
                    )
                )
                tx.session.flush()
            elif caller.device_id is None:  # a journal line older than device binding
                caller = dataclasses.replace(caller, device_id=row.device_id)
            epoch = meta(tx.session.connection(), "epoch") or ""
            recovering = None if caller.client_id != ORGANISER_CLIENT else False
            return server.batch_job(tx, caller, epoch, [entry.mutation], recovering=recovering)

        answer = server.writer.run_sync(one)
        if answer.error is not None:
            stopped.add(caller.client_id)
            log.warning(
                "journal replay: %s/%s skipped (%s)",
                caller.client_id[:8],
                entry.mutation.seq,
                answer.error,
            )
            continue
        if any(r.status is not ResultStatus.DUPLICATE for r in answer.results):
            applied += 1  # already in the journal: not appended again
    log.info("journal replay re-applied %d mutations", applied)
    return applied
