"""A station's local database: the replica rows, ``sync_state`` and the outbox (sync.md 4.2).

The replica tables hold the organiser's rows *plus* the optimistic effects of this station's
pending mutations. Before a mutator first touches a row, the row's server image is saved as a
*base* (``sync_state`` keys ``base/<entity>/<id>``; JSON, or ``null`` for "did not exist").
Rebasing (Replicache's rebase, done in SQL) is: put every base back — the tables then hold
exactly the organiser's state at ``cursor`` — apply the pulled changes, then re-run the pending
mutators. All of that, the new cursor and the acknowledgements happen in ONE local
transaction (I3): a crash anywhere in between leaves the previous consistent state.

``synchronous=FULL`` here too (the store's default for replicas is NORMAL): a tap shown to the
barista must survive a power cut, and a lost outbox tail would reuse seq numbers the organiser
has already applied — those taps would then be swallowed as duplicates.

What the sync engine writes besides taps — pulled pages, snapshots, push answers, the link
state — is re-derivable from the organiser, so those transactions commit without waiting for
the disk (``write(durable=False)``: NORMAL, WAL keeps them atomic; a power cut may undo the last
of them, and the next round pulls or pushes that again — its cursor never points past data
it holds, I3). The next tap's FULL commit makes everything before it durable too.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event, text
from sqlalchemy.engine import Connection, Engine

from expresso_desktop.core.sync_protocol import Change
from expresso_desktop.store import sync_rows
from expresso_desktop.store.engine import open_database, write_connection

from .events import ReplicaChanged

BASE = "base/"
# Set while a light write takes its connection from the pool (see ``Replica.write``).
_LIGHT: ContextVar[bool] = ContextVar("expresso_replica_light", default=False)
Fault = Callable[[str], None]


class Replica:
    def __init__(
        self, path: Path, *, fault: Fault | None = None, engine: Engine | None = None
    ) -> None:
        """``engine``: reuse one already opened on ``path`` (tests simulate a crash by closing
        every connection of it, which is what reopening the file amounts to for SQLite)."""
        self.path = Path(path)
        if engine is None:
            engine = open_database(self.path, role="replica")

            @event.listens_for(engine, "connect")
            def _durable(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
                dbapi_connection.execute("PRAGMA synchronous = FULL")

            # ``write(durable=False)``: NORMAL for that one transaction. The level cannot change
            # inside a transaction: it is set when the connection leaves the pool (before the
            # store's BEGIN), and put back when it returns.
            @event.listens_for(engine, "checkout")
            def _light(dbapi_connection: sqlite3.Connection, record: Any, _proxy: Any) -> None:
                if _LIGHT.get():
                    dbapi_connection.execute("PRAGMA synchronous = NORMAL")
                    record.info[_LIGHT.name] = True

            @event.listens_for(engine, "checkin")
            def _back(dbapi_connection: sqlite3.Connection | None, record: Any) -> None:
                if record.info.pop(_LIGHT.name, False) and dbapi_connection is not None:
                    dbapi_connection.execute("PRAGMA synchronous = FULL")

            engine.dispose()  # connections made while migrating predate the listeners
        self.engine = engine
        self.fault = fault
        with self.write() as conn:
            if get(conn, "client_id") is None:  # once per file, never reused after a wipe
                put(conn, "client_id", str(uuid.uuid4()))
                put(conn, "next_seq", "1")
                put(conn, "cursor", "0")
            scrub_private(conn)

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def write(self, *, durable: bool = True) -> Iterator[Connection]:
        """One local transaction (``BEGIN IMMEDIATE``). Foreign keys are checked at COMMIT:
        mid-way through a rebase a child may briefly precede its parent. ``durable=False``:
        for what the organiser can give again (see the module's note), no fsync at COMMIT."""
        light = _LIGHT.set(not durable)  # (a read inside the block is light too: harmless)
        try:
            with write_connection(self.engine) as conn:
                conn.exec_driver_sql("PRAGMA defer_foreign_keys = ON")
                yield conn
        finally:
            _LIGHT.reset(light)

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            yield conn
            conn.rollback()

    def hit(self, point: str) -> None:
        """Crash-injection point (tests): the fault may raise to abort the transaction."""
        if self.fault is not None:
            self.fault(point)

    # -- convenience reads -----------------------------------------------------------------
    def state(self, key: str, default: str | None = None) -> str | None:
        with self.read() as conn:
            value = get(conn, key)
        return default if value is None else value

    @property
    def client_id(self) -> str:
        value = self.state("client_id")
        assert value is not None
        return value

    @property
    def epoch(self) -> str | None:
        return self.state("epoch")

    @property
    def cursor(self) -> int:
        return int(self.state("cursor", "0") or 0)

    def state_hash(self) -> str:
        with self.read() as conn:
            return sync_rows.state_hash(conn)


def scrub_private(conn: Connection) -> None:
    """Forget what older organisers sent and no station may keep (PIN hashes, other
    stations' sync ids): newer ones never send it (``sync_rows.PRIVATE``)."""
    for entity, hidden in sync_rows.PRIVATE.items():
        t = sync_rows.table(entity)
        stale = sa.or_(*(t.c[k].is_distinct_from(v) for k, v in hidden.items()))
        conn.execute(sa.update(t).where(stale).values(**hidden))


def new_identity(conn: Connection) -> int:
    """Become a new sync client (after pairing again, e.g. a copied data folder): a fresh
    client id, the not-yet-acknowledged taps renumbered from 1 under it, and no history, so
    the next round downloads the event. Returns how many taps will be sent again."""
    pending = conn.execute(
        text("SELECT seq FROM outbox WHERE status = 'pending' ORDER BY seq")
    ).all()
    conn.execute(text("DELETE FROM outbox WHERE status != 'pending'"))
    for new, (old,) in enumerate(pending, start=1):
        conn.execute(
            text("UPDATE outbox SET seq = :new, attempts = 0 WHERE seq = :old"),
            {"new": new, "old": old},
        )
    put(conn, "client_id", str(uuid.uuid4()))
    put(conn, "next_seq", str(len(pending) + 1))
    put(conn, "cursor", "0")
    conn.execute(text("DELETE FROM sync_state WHERE k IN ('epoch', 'refused')"))
    return len(pending)


# -- sync_state ----------------------------------------------------------------------------


# sync_state is read and written several times by every tap, round and page: plain statements
# on the driver's connection, in ``conn``'s transaction (Core's wrapping costs ~10x the SQL).
_GET = "SELECT v FROM sync_state WHERE k = ?"
_PUT = "INSERT INTO sync_state (k, v) VALUES (?1, ?2) ON CONFLICT(k) DO UPDATE SET v = ?2"


def get(conn: Connection, key: str) -> str | None:
    row = _driver(conn).execute(_GET, (key,)).fetchone()
    return None if row is None else str(row[0])


def put(conn: Connection, key: str, value: str) -> None:
    _driver(conn).execute(_PUT, (key, value))


def _driver(conn: Connection) -> sqlite3.Connection:
    """The SQLite connection under ``conn``, inside its transaction (begun if not yet)."""
    if not conn.in_transaction():
        conn.begin()  # what Core's first statement would do (the store's BEGIN)
    driver = conn.connection.driver_connection
    assert isinstance(driver, sqlite3.Connection)
    return driver


def get_int(conn: Connection, key: str, default: int = 0) -> int:
    value = get(conn, key)
    return default if value is None else int(value)


# -- bases: the organiser's image of every row pending mutations have touched ---------------


class Bases:
    """The bases saved in one local transaction. ``fresh``: the table of bases was just
    emptied (a rebase after a restore), so no lookup is needed to know a row has none."""

    def __init__(self, *, fresh: bool = False) -> None:
        self.fresh = fresh
        self.saved: set[str] = set()

    def save(self, conn: Connection, entity: str, entity_id: str, image: Any = ...) -> None:
        """Keep ``image`` (the row as it is now; read if not given) unless a base exists."""
        key = f"{BASE}{entity}/{entity_id}"
        if key in self.saved:
            return
        self.saved.add(key)
        if not self.fresh and get(conn, key) is not None:
            return
        if image is ...:
            image = sync_rows.read_image(conn, entity, entity_id)
        put(conn, key, json.dumps(image))


def restore_bases(conn: Connection, touched: Touched | None = None) -> int:
    """Undo every optimistic effect: the tables return to the organiser's state at cursor."""
    entries = []
    for key, value in _bases(conn):
        entity, _, entity_id = key[len(BASE) :].partition("/")
        image = None if value == "null" else json.loads(value)  # most bases: rows made here
        entries.append((_ORDER.get(entity, 0), entity, entity_id, image))
    # Parents first when putting rows back, children first when removing them.
    writes = sync_rows.Writes(conn)
    for _, entity, entity_id, image in sorted(entries, key=lambda e: -e[0]):
        if image is None:
            writes.delete(entity, entity_id)
    for _, entity, _entity_id, image in sorted(entries, key=lambda e: e[0]):
        if image is not None:
            writes.upsert(entity, image)
    writes.flush()
    if entries:
        clear_bases(conn)
    if touched is not None:
        for _, entity, entity_id, image in entries:
            touched.add(entity, entity_id, image)
    return len(entries)


def touch_bases(conn: Connection, touched: Touched) -> None:
    """Count the rows pending mutators have (re)written as changed."""
    for key, value in _bases(conn):
        entity, _, entity_id = key[len(BASE) :].partition("/")
        touched.add(entity, entity_id, json.loads(value))


def _bases(conn: Connection) -> list[Any]:
    return _driver(conn).execute(_BASES, (BASE, _BASE_END)).fetchall()


def clear_bases(conn: Connection) -> None:
    _driver(conn).execute(_CLEAR_BASES, (BASE, _BASE_END))


_BASES = "SELECT k, v FROM sync_state WHERE k >= ? AND k < ? ORDER BY k"
_CLEAR_BASES = "DELETE FROM sync_state WHERE k >= ? AND k < ?"


_BASE_END = BASE[:-1] + chr(ord(BASE[-1]) + 1)
_ORDER = {name: i for i, name in enumerate(sync_rows.ORDERED)}


def apply_changes(
    conn: Connection, changes: Iterable[Change], touched: Touched | None = None
) -> None:
    writes = sync_rows.Writes(conn)
    for change in changes:
        entity = change.entity
        if entity not in sync_rows.TABLES:
            continue  # a table this version does not know (forward compatible)
        if change.op == "delete":
            writes.tombstone(entity, change.id, change.v)
        else:
            writes.upsert(entity, change.data or {})
        if touched is not None:
            touched.add(entity, change.id, change.data)
    writes.flush()


# -- what one local transaction changed -------------------------------------------------------


class Touched:
    """The rows one local transaction changed, gathered while it runs, as a
    ``ReplicaChanged`` at the end: orders by id, and an order item as its order's id."""

    def __init__(self) -> None:
        self.entities: set[str] = set()
        self.order_ids: set[str] = set()
        self._items: set[str] = set()  # order_items whose order is still to look up

    def add(self, entity: str, entity_id: str, image: Any = None) -> None:
        self.entities.add(entity)
        if entity == "orders":
            self.order_ids.add(str(entity_id))
        elif entity == "order_items":
            order_id = image.get("order_id") if isinstance(image, dict) else None
            if order_id is None:
                self._items.add(str(entity_id))
            else:
                self.order_ids.add(str(order_id))

    def changed(self, conn: Connection) -> ReplicaChanged:
        """What changed; items of unknown order are looked up (tombstones keep their row)."""
        if self._items:
            found = conn.execute(
                sa.select(_ITEMS.c.order_id).where(_ITEMS.c.id.in_(sorted(self._items)))
            )
            self.order_ids.update(str(order_id) for (order_id,) in found)
            self._items.clear()
        return ReplicaChanged(frozenset(self.order_ids), frozenset(self.entities))


_ITEMS = sync_rows.TABLES["order_items"]
