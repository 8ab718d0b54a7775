"""This station's finished orders today (collected and cancelled), newest first, searchable by
number or first name, and Recall: a collected order back to ready through ``order.undo`` (the
organiser's undo, ``core.orders.undo_of``; a cancelled order cannot come back, and the entry
says why). Qt-free; blocking SQLite work for the window's op runner."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time

import sqlalchemy as sa

from expresso_desktop.core.errors import IllegalTransition
from expresso_desktop.core.items import drink_of
from expresso_desktop.core.menu import Menu
from expresso_desktop.core.orders import OrderStatus, undo_of
from expresso_desktop.store import sync_rows

from . import outbox
from .card_actions import first_name
from .events import ReplicaChanged
from .replica import Replica, get

FINISHED = (OrderStatus.COLLECTED.value, OrderStatus.CANCELLED.value)
MAX_ENTRIES = 200  # a screenful and then some: search finds older ones


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    order_id: str
    number: str
    name: str  # first name only
    status: OrderStatus
    finished_at: datetime
    drinks: str
    cancel_reason: str | None
    recall_blocked: str | None  # why Recall cannot bring it back (None: it can)

    @property
    def recallable(self) -> bool:
        return self.recall_blocked is None


def start_of_today(now: datetime | None = None) -> datetime:
    """Local midnight (the station's clock) as an aware UTC time."""
    local = (now or datetime.now(UTC)).astimezone()
    return datetime.combine(local.date(), time(), local.tzinfo).astimezone(UTC)


def history(
    replica: Replica, menu: Menu, *, search: str = "", since: datetime | None = None
) -> list[HistoryEntry]:
    """This station's orders collected or cancelled since ``since`` (default: today), newest
    first; ``search`` keeps those whose number or name contains it."""
    since = since or start_of_today()
    orders_t, items_t = sync_rows.table("orders"), sync_rows.table("order_items")
    query = sa.select(orders_t).where(
        orders_t.c.deleted == sa.false(),
        orders_t.c.status.in_(FINISHED),
        sa.or_(orders_t.c.collected_at >= since, orders_t.c.cancelled_at >= since),
    )
    with replica.read() as conn:
        if mine := get(conn, "station_id"):
            query = query.where(orders_t.c.station_id == int(mine))
        rows = [sync_rows.image_of(r) for r in conn.execute(query).mappings()]
        rows = [r for r in rows if _matches(r, search)]
        rows.sort(key=lambda r: (_finished(r), r["id"]), reverse=True)
        rows = rows[:MAX_ENTRIES]
        drinks: dict[str, list[str]] = {r["id"]: [] for r in rows}
        if drinks:
            for item in conn.execute(
                sa.select(items_t)
                .where(items_t.c.order_id.in_(list(drinks)), items_t.c.deleted == sa.false())
                .order_by(items_t.c.order_id, items_t.c.position)
            ).mappings():
                drinks[item["order_id"]].append(drink_of(item).summary(menu))
    return [_entry(r, drinks[r["id"]]) for r in rows]


def recall(replica: Replica, entry: HistoryEntry) -> ReplicaChanged:
    """Back to ready (the undo of Collect); the organiser refuses it (``stale``) if the order
    changed meanwhile."""
    if entry.recall_blocked is not None:
        raise IllegalTransition(entry.recall_blocked, code="not_undoable")
    outbox.record(
        replica, "order.undo", {"order_id": entry.order_id, "base_status": entry.status.value}
    )
    return ReplicaChanged(order_ids=frozenset({entry.order_id}), entities=frozenset({"orders"}))


def _matches(row: dict[str, object], search: str) -> bool:
    wanted = search.strip().casefold().lstrip("#").replace("-", "")
    if not wanted:
        return True
    number = str(row["number"] or "").casefold()
    return wanted in number or wanted in str(row["customer_name"] or "").casefold()


def _finished(row: dict[str, object]) -> datetime:
    value = row["collected_at"] if row["status"] == "collected" else row["cancelled_at"]
    return _when(value)


def _when(value: object) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    parsed = datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _entry(row: dict[str, object], drinks: list[str]) -> HistoryEntry:
    status = OrderStatus(str(row["status"]))
    try:
        undo_of(status, started=row["started_at"] is not None)
        blocked = None
    except IllegalTransition as exc:
        blocked = exc.reason
    number = str(row["number"] or "walk-in")
    reason = row["cancel_reason"]
    return HistoryEntry(
        order_id=str(row["id"]),
        number=number,
        name=first_name(str(row["customer_name"] or "")),
        status=status,
        finished_at=_finished(row),
        drinks=", ".join(drinks),
        cancel_reason=str(reason) if reason else None,
        recall_blocked=f"{number}: {blocked}" if blocked else None,
    )
