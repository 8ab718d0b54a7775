"""A station's open orders as its cards show them, read from the replica in a fixed number of
queries whatever the queue's length (orders, their drinks, their groups' members): a busy
station re-reads often, and never one query per order.

What a card needs is worked out here, once per read, not per paint: each drink as a line
(``2 × large latte``) with its milk (the chip) and its non-default modifiers
(``DrinkSpec.modifiers``, the one rule), the VIP / GROUP n/m / WALK-IN badges, the notes, and
the times the age and "ready for" clocks count from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from expresso_desktop.core.items import DrinkSpec, drink_of
from expresso_desktop.core.menu import NO_MILK, Menu
from expresso_desktop.core.orders import Action, OrderStatus
from expresso_desktop.core.ready_board import first_name
from expresso_desktop.core.routing import jumps_queue
from expresso_desktop.store import sync_rows

from .replica import get

# The statuses a station's queue shows (collected and cancelled orders leave it).
QUEUE_STATUSES = ("new", "in_progress", "ready")

# The tap a card offers next, by status.
NEXT_ACTION = {
    OrderStatus.NEW: Action.START,
    OrderStatus.IN_PROGRESS: Action.READY,
    OrderStatus.READY: Action.COLLECT,
}


@dataclass(frozen=True, slots=True)
class CardLine:
    """One drink as a card shows it: ``text`` (``2 × large latte``), the milk for its chip
    ("" for none) and every non-default modifier, each a bold chip."""

    quantity: int
    size: str
    drink: str
    milk: str
    modifiers: tuple[str, ...]

    @property
    def text(self) -> str:
        return f"{self.quantity} × {self.size} {self.drink}"


@dataclass(frozen=True, slots=True)
class GroupPlace:
    """This order is the ``n``-th of ``of`` in its group order (cancelled ones not counted)."""

    n: int
    of: int


@dataclass(frozen=True, slots=True)
class StationOrder:
    id: str
    number: str
    status: OrderStatus
    customer_name: str
    items: tuple[DrinkSpec, ...]
    created_at: datetime
    lines: tuple[CardLine, ...] = ()
    vip: bool = False
    group: GroupPlace | None = None
    walk_in: bool = False
    notes: str = ""
    ready_at: datetime | None = None

    @property
    def next_action(self) -> Action | None:
        return NEXT_ACTION.get(self.status)

    @property
    def queue_key(self) -> tuple[bool, datetime, str]:
        """Where the queue shows it: VIPs still to be made first (``jumps_queue``), then the
        oldest first, ties by id (as ``station_queries.list_orders`` lists them)."""
        return not jumps_queue(self.status.value, self.vip), self.created_at, self.id

    @property
    def first_name(self) -> str:
        return first_name(self.customer_name)

    def age_s(self, now: datetime) -> float:
        return max(0.0, (now - self.created_at).total_seconds())

    def ready_for_s(self, now: datetime) -> float | None:
        """How long it has been waiting for its customer (None: not ready)."""
        if self.status is not OrderStatus.READY or self.ready_at is None:
            return None
        return max(0.0, (now - self.ready_at).total_seconds())


def card_line(item: DrinkSpec, menu: Menu) -> CardLine:
    milk = "" if item.milk == NO_MILK else item.milk
    return CardLine(item.quantity, item.size, item.drink, milk, item.modifiers(menu))


def read_orders(conn: Connection, menu: Menu, ids: list[str] | None) -> list[StationOrder]:
    """Open orders of this station (all, or among ``ids``) in queue order, in three queries."""
    orders_t = sync_rows.table("orders")
    query = sa.select(orders_t).where(
        orders_t.c.deleted == sa.false(), orders_t.c.status.in_(QUEUE_STATUSES)
    )
    if mine := get(conn, "station_id"):
        query = query.where(orders_t.c.station_id == int(mine))
    if ids is not None:
        query = query.where(orders_t.c.id.in_(ids))
    rows = [
        sync_rows.image_of(r)
        for r in conn.execute(query.order_by(orders_t.c.created_at, orders_t.c.id)).mappings()
    ]
    items = _items(conn, [str(r["id"]) for r in rows])
    groups = _group_places(conn, {str(r["group_id"]) for r in rows if r["group_id"]})
    out = [_order(r, items[str(r["id"])], groups, menu) for r in rows]
    out.sort(key=lambda o: o.queue_key)
    return out


def _order(
    row: dict[str, object],
    items: list[DrinkSpec],
    groups: dict[str, GroupPlace],
    menu: Menu,
) -> StationOrder:
    return StationOrder(
        id=str(row["id"]),
        number=str(row["number"] or "new"),
        status=OrderStatus(str(row["status"])),
        customer_name=str(row["customer_name"] or ""),
        items=tuple(items),
        created_at=when(row["created_at"]) or datetime.now(UTC),
        lines=tuple(card_line(item, menu) for item in items),
        vip=bool(row["vip"]),
        group=groups.get(str(row["id"])),
        walk_in=row["source"] == "walk_in",
        notes=str(row["notes"] or "").strip(),
        ready_at=when(row["ready_at"]),
    )


def _items(conn: Connection, order_ids: list[str]) -> dict[str, list[DrinkSpec]]:
    items_t = sync_rows.table("order_items")
    out: dict[str, list[DrinkSpec]] = {key: [] for key in order_ids}
    if not out:
        return out
    for item in conn.execute(
        sa.select(items_t)
        .where(items_t.c.order_id.in_(order_ids), items_t.c.deleted == sa.false())
        .order_by(items_t.c.order_id, items_t.c.position)
    ).mappings():
        out[str(item["order_id"])].append(drink_of(item))
    return out


def _group_places(conn: Connection, group_ids: set[str]) -> dict[str, GroupPlace]:
    """Each member's place in its group (by age), for the groups named; one query."""
    if not group_ids:
        return {}
    t = sync_rows.table("orders")
    members: dict[str, list[str]] = {}
    for order_id, group_id in conn.execute(
        sa.select(t.c.id, t.c.group_id)
        .where(
            t.c.group_id.in_(sorted(group_ids)),
            t.c.deleted == sa.false(),
            t.c.status != OrderStatus.CANCELLED.value,
        )
        .order_by(t.c.created_at, t.c.id)
    ):
        members.setdefault(str(group_id), []).append(str(order_id))
    return {
        order_id: GroupPlace(n, len(ids))
        for ids in members.values()
        for n, order_id in enumerate(ids, start=1)
    }


def when(value: object) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    parsed = datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
