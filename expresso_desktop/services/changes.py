"""Change sets: every write appends to the change log and tells subscribers after it commits.

``emit`` (and ``emit_new``, its batch form for new rows) is the one place that writes
``change_log`` rows and stamps ``row_version``; the transaction collects what it emitted and the
bus announces it only once the commit succeeded, so nobody ever hears of a change that was rolled
back (design/sync.md, I4).
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any, Literal, TypeVar

import sqlalchemy
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, SQLModel

from expresso_desktop.store import raw
from expresso_desktop.store.tables_sync import ChangeLog

T = TypeVar("T", bound=SQLModel)

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Change:
    """One committed change: the entity's full row image after it (None when deleted)."""

    version: int
    entity: str
    entity_id: str
    op: Literal["upsert", "delete"]
    data: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class Alert:
    """Something a person must look at (a terminal-state conflict, stock low or gone negative).

    ``kind`` is one of ``ALERT_KINDS``; ``entity_id`` names the row it is about, if any."""

    kind: str
    message: str
    entity_id: str | None = None


# The alerts the services raise, and the screen that fixes each (screens.md, "Live").
ALERT_KINDS = frozenset(
    {
        "conflict_terminal",
        "stock_low",
        "stock_out",
        "stock_negative",
        "sms_gateway_down",
        "pairing_attack",  # someone keeps guessing pairing codes (server/api_devices.py)
        "throttle",  # a station's quoted wait went over the event's limit (sms/conversation.py)
        "phone_revealed",  # an organiser was shown a customer's number (services/privacy.py)
    }
)

# In ``ChangeSet.touched``: SMS rows were written that are never sent (a text received, the
# reply given in the webhook's answer). The screens hear of them, the sender does not look.
RECEIVED_TEXTS = "sms_messages:received"

# Rows that name an order without being one: a change to them is a change to that order.
_ORDER_CHILDREN = ("order_items",)


@dataclass
class ChangeSet:
    """What one transaction changed; returned by every mutating service call.

    ``initiator`` says who asked for the write (``"ui:<screen>"``, ``"lan:<device id>"``,
    ``"sync:<client>"``, ``"sms"``…), so a screen can skip the echo of its own action."""

    changes: list[Change] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)
    # Tables written that are not in the change log (SMS, customers: organiser-only rows with
    # phone numbers). Screens on the organiser refresh on these; stations never see them.
    touched: set[str] = field(default_factory=set)
    initiator: str | None = None
    # The sync mutation (client id, seq) being applied, while it is: every log row written
    # meanwhile names it (``origin_client``, ``origin_seq``), with no second pass over them.
    origin: tuple[str, int] | None = None

    def of(self, entity: str) -> list[Change]:
        return [c for c in self.changes if c.entity == entity]

    def ids_of(self, entity: str) -> frozenset[str]:
        return frozenset(c.entity_id for c in self.changes if c.entity == entity)

    @property
    def order_ids(self) -> frozenset[str]:
        """Orders (their uuid ids) whose row or items changed."""
        return order_ids_in(self.changes)

    @property
    def station_ids(self) -> frozenset[int]:
        return frozenset(int(c.entity_id) for c in self.changes if c.entity == "stations")

    @property
    def stock_item_ids(self) -> frozenset[int]:
        return frozenset(int(c.entity_id) for c in self.changes if c.entity == "stock_items")

    @property
    def messages_touched(self) -> bool:
        """SMS rows were written (they are never in the change log)."""
        return "sms_messages" in self.touched or RECEIVED_TEXTS in self.touched

    @property
    def outbox_touched(self) -> bool:
        """SMS rows were written that the sender may have to send (queued, released, retried);
        not so when all that was written is texts received and the replies already given."""
        return "sms_messages" in self.touched

    @property
    def devices_touched(self) -> bool:
        """Paired devices were written (paired, revoked, seen); never in the change log."""
        return "devices" in self.touched

    @property
    def head(self) -> int | None:
        return self.changes[-1].version if self.changes else None


def order_ids_in(changes: Iterable[Change]) -> frozenset[str]:
    """The orders a run of changes touched: order rows and rows that belong to an order."""
    ids: set[str] = set()
    for c in changes:
        if c.entity == "orders":
            ids.add(c.entity_id)
        elif c.entity in _ORDER_CHILDREN and c.data and c.data.get("order_id") is not None:
            ids.add(str(c.data["order_id"]))
    return frozenset(ids)


def row_image(row: SQLModel) -> dict[str, Any]:
    return row.model_dump(mode="json")


def emit(
    session: Session,
    changeset: ChangeSet,
    entity: str,
    row: SQLModel,
    *,
    entity_id: str | None = None,
    origin: tuple[str, int] | None = None,
) -> Change:
    """Record ``row`` (already added to ``session``) as changed: a change_log row, its
    ``row_version``, and an entry in ``changeset``. Tombstoned rows are emitted as deletes.

    The version is allocated inside this write transaction (the single writer holds the write
    lock from BEGIN): the one after the change set's last, or the log's next on the first emit
    (a rolled-back savepoint has taken its changes out of the set, and its log rows out of the
    database). ``row_version`` is set before the flush, so it is written with the row, and the
    log row with plain SQL: this is every write's hot path, and ORM work made it slower.
    """
    version = _next_version(session, changeset)
    if hasattr(row, "row_version"):
        row.row_version = version
    session.flush()  # the row is written, with its version, and has its primary key
    key = entity_id if entity_id is not None else str(row.id)  # type: ignore[attr-defined]
    return _log(session, changeset, version, entity, key, row, origin)


