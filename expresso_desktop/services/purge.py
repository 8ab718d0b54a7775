"""After the event: customers' phone numbers and what they texted go, the counts stay.

``purge_customer_data`` rewrites, in batches through the single writer (so a big event never
holds the write lock for long, and the organiser keeps serving meanwhile):

- each customer: ``phone`` becomes ``purged:<id>`` (the column is UNIQUE NOT NULL), and the name,
  the usual order and the conversation state are cleared — except the conversation state's
  ``sponsor`` counts, which are report figures (``sms.customers.sponsor_line_stats``);
- each text: the body is emptied and both numbers are masked (``core.privacy.mask_phone``);
  a text still waiting to go out is not sent any more (``expired``, error ``purged``).

The old values are not left in the file either: each batch runs with SQLite's
``secure_delete`` (freed space is zeroed), the write-ahead log is emptied at the end, and the
copies of the database taken before schema upgrades (``organiser.db.before-*.bak``) are removed.

Everything a report counts stays as it was (``report_counts``: orders by status and by hour,
texts by direction, status and hour, customers), except those unsent texts. Orders are not
touched (their ``customer_name`` is synced to the stations). Running it again finds nothing left.
"""

from __future__ import annotations

import contextlib
import glob
import logging
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Engine
from sqlmodel import Session, col, func, select

from expresso_desktop.core.privacy import mask_phone
from expresso_desktop.services.writer import Tx, Writer
from expresso_desktop.store import checkpoint
from expresso_desktop.store.engine import database_path, read_session
from expresso_desktop.store.tables import Customer, Order, SmsMessage

log = logging.getLogger(__name__)

PURGED_PREFIX = "purged:"
BATCH_SIZE = 500
PURGED_ERROR = "purged"
# The conversation state's report figures (``sms.customers``: confirmations with or without the
# sponsor line); everything else in it is about the person.
KEPT_STATE_KEYS = ("sponsor",)
# Masked numbers always carry this mark (``mask_phone``), so a masked text is never redone.
_MASK_MARK = "•"
_UNSENT = "pending"  # outbound rows the sender has not claimed yet


@dataclass(frozen=True, slots=True)
class PurgeProgress:
    """Rows done so far out of those that held customer data when the purge began."""

    done: int
    total: int


@dataclass(frozen=True)
class ReportCounts:
    """The figures a report after the event is made of; a purge keeps every one of them."""

    customers: int
    orders_by_status: dict[str, int]
    orders_by_hour: dict[str, int]  # "2025-03-01 09" (UTC) → orders created that hour
    messages_by_direction_status: dict[str, dict[str, int]]  # "in"/"out" → status → texts
    messages_by_hour: dict[str, dict[str, int]]  # hour → direction → texts

    def to_json(self) -> dict[str, Any]:
        return {
            "customers": self.customers,
            "orders_by_status": self.orders_by_status,
            "orders_by_hour": self.orders_by_hour,
            "messages_by_direction_status": self.messages_by_direction_status,
            "messages_by_hour": self.messages_by_hour,
        }


@dataclass(frozen=True)
class PurgeResult:
    customers_purged: int
    messages_purged: int
    remaining: ReportCounts
    removed_copies: tuple[str, ...]  # the database's pre-upgrade copies (they held it all)


ProgressCallback = Callable[[PurgeProgress], None]


def report_counts(session: Session) -> ReportCounts:
    order_hour = func.substr(col(Order.created_at), 1, 13)
    text_hour = func.substr(col(SmsMessage.created_at), 1, 13)
    live = col(Order.deleted).is_(False)
    by_status = session.exec(select(Order.status, func.count()).where(live).group_by(Order.status))
    by_hour = session.exec(select(order_hour, func.count()).where(live).group_by(order_hour))
    texts = session.exec(
        select(SmsMessage.direction, SmsMessage.status, text_hour, func.count()).group_by(
            SmsMessage.direction, SmsMessage.status, text_hour
        )
    )
    per_status: dict[str, Counter[str]] = {}
    per_hour: dict[str, Counter[str]] = {}
    for direction, status, hour, n in texts.all():
        per_status.setdefault(direction, Counter())[status] += n
        per_hour.setdefault(hour, Counter())[direction] += n
    return ReportCounts(
        customers=session.exec(select(func.count()).select_from(Customer)).one(),
        orders_by_status=dict(sorted(by_status.all())),
        orders_by_hour=dict(sorted(by_hour.all())),
        messages_by_direction_status={k: dict(sorted(v.items())) for k, v in per_status.items()},
        messages_by_hour={k: dict(sorted(v.items())) for k, v in sorted(per_hour.items())},
    )


def _customers_left() -> Any:
    return col(Customer.phone).not_like(f"{PURGED_PREFIX}%")


def _unmasked(column: Any) -> Any:
    return sa.and_(column != "", func.instr(column, _MASK_MARK) == 0)


def _messages_left() -> Any:
    return sa.or_(
        col(SmsMessage.body) != "",
        _unmasked(col(SmsMessage.from_number)),
        _unmasked(col(SmsMessage.to_number)),
    )


def left_to_purge(session: Session) -> tuple[int, int]:
    """Customers and texts that still hold numbers or bodies."""
    customers = select(func.count()).select_from(Customer).where(_customers_left())
    messages = select(func.count()).select_from(SmsMessage).where(_messages_left())
    return session.exec(customers).one(), session.exec(messages).one()


