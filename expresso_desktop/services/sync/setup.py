"""Setting the organiser's sync up, and bringing it back after a restore (sync.md 4.7).

``for_services`` makes the one ``SyncServer`` of an organiser (the LAN routes and the
organiser's own screens share it, with its journal). ``restore`` is what follows putting a
backup of the database back: a new epoch (every station recovers), a recovery window during
which mutations naming entities nobody has re-created yet are deferred instead of refused, and
the journal replayed through the handlers.
"""

from __future__ import annotations

import logging
import os
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from expresso_desktop.services.sync.journal import Journal, replay
from expresso_desktop.services.sync.server import RECOVERY_WINDOW_S, SyncServer
from expresso_desktop.services.writer import Tx
from expresso_desktop.store.tables import SyncMeta

if TYPE_CHECKING:
    from expresso_desktop.services.organiser import OrganiserServices

log = logging.getLogger(__name__)

JOURNAL_DIR_ENV = "EXPRESSO_SYNC_JOURNAL_DIR"  # put it on a second disk / USB stick


def for_services(services: OrganiserServices) -> SyncServer:
    """The organiser's one SyncServer (its journal, its boot id), made on first use."""
    server = services.extras.get("sync_server")
    if server is None:
        folder = os.environ.get(JOURNAL_DIR_ENV) or services.paths.data_dir / "journal"
        journal = Journal(Path(folder) / f"mutations-{services.event_id}.jsonl")
        server = SyncServer(
            services.engine,
            services.writer,
            event_id=services.event_id,
            menu=services.menu,
            journal=journal,
        )
        services.extras["sync_server"] = server
    assert isinstance(server, SyncServer)
    return server


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