def emit_update(
    session: Session,
    changeset: ChangeSet,
    entity: str,
    row: SQLModel,
    changed: dict[str, Any],
) -> Change:
    """``emit`` for an update of a row already in the database: the ``changed`` columns (key →
    new value; those equal to the row's are left out, so SQLite rewrites only the indexes
    that need it) and the row's version written with one plain UPDATE, and logged as ``emit``
    logs (the full image, or a delete for a tombstone). ``row`` (``fetch``'s object) takes the
    values as if loaded from the database, so no ORM flush writes them again: a tap or a
    stock use without the unit of work (~0.3 ms each through it)."""
    version = _next_version(session, changeset)
    values = {name: value for name, value in changed.items() if getattr(row, name) != value}
    values["row_version"] = version
    for name, value in values.items():
        set_committed_value(row, name, value)
    key = sqlalchemy.inspect(row).identity[0]
    update = _update_of(entity, tuple(values))
    raw.execute(session, update.sql, update.params(values, key))
    return _log(session, changeset, version, entity, str(key), row, None)


def _log(
    session: Session,
    changeset: ChangeSet,
    version: int,
    entity: str,
    key: str,
    row: SQLModel,
    origin: tuple[str, int] | None,
) -> Change:
    op: Literal["upsert", "delete"] = "delete" if getattr(row, "deleted", False) else "upsert"
    data = row_image(row) if op == "upsert" else None
    origin = origin or changeset.origin
    _LOG_INSERT.one(
        session,
        {
            "version": version,
            "entity": entity,
            "entity_id": key,
            "op": op,
            "data_json": data,
            "origin_client": origin[0] if origin else None,
            "origin_seq": origin[1] if origin else None,
            "committed_at": datetime.now(UTC),
        },
    )
    change = Change(version, entity, key, op, data)
    changeset.changes.append(change)
    return change


def fetch(session: Session, model: type[T], key: Any) -> T | None:
    """``model``'s row ``key`` as it stands in this transaction, or None: the session's own
    object when it holds one, else read with one plain SELECT (each column's result
    processing, as the ORM loads it) and joined to the session as loaded. Rows written by
    ``emit_new_rows`` and ``emit_update`` are seen like any other. Pending ORM changes are
    flushed first, as an ORM query would (usually there are none: ``emit`` flushes).

    The object is kept until the transaction ends (the session holds its objects weakly): a
    push asks for the same station and stock items again and again. It stays the row's
    image: ``emit_update`` and the ORM's flushes write through it, and a rolled-back
    savepoint makes the session forget every object (``Tx.savepoint``)."""
    held = session.identity_map.get(model.__mapper__.identity_key_from_primary_key((key,)))  # type: ignore[attr-defined]
    if held is not None:
        return held
    session.flush()
    select = _select_of(model.__tablename__)
    found = raw.first(session, select.sql, (key,))
    if found is None:
        return None
    row = loaded(session, model, select.values(found))
    session.info.setdefault(_HELD, []).append(row)
    return row


_HELD = "expresso.fetched"  # Session.info: the objects ``fetch`` read, kept for the transaction


def emit_new(
    session: Session, changeset: ChangeSet, rows: Sequence[tuple[str, SQLModel]]
) -> list[Change]:
    """Insert new rows (entity, row: parents before children) and record them, as ``emit``
    would one by one, in one executemany per table and one for their log rows. No ORM flush:
    each row keeps the id it was made with (a client-side key), and joins ``session`` as a
    loaded row, so a later change to it in this transaction is an UPDATE like any other."""
    values = [(entity, row.model_dump()) for entity, row in rows]
    changes = emit_new_rows(session, changeset, values)
    for (_, row), change in zip(rows, changes, strict=True):
        row.row_version = change.version
        make_transient_to_detached(row)
        session.add(row)
    return changes


def emit_new_rows(
    session: Session, changeset: ChangeSet, rows: Sequence[tuple[str, dict[str, Any]]]
) -> list[Change]:
    """``emit_new`` for rows given as plain values of every column (the order and its items,
    on every text: no model object is built to write them). Stamps each row's
    ``row_version``; the log image is what ``row_image`` gives for the same row."""
    first = _next_version(session, changeset)
    committed_at = datetime.now(UTC)
    client, seq = changeset.origin or (None, None)
    log: list[dict[str, Any]] = []
    changes: list[Change] = []
    for version, (entity, values) in enumerate(rows, start=first):
        key = values["id"]
        assert key is not None, "emit_new needs rows that carry their key"
        values["row_version"] = version
        data = {k: _image_value(v) for k, v in values.items()}
        log.append({"version": version, "entity": entity, "entity_id": str(key), "op": "upsert",
                    "data_json": data, "committed_at": committed_at, "origin_client": client,
                    "origin_seq": seq})  # fmt: skip
        changes.append(Change(version, entity, str(key), "upsert", data))
    start = 0
    for end in range(1, len(rows) + 1):  # one executemany per run of rows of one table
        if end == len(rows) or rows[end][0] != rows[start][0]:
            entity, first_row = rows[start]
            _insert_of(entity, tuple(first_row)).many(session, [v for _, v in rows[start:end]])
            start = end
    _LOG_INSERT.many(session, log)
    changeset.changes.extend(changes)
    return changes


