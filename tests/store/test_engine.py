"""The engine's promises: pragmas, BEGIN IMMEDIATE writers, snapshot readers, FK enforcement."""

import os
import sqlite3
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, StatementError

from expresso_desktop.store import migrate
from expresso_desktop.store.engine import (
    open_database,
    read_session,
    write_connection,
    write_session,
)
from expresso_desktop.store.errors import DatabaseLockedError
from expresso_desktop.store.tables import Order, OrderItem, Setting, metadata

from .helpers import scalar


def _pragmas(engine: Engine) -> dict[str, object]:
    with read_session(engine) as session:
        return {
            name: scalar(session, f"PRAGMA {name}")
            for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")
        }


def test_master_pragmas(engine: Engine) -> None:
    assert _pragmas(engine) == {
        "journal_mode": "wal",
        "synchronous": 2,  # FULL
        "foreign_keys": 1,
        "busy_timeout": 5000,
    }


def test_replica_syncs_normal(tmp_path: Path) -> None:
    engine = open_database(tmp_path / "replica.db", role="replica", busy_timeout_ms=1234)
    try:
        pragmas = _pragmas(engine)
    finally:
        engine.dispose()
    assert pragmas == {
        "journal_mode": "wal",
        "synchronous": 1,
        "foreign_keys": 1,
        "busy_timeout": 1234,
    }


def test_pragmas_hold_on_every_pooled_connection(engine: Engine) -> None:
    with write_session(engine) as session:
        assert scalar(session, "PRAGMA foreign_keys") == 1
    # Readers hold several pooled connections at once; each was set up by the connect hook.
    with read_session(engine) as a, read_session(engine) as b:
        assert a.connection().connection is not b.connection().connection
        for session in (a, b):
            assert scalar(session, "PRAGMA foreign_keys") == 1
            assert scalar(session, "PRAGMA synchronous") == 2


def test_create_builds_every_table_at_head(engine: Engine) -> None:
    inspector = sa.inspect(engine)
    assert set(inspector.get_table_names()) == set(metadata.tables) | {"alembic_version"}
    with engine.connect() as connection:
        assert migrate.current_revision(connection) == migrate.head_revision()


@pytest.mark.parametrize("opener", [write_session, write_connection, Engine.begin])
def test_writers_take_the_write_lock_at_begin(
    engine: Engine, db_path: Path, opener: Callable[[Engine], AbstractContextManager[object]]
) -> None:
    other = sqlite3.connect(db_path, timeout=0, isolation_level=None)
    try:
        with opener(engine) as handle:
            if isinstance(handle, sa.Connection):
                handle.exec_driver_sql("SELECT 1")  # engine.begin() begins at first use
            # Nothing written yet, but the lock is already ours: a deferred BEGIN would not be.
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
        other.execute("BEGIN IMMEDIATE")  # released at commit
        other.execute("ROLLBACK")
    finally:
        other.close()


def test_read_sessions_do_not_take_the_write_lock(engine: Engine, db_path: Path) -> None:
    other = sqlite3.connect(db_path, timeout=0, isolation_level=None)
    try:
        with read_session(engine) as session:
            scalar(session, "SELECT count(*) FROM orders")
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
    finally:
        other.close()


def test_concurrent_read_modify_write_neither_loses_an_update_nor_fails(engine: Engine) -> None:
    # The classic SQLite deadlock: two transactions read, then both try to write. With deferred
    # BEGIN the second would read the old value beside the first (and then get SQLITE_BUSY, or
    # lose an update); with BEGIN IMMEDIATE it waits at BEGIN for the first and reads its result.
    # The first holds its transaction open until the second is issuing its BEGIN (no sleeps).
    with write_session(engine) as session:
        session.add(Setting(key="counter", value_json=0))
    first_read = threading.Event()
    second_begins = threading.Event()
    errors: list[BaseException] = []
    seen: dict[str, int] = {}

    def on_checkout(dbapi_connection: sqlite3.Connection, *_: object) -> None:
        # SQLite traces a statement as it starts, before BEGIN IMMEDIATE waits for the lock.
        def traced(statement: str) -> None:
            if threading.current_thread().name == "second" and statement.startswith("BEGIN"):
                second_begins.set()

        dbapi_connection.set_trace_callback(traced)

    def bump(name: str) -> None:
        try:
            if name == "second":
                assert first_read.wait(10)
            with write_session(engine) as session:
                row = session.get(Setting, "counter")
                assert row is not None
                seen[name] = row.value_json
                if name == "first":
                    first_read.set()
                    assert second_begins.wait(10)
                row.value_json = seen[name] + 1
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    sa.event.listen(engine, "checkout", on_checkout)
    try:
        threads = [threading.Thread(target=bump, args=(n,), name=n) for n in ("first", "second")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=10)
    finally:
        sa.event.remove(engine, "checkout", on_checkout)
        engine.dispose()  # no connection keeps the trace
    assert not errors
    assert seen == {"first": 0, "second": 1}
    with read_session(engine) as session:
        row = session.get(Setting, "counter")
        assert row is not None and row.value_json == 2


