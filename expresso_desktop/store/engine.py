"""Opening the SQLite database: pragmas, explicit transactions, migrations, and sessions.

Every transaction is ``BEGIN IMMEDIATE`` except a ``read_session``'s (SQLAlchemy's pysqlite
recipe: the driver's own transaction handling is switched off and we emit BEGIN ourselves).
Taking the write lock at BEGIN means two writers queue on the busy timeout instead of one failing
at once when both try to upgrade a read lock, and a read-then-write (allocating an order number)
cannot race another writer. Plain ``engine.begin()`` is therefore a safe writer too.
"""

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

import sqlalchemy.exc
from alembic.util import CommandError
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session

from expresso_desktop.settings import private_dir, private_file

from . import checkpoint, migrate, raw
from .errors import (
    CorruptDatabaseError,
    DatabaseTooNewError,
    DiskError,
    NotExpressoDatabaseError,
    StoreError,
    translate,
)

log = logging.getLogger(__name__)

Role = Literal["master", "replica"]

_BEGIN = "expresso_begin"  # execution option: "IMMEDIATE" (default) or "DEFERRED" (readers)
_BEGINS = {"IMMEDIATE": "BEGIN IMMEDIATE", "DEFERRED": "BEGIN DEFERRED"}


def open_database(path: Path, *, role: Role, busy_timeout_ms: int = 5000) -> Engine:
    """Open (creating or upgrading as needed) the database at ``path``.

    An existing file is checked first through a read-only connection: damaged, foreign or
    written by a newer Expresso, it raises a ``StoreError`` and is left byte-for-byte alone.
    Before an upgrade the old file is copied to ``<name>.before-<revision>.bak``.

    The file and its ``-wal``/``-shm`` are this user's only (0600; SQLite gives the WAL and SHM
    files the database file's mode, so the file is made 0600 before SQLite first opens it).
    """
    path = Path(path)
    if path.exists() and path.stat().st_size > 0:
        _check_existing(path)
    else:
        private_dir(path.parent)
    for file in (path, *_sidecars(path)):
        if file == path or file.exists():
            private_file(file)
    engine = _create_engine(path, role=role, busy_timeout_ms=busy_timeout_ms)
    try:
        _upgrade_to_head(engine, path)
    except BaseException:
        engine.dispose()
        raise
    return engine


@contextmanager
def write_session(engine: Engine, session_class: type[Session] = Session) -> Iterator[Session]:
    """A session holding the write lock (``BEGIN IMMEDIATE``) from the start.

    Commits when the block ends, rolls back if it raises. Loaded objects stay usable after the
    block (``expire_on_commit=False``): they are snapshots, not live rows. ``session_class``
    (a ``Session`` subclass) is for a caller whose session events are listened to per class.
    """
    with (
        _translated(engine),
        session_class(engine, expire_on_commit=False) as session,
    ):
        session.connection()  # BEGIN IMMEDIATE now, so a busy database fails here, not midway
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


@contextmanager
def write_connection(engine: Engine) -> Iterator[Connection]:
    """A Core connection in a ``BEGIN IMMEDIATE`` transaction, committed at the end (for the
    sync layer's raw SQL; the same guarantees as ``write_session``)."""
    with _translated(engine), engine.begin() as connection:
        yield connection


@contextmanager
def read_session(engine: Engine) -> Iterator[Session]:
    """A session reading one consistent snapshot (WAL: never blocks, never blocks writers).

    Nothing is committed: anything written through it is rolled back at the end.
    """
    with (
        _translated(engine),
        Session(
            engine.execution_options(**{_BEGIN: "DEFERRED"}), expire_on_commit=False
        ) as session,
    ):
        yield session


def _sidecars(path: Path) -> tuple[Path, Path]:
    return path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")


def database_path(engine: Engine) -> Path | None:
    name = engine.url.database
    return Path(name) if name else None


# --- internals ---------------------------------------------------------------------------------


@contextmanager
def _translated(engine: Engine) -> Iterator[None]:
    """Turn SQLite's complaints about the file (locked, full, corrupt) into ``StoreError``s."""
    try:
        yield
    except (sqlalchemy.exc.DBAPIError, sqlite3.DatabaseError) as exc:
        store_error = translate(exc, database_path(engine))
        if store_error is None:
            raise
        raise store_error from exc