def loaded(session: Session | None, model: type[T], values: dict[str, Any]) -> T:
    """``model``'s object for a row just written with ``values`` (every column), in
    ``session`` as if loaded from it (or, without a session, a snapshot nobody will write
    back): a few µs, where constructing (validating) a table model costs ~100× more."""
    row = model._sa_class_manager.new_instance()  # type: ignore[attr-defined]
    row.__dict__.update(values)
    object.__setattr__(row, "__pydantic_fields_set__", set(values))
    if session is not None:
        make_transient_to_detached(row)
        session.add(row)
    return row


def _image_value(value: Any) -> Any:
    """A column value as ``row_image`` (pydantic's JSON mode) writes it."""
    if isinstance(value, datetime):
        text = value.isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text
    if isinstance(value, date | time):
        return value.isoformat()
    return value


@functools.cache
def _insert_of(entity: str, keys: tuple[str, ...]) -> raw.Insert:
    return raw.Insert(SQLModel.metadata.tables[entity], keys)


def _key_column(table: Any) -> str:
    (key,) = table.primary_key.columns
    return str(key.name)


class _Update:
    """``UPDATE table SET columns = ? … WHERE key = ?`` with each column's bind processing."""

    def __init__(self, entity: str, keys: tuple[str, ...]) -> None:
        table = SQLModel.metadata.tables[entity]
        cols = [table.columns[key] for key in keys]
        self.binder = raw.Binder(cols)
        sets = ", ".join(f"{c.name} = ?" for c in cols)
        self.sql = f"UPDATE {table.name} SET {sets} WHERE {_key_column(table)} = ?"

    def params(self, values: dict[str, Any], key: Any) -> tuple[Any, ...]:
        return (*self.binder.bind(values), key)


@functools.cache
def _update_of(entity: str, keys: tuple[str, ...]) -> _Update:
    return _Update(entity, keys)


class _Select:
    """``SELECT every column FROM table WHERE key = ?``, read back as the ORM would."""

    def __init__(self, entity: str) -> None:
        table = SQLModel.metadata.tables[entity]
        self.keys = tuple(c.key for c in table.columns)
        self.processors = tuple(raw.result_processor(c) for c in table.columns)
        names = ", ".join(c.name for c in table.columns)
        self.sql = f"SELECT {names} FROM {table.name} WHERE {_key_column(table)} = ?"

    def values(self, row: Sequence[Any]) -> dict[str, Any]:
        return {
            key: value if proc is None or value is None else proc(value)
            for key, value, proc in zip(self.keys, row, self.processors, strict=True)
        }


@functools.cache
def _select_of(entity: str) -> _Select:
    return _Select(entity)


def _next_version(session: Session, changeset: ChangeSet) -> int:
    """The next change_log version in this transaction: every log row is written by ``emit``
    with the transaction's one change set, so after the first it is the set's last + 1."""
    if changeset.changes:
        return changeset.changes[-1].version + 1
    return int(raw.first(session, _NEXT_VERSION)[0])


# AUTOINCREMENT's next value: never reused, even after the newest rows were deleted.
_NEXT_VERSION = (
    "SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'change_log'), 0),"
    " COALESCE((SELECT MAX(version) FROM change_log), 0)) + 1"
)
_LOG_INSERT = raw.Insert(
    ChangeLog.__table__,  # type: ignore[attr-defined]
    ("version", "entity", "entity_id", "op", "data_json", "committed_at", "origin_client",
     "origin_seq"),
)  # fmt: skip


Subscriber = Callable[[ChangeSet], None]


class ChangeBus:
    """Fans committed change sets out to subscribers (WebSocket hub, Qt bridge, SMS notifier).

    Thread-safe. Subscribers run on the publishing thread and must not block: hand work over
    to your own loop or thread (``loop.call_soon_threadsafe``, a queued Qt signal).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribers: list[Subscriber] = []

    def subscribe(self, subscriber: Subscriber) -> Callable[[], None]:
        with self._lock:
            self._subscribers.append(subscriber)

        def unsubscribe() -> None:
            with self._lock:
                if subscriber in self._subscribers:
                    self._subscribers.remove(subscriber)

        return unsubscribe

    def publish(self, changeset: ChangeSet) -> None:
        if not changeset.changes and not changeset.alerts and not changeset.touched:
            return
        with self._lock:
            subscribers = list(self._subscribers)
        for subscriber in subscribers:
            try:
                subscriber(changeset)
            except Exception:  # one broken listener must not starve the others
                log.exception("change subscriber %r failed", subscriber)
