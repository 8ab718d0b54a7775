"""The organiser's mutation journal (sync.md 4.7 "primary safety net").

Every mutation the organiser processed (applied or rejected, from any client including the
organiser itself) is appended as one JSON line and fsynced after its COMMIT, ideally to a second
disk. After restoring a backup, ``replay`` feeds the lines back through the normal handlers in
their original order; idempotency by (client_id, seq) skips whatever the backup already had.
Rejected mutations are journaled too: a station's seqs stay gapless on replay.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from expresso_desktop.services.sync.mutations import ORGANISER_CLIENT, Caller
from expresso_desktop.services.writer import Tx
from expresso_desktop.store.tables import SyncClient

if TYPE_CHECKING:
    from expresso_desktop.services.sync.server import SyncServer

log = logging.getLogger(__name__)


class Journal:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()

    def append_results(
        self,
        epoch: str | None,
        caller: Caller,
        mutations: Sequence[Mapping[str, Any]],
        results: Sequence[Mapping[str, Any]],
    ) -> None:
        by_seq = {m["seq"]: m for m in mutations}
        lines = []
        for result in results:
            if result.get("status") not in ("applied", "rejected"):
                continue  # duplicates were journaled when first processed
            m = by_seq[result["seq"]]
            entry = {
                "epoch": epoch,
                "version": result.get("version"),
                "client_id": caller.client_id,
                "role": caller.role,
                "station_id": caller.station_id,
                "author": caller.name,
                "seq": m["seq"],
                "name": m["name"],
                "args": m["args"],
                "client_ts": m.get("client_ts"),
                "status": result["status"],
            }
            lines.append(json.dumps(entry, separators=(",", ":")) + "\n")
        if not lines:
            return
        with self._lock, open(self.path, "a", encoding="utf-8") as fh:
            fh.writelines(lines)
            fh.flush()
            os.fsync(fh.fileno())

    def entries(self) -> Iterator[dict[str, Any]]:
        if not self.path.exists():
            return
        with open(self.path, encoding="utf-8") as fh:
            for number, line in enumerate(fh, start=1):
                try:
                    yield json.loads(line)
                except json.JSONDecodeError:  # a torn last line from a crash mid-append
                    log.warning("journal %s line %d unreadable; skipped", self.path.name, number)


def replay(server: SyncServer, journal: Journal) -> int:
    """Re-apply the journal through the handlers; returns how many mutations took effect.

    A station's mutation that cannot be replayed yet (it names an entity nobody has re-created
    yet) stops that station's replay: the station re-pushes from there itself. The organiser's
    own mutations have no such second source, so they are never deferred."""
    applied = 0
    stopped: set[str] = set()
    for entry in journal.entries():
        if entry["client_id"] in stopped:
            continue
        caller = Caller(
            entry["client_id"], entry["role"], entry.get("station_id"), entry.get("author") or ""
        )
        m = {
            "seq": entry["seq"],
            "name": entry["name"],
            "args": entry["args"],
            "client_ts": entry.get("client_ts"),
        }

        def one(tx: Tx, caller: Caller = caller, m: dict[str, Any] = m) -> dict[str, Any]:
            if tx.session.get(SyncClient, caller.client_id) is None:
                tx.session.add(
                    SyncClient(
                        client_id=caller.client_id, role=caller.role, station_id=caller.station_id
                    )
                )
                tx.session.flush()
            from expresso_desktop.services.sync.server import meta

            epoch = meta(tx.session.connection(), "epoch") or ""
            recovering = None if caller.client_id != ORGANISER_CLIENT else False
            return server.batch_job(tx, caller, epoch, [m], recovering=recovering)

        out = server.writer.run_sync(one)
        if out.get("error"):
            stopped.add(caller.client_id)
            log.warning("journal replay: %s/%s skipped (%s)", caller.client_id[:8], m["seq"], out)
            continue
        if any(r["status"] in ("applied", "rejected") for r in out["results"]):
            applied += 1  # already in the journal: not appended again
    log.info("journal replay re-applied %d mutations", applied)
    return applied