def purge_customer_data(
    writer: Writer,
    *,
    progress: ProgressCallback | None = None,
    batch_size: int = BATCH_SIZE,
    initiator: str = "purge",
) -> PurgeResult:
    """Purge every customer and text, ``batch_size`` rows per writer transaction. Blocking:
    call it from a script or a worker thread, never from the writer's thread or the GUI's."""
    with read_session(writer.engine) as session:  # reads need not wait for the writer
        customers_total, messages_total = left_to_purge(session)
    total = customers_total + messages_total
    log.info("purging customer data: %d customers, %d texts", customers_total, messages_total)
    done = 0
    counts = {"customers": 0, "messages": 0}
    for kind, batch in (("customers", _purge_customers), ("messages", _purge_messages)):
        after = 0
        while True:
            n, after = writer.run_sync(
                partial(batch, after=after, limit=batch_size), initiator=initiator
            )
            if not n:
                break
            counts[kind] += n
            done = min(total, done + n)
            if progress is not None:
                progress(PurgeProgress(done, total))
    with read_session(writer.engine) as session:
        remaining = report_counts(session)
    removed = _scrub_files(writer.engine)
    log.info("purged %(customers)d customers and %(messages)d texts", counts)
    return PurgeResult(counts["customers"], counts["messages"], remaining, removed)


@contextlib.contextmanager
def _zeroing(tx: Tx) -> Iterator[None]:
    """SQLite's ``secure_delete`` for one batch: the space old values leave in the file is
    overwritten with zeros, so they cannot be read back from it."""
    connection = tx.session.connection()
    before = int(connection.exec_driver_sql("PRAGMA secure_delete").scalar() or 0)
    connection.exec_driver_sql("PRAGMA secure_delete = 1")
    try:
        yield
    finally:
        connection.exec_driver_sql(f"PRAGMA secure_delete = {before}")


def _scrub_files(engine: Engine) -> tuple[str, ...]:
    """Old values outlive their rows in the write-ahead log (until SQLite reuses it) and in
    the copies taken before each schema upgrade: empty the one, remove the others."""
    with engine.connect() as connection:
        raw = connection.connection.driver_connection
        assert isinstance(raw, sqlite3.Connection)
        busy = checkpoint.truncate(engine, raw)
    if busy[0]:
        log.warning("a reader kept the write-ahead log from being emptied; it is at the next start")
    path = database_path(engine)
    copies = sorted(path.parent.glob(f"{glob.escape(path.name)}.before-*.bak")) if path else []
    for copy in copies:
        copy.unlink()
        log.info("removed %s, a copy of the database from before an upgrade", copy.name)
    return tuple(c.name for c in copies)


def _purge_customers(tx: Tx, *, after: int, limit: int) -> tuple[int, int]:
    rows = tx.session.exec(
        select(Customer.id, Customer.conversation_state_json)
        .where(_customers_left(), col(Customer.id) > after)
        .order_by(col(Customer.id))
        .limit(limit)
    ).all()
    if not rows:
        return 0, after
    table = Customer.__table__  # type: ignore[attr-defined]
    statement = (
        table.update()
        .where(table.c.id == sa.bindparam("cid"))
        .values(
            phone=sa.bindparam("phone"),
            name=None,
            usual_json=None,
            conversation_state_json=sa.bindparam("state"),
        )
    )
    values = [
        {"cid": cid, "phone": f"{PURGED_PREFIX}{cid}", "state": _kept_state(state)}
        for cid, state in rows
    ]
    with _zeroing(tx):
        tx.session.connection().execute(statement, values)
    tx.changes.touched.add("customers")
    return len(rows), _last_id(rows)


def _last_id(rows: Sequence[Any]) -> int:
    last: int | None = rows[-1][0]
    assert last is not None  # a stored row has its id
    return last


def _kept_state(state: Any) -> dict[str, Any] | None:
    if not isinstance(state, dict):
        return None
    return {k: state[k] for k in KEPT_STATE_KEYS if k in state} or None


def _purge_messages(tx: Tx, *, after: int, limit: int) -> tuple[int, int]:
    rows = tx.session.exec(
        select(SmsMessage.id, SmsMessage.from_number, SmsMessage.to_number, SmsMessage.status)
        .where(_messages_left(), col(SmsMessage.id) > after)
        .order_by(col(SmsMessage.id))
        .limit(limit)
    ).all()
    if not rows:
        return 0, after
    table = SmsMessage.__table__  # type: ignore[attr-defined]
    statement = (
        table.update()
        .where(table.c.id == sa.bindparam("mid"))
        .values(body="", from_number=sa.bindparam("sender"), to_number=sa.bindparam("recipient"))
    )
    values = [
        {"mid": mid, "sender": mask_phone(sender), "recipient": mask_phone(recipient)}
        for mid, sender, recipient, _ in rows
    ]
    unsent = [mid for mid, _, _, status in rows if status == _UNSENT]
    with _zeroing(tx):
        tx.session.connection().execute(statement, values)
        if unsent:
            tx.session.connection().execute(
                table.update()
                .where(table.c.id.in_(unsent), table.c.status == _UNSENT)
                .values(status="expired", error_code=PURGED_ERROR, next_attempt_at=None)
            )
    tx.changes.touched.add("sms_messages")
    return len(rows), _last_id(rows)
