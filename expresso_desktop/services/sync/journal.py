"""The organiser's mutation journal (sync.md 4.7 "primary safety net").

Every mutation the organiser processed (applied or rejected, from any client including the
organiser itself) is appended as one JSON line and fsynced after its COMMIT, ideally to a second
disk. After restoring a backup, ``recovery.replay`` feeds the lines back through the normal
handlers in their original order; idempotency by (client_id, seq) skips whatever the backup
already had. Rejected mutations are journaled too: a station's seqs stay gapless on replay.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from expresso_desktop.core.sync_protocol import Mutation, MutationResult, ResultStatus
from expresso_desktop.services.sync.context import Caller
from expresso_desktop.settings import private_dir

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Entry:
    """One journaled mutation: who sent it and what it asked for."""

    caller: Caller
    mutation: Mutation
    epoch: str | None = None
    status: str | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Entry:
        caller = Caller(
            data["client_id"],
            data["role"],
            data.get("station_id"),
            data.get("author") or "",
            data.get("device_id"),
        )
        mutation = Mutation(data["seq"], data["name"], data["args"], data.get("client_ts"))
        return cls(caller, mutation, data.get("epoch"), data.get("status"))


def _private(path: str, flags: int) -> int:
    return os.open(path, flags, 0o600)  # what stations sent: this user's only


class Journal:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        private_dir(self.path.parent)
        self._lock = threading.Lock()

    def append_results(
        self,
        epoch: str | None,
        caller: Caller,
        mutations: Sequence[Mutation],
        results: Sequence[MutationResult],
    ) -> None:
        by_seq = {m.seq: m for m in mutations}
        lines = []
        for result in results:
            if result.status is ResultStatus.DUPLICATE:
                continue  # journaled when first processed
            m = by_seq[result.seq]
            entry = {
                "epoch": epoch,
                "version": result.version,
                "client_id": caller.client_id,
                "device_id": caller.device_id,
                "role": caller.role,
                "station_id": caller.station_id,
                "author": caller.name,
                "seq": m.seq,
                "name": m.name,
                "args": dict(m.args),
                "client_ts": m.client_ts,
                "status": result.status.value,
            }
            lines.append(json.dumps(entry, separators=(",", ":")) + "\n")
        if not lines:
            return
        with self._lock, open(self.path, "a", encoding="utf-8", opener=_private) as fh:
            fh.writelines(lines)
            fh.flush()
            os.fsync(fh.fileno())

    def entries(self) -> Iterator[Entry]:
        if not self.path.exists():
            return
        with open(self.path, encoding="utf-8") as fh:
            for number, line in enumerate(fh, start=1):
                try:
                    yield Entry.from_json(json.loads(line))
                except (json.JSONDecodeError, KeyError, TypeError):  # a torn last line
                    log.warning("journal %s line %d unreadable; skipped", self.path.name, number)
