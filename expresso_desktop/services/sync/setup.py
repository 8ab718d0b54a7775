"""Making the organiser's one ``SyncServer``: the composition root (``services/organiser.py``)
builds it once and the LAN routes and the organiser's own screens share it, with its journal
(``EXPRESSO_SYNC_JOURNAL_DIR``, else ``<data>/journal``: put it on a second disk or a USB
stick)."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import Engine

from expresso_desktop.core.menu import MenuSource
from expresso_desktop.services.sync.journal import Journal
from expresso_desktop.services.sync.server import SyncServer
from expresso_desktop.services.writer import Writer

JOURNAL_DIR_ENV = "EXPRESSO_SYNC_JOURNAL_DIR"


def journal_path(data_dir: Path, event_id: int) -> Path:
    folder = os.environ.get(JOURNAL_DIR_ENV) or Path(data_dir) / "journal"
    return Path(folder) / f"mutations-{event_id}.jsonl"


def build_sync_server(
    engine: Engine, writer: Writer, *, event_id: int, menu: MenuSource, data_dir: Path
) -> SyncServer:
    """The organiser's SyncServer with its journal (the composition root makes one)."""
    return SyncServer(
        engine,
        writer,
        event_id=event_id,
        menu=menu,
        journal=Journal(journal_path(data_dir, event_id)),
    )
