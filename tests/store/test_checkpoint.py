"""Background checkpoints (store/checkpoint.py): no commit copies the write-ahead log into the
database file, a thread of the engine's own does, and stops with the engine."""

from __future__ import annotations

import shutil
import sqlite3
import threading
import time
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from expresso_desktop.store import checkpoint
from expresso_desktop.store.engine import open_database, write_connection

ROWS = 3000  # ~1,500 pages of log: past SQLite's own checkpoint threshold (1,000)


def in_file(path: Path) -> int:
    """Rows of ``t`` in the database file itself, the log ignored: a copy of the file alone."""
    copy = path.with_name("file-alone.db")
    for stale in (copy, copy.with_name(copy.name + "-wal"), copy.with_name(copy.name + "-shm")):
        stale.unlink(missing_ok=True)
    shutil.copyfile(path, copy)
    connection = sqlite3.connect(copy)
    try:
        tables = connection.execute("SELECT count(*) FROM sqlite_master WHERE name = 't'")
        if tables.fetchone()[0] == 0:
            return 0
        return int(connection.execute("SELECT count(*) FROM t").fetchone()[0])
    finally:
        connection.close()


def fill(engine: Engine) -> None:
    with write_connection(engine) as connection:
        connection.exec_driver_sql("CREATE TABLE IF NOT EXISTS t (v TEXT)")
        connection.exec_driver_sql(
            "INSERT INTO t (v) SELECT hex(randomblob(1000)) FROM "
            f"(WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n LIMIT {ROWS}) "
            "SELECT i FROM n)"
        )


def checkpointers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "expresso-checkpoint"]


def eventually(condition: object, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_a_commit_leaves_the_log_to_the_background_checkpoint(tmp_path: Path) -> None:
    path = tmp_path / "master.db"
    engine = open_database(path, role="master")
    try:
        with write_connection(engine) as connection:
            assert connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 0
        background = checkpoint._CHECKPOINTERS[engine]
        with background.lock:  # hold the background one back
            fill(engine)
            assert in_file(path) == 0  # the commit itself copied nothing

        def copied() -> bool:
            with background.lock:  # a copy of the file half-way through a checkpoint is torn
                return in_file(path) == ROWS

        eventually(copied)
    finally:
        engine.dispose()


def test_the_thread_stops_with_the_engine_and_comes_back_with_its_next_connection(
    tmp_path: Path,
) -> None:
    before = len(checkpointers())
    engine = open_database(tmp_path / "replica.db", role="replica")
    assert len(checkpointers()) == before + 1
    engine.dispose()
    assert len(checkpointers()) == before
    fill(engine)  # a disposed engine may be used again
    assert len(checkpointers()) == before + 1
    engine.dispose()
    assert len(checkpointers()) == before


def test_truncate_waits_for_a_background_checkpoint_instead_of_failing(tmp_path: Path) -> None:
    path = tmp_path / "master.db"
    engine = open_database(path, role="master")
    try:
        fill(engine)
        connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        busy_checkpointer = checkpoint._CHECKPOINTERS[engine]
        result: list[tuple[int, ...]] = []
        with busy_checkpointer.lock:  # the background checkpoint is mid-way
            worker = threading.Thread(
                target=lambda: result.append(checkpoint.truncate(engine, connection))
            )
            worker.start()
            worker.join(timeout=0.2)
            assert worker.is_alive()  # it waits for the lock
        worker.join(timeout=10)
        assert result and result[0][0] == 0  # not busy
        assert (path.parent / "master.db-wal").stat().st_size == 0
        connection.close()
        with engine.connect() as c:
            assert c.execute(sa.text("SELECT count(*) FROM t")).scalar() == ROWS
    finally:
        engine.dispose()