def test_a_writer_gives_up_with_database_locked_after_the_busy_timeout(db_path: Path) -> None:
    engine = open_database(db_path, role="master", busy_timeout_ms=200)
    holding, release = threading.Event(), threading.Event()

    def hold_lock() -> None:
        with write_session(engine):
            holding.set()
            release.wait(10)

    holder = threading.Thread(target=hold_lock)
    holder.start()
    try:
        assert holding.wait(5)
        started = time.monotonic()
        with pytest.raises(DatabaseLockedError) as caught, write_session(engine):
            pass
        waited = time.monotonic() - started
        assert 0.15 < waited < 3  # waited for the timeout, then failed: no deadlock
        assert str(db_path) in str(caught.value)
    finally:
        release.set()
        holder.join(10)
        engine.dispose()


def test_readers_see_a_snapshot_and_do_not_block_writers(engine: Engine) -> None:
    with write_session(engine) as session:
        session.add(Setting(key="k", value_json="before"))
    with read_session(engine) as reader:
        row = reader.get(Setting, "k")
        assert row is not None and row.value_json == "before"
        with write_session(engine) as writer:  # not blocked by the open reader
            changed = writer.get(Setting, "k")
            assert changed is not None
            changed.value_json = "after"
        reader.expire_all()
        assert scalar(reader, "SELECT value_json FROM settings") == '"before"'
    with read_session(engine) as session:
        row = session.get(Setting, "k")
        assert row is not None and row.value_json == "after"


def test_write_session_rolls_back_when_the_block_raises(engine: Engine) -> None:
    with pytest.raises(RuntimeError), write_session(engine) as session:
        session.add(Setting(key="k", value_json=1))
        session.flush()
        raise RuntimeError("boom")
    with read_session(engine) as session:
        assert session.get(Setting, "k") is None


def test_foreign_keys_are_enforced(engine: Engine) -> None:
    with pytest.raises(IntegrityError), write_session(engine) as session:
        session.add(OrderItem(order_id="no-such-order", drink="latte"))


def test_check_constraints_reject_unknown_states(engine: Engine, event_id: int) -> None:
    with pytest.raises(IntegrityError, match="ck_orders_status"), write_session(engine) as session:
        session.add(Order(event_id=event_id, number="A001", status="brewing"))  # type: ignore[arg-type]


def test_timestamps_are_stored_as_utc_and_come_back_aware(engine: Engine, event_id: int) -> None:
    sydney = timezone(timedelta(hours=11))
    created = datetime(2025, 3, 1, 20, 30, tzinfo=sydney)
    with write_session(engine) as session:
        order = Order(event_id=event_id, number="A001", created_at=created)
        session.add(order)
    with read_session(engine) as session:
        stored = scalar(session, "SELECT created_at FROM orders")
        loaded = session.get(Order, order.id)
    assert stored == "2025-03-01 09:30:00.000000"
    assert loaded is not None and loaded.created_at == created
    assert loaded.created_at.tzinfo == UTC


def test_naive_timestamps_are_refused(engine: Engine, event_id: int) -> None:
    with pytest.raises(StatementError, match="naive datetime"), write_session(engine) as session:
        session.add(Order(event_id=event_id, number="A001", created_at=datetime(2025, 3, 1, 9)))


@pytest.mark.skipif(os.name != "posix", reason="POSIX modes")
def test_the_database_and_its_wal_and_shm_are_private(tmp_path: Path) -> None:
    previous = os.umask(0o022)  # the usual default: SQLite would make them 0644
    try:
        path = tmp_path / "fresh" / "organiser.db"
        engine = open_database(path, role="master")
        with write_session(engine) as session:
            session.add(Setting(key="k", value_json=1))
        files = [path, path.with_name("organiser.db-wal"), path.with_name("organiser.db-shm")]
        assert [oct(f.stat().st_mode & 0o777) for f in files] == ["0o600"] * 3
        assert path.parent.stat().st_mode & 0o777 == 0o700
        engine.dispose()
        for f in files:  # as an older version left them
            if f.exists():
                f.chmod(0o644)
        open_database(path, role="master").dispose()
        assert all(f.stat().st_mode & 0o777 == 0o600 for f in files if f.exists())
    finally:
        os.umask(previous)
