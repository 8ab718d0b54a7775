"""Copying the write-ahead log into the database file, in the background.

SQLite's automatic checkpoint runs inside the commit that takes the log past 1,000 pages: one
text in ~35 paid for copying every page the others wrote and syncing the database file (4–7 ms
on top of its own commit at 50 texts/s, the webhook's p99). Here the connections the engine
hands out never checkpoint (``wal_autocheckpoint = 0``); a thread of its own with its own
connection runs a passive checkpoint every ``INTERVAL_S`` instead. A passive checkpoint takes no
lock a reader or the writer waits on: commits go on appending to the log while it copies, and
the log starts again from its beginning once a checkpoint has copied all of it.

Durability is the log's, as before: a commit is on disk when its log frames are synced; the
checkpoint only moves them. Anything else that checkpoints (``truncate``, on purge) takes the
same lock, so it never finds the background one half-way and gives up.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import weakref
from pathlib import Path

from sqlalchemy import Engine, event

log = logging.getLogger(__name__)

INTERVAL_S = 0.5


class Checkpointer:
    """The background checkpoints of one database file (one per engine)."""

    def __init__(self, path: Path, *, synchronous: str, interval_s: float = INTERVAL_S) -> None:
        self.path = path
        self.synchronous = synchronous
        self.interval_s = interval_s
        self.lock = threading.Lock()  # one checkpoint at a time
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start (again, after ``stop``) checkpointing in the background."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="expresso-checkpoint", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=10)

    def checkpoint(self, connection: sqlite3.Connection, mode: str = "PASSIVE") -> tuple[int, ...]:
        """``PRAGMA wal_checkpoint(mode)`` on ``connection``: (busy, log pages, pages copied)."""
        with self.lock:
            row = connection.execute(f"PRAGMA wal_checkpoint({mode})").fetchone()
        return tuple(row) if row is not None else (1, -1, -1)

    def _run(self) -> None:
        connection: sqlite3.Connection | None = None
        try:
            while not self._stop.wait(self.interval_s):
                if connection is None:
                    connection = self._connect()
                self.checkpoint(connection)
        except sqlite3.Error as exc:  # the file went away (a test's folder, a purge): stop
            log.debug("background checkpoints of %s stopped: %s", self.path.name, exc)
        finally:
            if connection is not None:
                connection.close()

    def _connect(self) -> sqlite3.Connection:
        connection = sqlite3.connect(
            f"{self.path.resolve().as_uri()}?mode=rw", uri=True, isolation_level=None
        )
        # The checkpoint syncs the database file as the writers' commits sync the log.
        connection.execute(f"PRAGMA synchronous = {self.synchronous}")
        return connection


_CHECKPOINTERS: weakref.WeakKeyDictionary[Engine, Checkpointer] = weakref.WeakKeyDictionary()


def run_in_background(engine: Engine, path: Path, *, synchronous: str) -> Checkpointer:
    """Checkpoint ``engine``'s database in the background for as long as the engine is in use:
    stopped when it is disposed or collected, started again by its next new connection (an
    engine may be disposed and used again)."""
    checkpointer = Checkpointer(path, synchronous=synchronous)
    _CHECKPOINTERS[engine] = checkpointer
    event.listen(engine, "connect", lambda *_: checkpointer.start())
    event.listen(engine, "engine_disposed", lambda *_: checkpointer.stop())
    weakref.finalize(engine, checkpointer.stop)
    return checkpointer


def truncate(engine: Engine, connection: sqlite3.Connection) -> tuple[int, ...]:
    """Copy the whole log and empty it (``TRUNCATE``), never racing the background
    checkpoint: (busy, log pages, pages copied); busy is 1 when a reader kept it from ending."""
    checkpointer = _CHECKPOINTERS.get(engine)
    if checkpointer is None:
        row = connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        return tuple(row) if row is not None else (1, -1, -1)
    return checkpointer.checkpoint(connection, "TRUNCATE")