def _check_existing(path: Path) -> None:
    """Refuse, without writing anything, a file we must not touch."""
    try:
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise translate(exc, path) or DiskError(path, str(exc)) from exc
    try:
        problems = [row[0] for row in connection.execute("PRAGMA quick_check(5)")]
        if problems != ["ok"]:
            raise CorruptDatabaseError(path, "; ".join(problems))
        tables = {
            row[0]
            for row in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        }
        if "alembic_version" in tables:
            revisions = [
                row[0] for row in connection.execute("SELECT version_num FROM alembic_version")
            ]
            unknown = [rev for rev in revisions if rev not in migrate.known_revisions()]
            if unknown:
                raise DatabaseTooNewError(path, ", ".join(unknown))
        elif tables:
            raise NotExpressoDatabaseError(path)
    except sqlite3.DatabaseError as exc:
        raise translate(exc, path) or CorruptDatabaseError(path, str(exc)) from exc
    finally:
        connection.close()


def _create_engine(path: Path, *, role: Role, busy_timeout_ms: int) -> Engine:
    engine = create_engine(
        f"sqlite:///{path}",
        # An error's text must not carry row values (names, numbers, message bodies) into
        # logs: SQLAlchemy would repeat the statement's parameters verbatim.
        hide_parameters=True,
        # The pool hands a connection to one thread at a time; the writer thread and the
        # readers are different threads.
        connect_args={"check_same_thread": False, "timeout": busy_timeout_ms / 1000},
        # The most recently used connection first: the single writer keeps taking the same one,
        # whose page cache is warm (first in, first out, it alternated between two, each
        # re-reading what the other had just changed).
        pool_use_lifo=True,
    )
    # Master: an order acknowledged to a customer (or a push acknowledged to a station) must
    # survive power loss. Replica: NORMAL may lose the last commits on power loss but never
    # corrupts; whatever it loses is still in the organiser's database or is re-sent from the
    # outbox, and it is ~10x faster for a station's many small writes.
    synchronous = "FULL" if role == "master" else "NORMAL"

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves (see _on_begin)
        dbapi_connection.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        dbapi_connection.execute("PRAGMA foreign_keys = ON")
        mode = dbapi_connection.execute("PRAGMA journal_mode = WAL").fetchone()
        if mode is None or str(mode[0]).lower() != "wal":
            raise StoreError(
                path,
                f"The database {path} cannot use write-ahead logging.",
                hint="Keep the data folder on a local disk, not a network drive.",
            )
        dbapi_connection.execute(f"PRAGMA synchronous = {synchronous}")
        # No commit copies the log into the file: the background checkpoint does (checkpoint.py)
        dbapi_connection.execute("PRAGMA wal_autocheckpoint = 0")

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        mode = connection.get_execution_options().get(_BEGIN, "IMMEDIATE")
        # Straight to SQLite: every unit of work begins so, and SQLAlchemy's statement
        # machinery around a fixed BEGIN cost more than the BEGIN itself.
        connection.connection.driver_connection.execute(_BEGINS[mode])  # type: ignore[union-attr]

    raw.direct_savepoints(engine.dialect)  # every inbound text takes one (store/raw.py)
    checkpoint.run_in_background(engine, path, synchronous=synchronous)
    return engine


def _upgrade_to_head(engine: Engine, path: Path) -> None:
    with _translated(engine), engine.connect() as connection:
        current = migrate.current_revision(connection)
        connection.rollback()  # reading the revision began a transaction; end it
        head = migrate.head_revision()
        if current == head:
            return
        if current is not None:
            _backup(connection, path.with_name(f"{path.name}.before-{head}.bak"))
        # Batch migrations copy tables; foreign keys must be off for that, and the pragma is a
        # no-op inside a transaction, so it is set on the raw connection before BEGIN.
        raw = connection.connection.driver_connection
        assert isinstance(raw, sqlite3.Connection)
        raw.execute("PRAGMA foreign_keys = OFF")
        try:
            migrate.upgrade(connection)
        except CommandError as exc:  # another process stamped a newer revision meanwhile
            raise DatabaseTooNewError(path, str(exc)) from exc
        finally:
            if connection.in_transaction():
                connection.rollback()
            raw.execute("PRAGMA foreign_keys = ON")
        log.info("database %s upgraded from %s to %s", path.name, current or "empty", head)


def _backup(connection: Connection, target: Path) -> None:
    raw = connection.connection.driver_connection
    assert isinstance(raw, sqlite3.Connection)
    backup = sqlite3.connect(private_file(target))  # a copy of the data: as private
    try:
        raw.backup(backup)
    finally:
        backup.close()
    log.info("saved a copy of the database before upgrading: %s", target.name)
