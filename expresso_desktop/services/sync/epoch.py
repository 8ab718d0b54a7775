"""The server epoch (sync.md 4.1): a uuid4 in ``sync_meta`` naming this database's history.

Stations compare it with what they last saw: a different epoch means a different (or restored)
organiser database. Created on first use; rotated only by a restore.
"""

from __future__ import annotations

import uuid

from sqlalchemy import Engine

from expresso_desktop.store.engine import read_session, write_session
from expresso_desktop.store.tables import SyncMeta


def get_or_create_epoch(engine: Engine) -> str:
    with read_session(engine) as session:
        row = session.get(SyncMeta, "epoch")
        if row is not None:
            return row.v
    with write_session(engine) as session:  # BEGIN IMMEDIATE: a racing creator waits, then sees it
        row = session.get(SyncMeta, "epoch")
        if row is None:
            row = SyncMeta(k="epoch", v=str(uuid.uuid4()))
            session.add(row)
        return row.v
