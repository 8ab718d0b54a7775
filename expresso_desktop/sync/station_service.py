"""What a station's screen needs from its replica: the queue (whole, or just the orders a sync
round changed), the link state, and taps that go through the outbox (the same path as the
``station`` command). Reads are snapshots; nothing here talks to the network. Every call is
blocking SQLite work: a window runs it off the GUI thread, through its op runner."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from expresso_desktop.core.errors import IllegalTransition
from expresso_desktop.core.items import DrinkSpec, drink_of
from expresso_desktop.core.menu import Menu
from expresso_desktop.core.orders import Action, OrderStatus, can
from expresso_desktop.store import sync_rows

from . import outbox, station_queries
from .events import ReplicaChanged
from .replica import Replica, get

# The statuses a station's queue shows (collected and cancelled orders leave it).
QUEUE_STATUSES = ("new", "in_progress", "ready")

# The tap a card offers next, by status.
NEXT_ACTION = {
    OrderStatus.NEW: Action.START,
    OrderStatus.IN_PROGRESS: Action.READY,
    OrderStatus.READY: Action.COLLECT,
}


@dataclass(frozen=True, slots=True)
class StationOrder:
    id: str
    number: str
    status: OrderStatus
    customer_name: str
    items: tuple[DrinkSpec, ...]
    created_at: datetime

    @property
    def next_action(self) -> Action | None:
        return NEXT_ACTION.get(self.status)

    def age_s(self, now: datetime) -> float:
        return max(0.0, (now - self.created_at).total_seconds())


@dataclass(frozen=True, slots=True)
class Tapped:
    """A tap was recorded: the outbox ``seq`` and what it changed locally (its order)."""

    seq: int
    changed: ReplicaChanged


@dataclass(frozen=True, slots=True)
class Rejection:
    seq: int
    name: str
    reason: str


@dataclass(frozen=True, slots=True)
class LinkStatus:
    online: bool
    pending: int
    since: datetime | None
    last_error: str
    rejections: tuple[Rejection, ...]
    paired: bool


@dataclass(frozen=True, slots=True)
class StationView:
    """Everything the station's window shows, read in one go (start-up, after a snapshot)."""

    label: str
    link: LinkStatus
    queue: tuple[StationOrder, ...]


class StationService:
    def __init__(self, replica: Replica, menu: Menu) -> None:
        self.replica = replica
        self.menu = menu

    def view(self) -> StationView:
        return StationView(self.station_label(), self.link(), tuple(self.queue()))

    def station_label(self) -> str:
        """ "Station 2 — East doors" once the event is downloaded; "Barista station" before."""
        station_id = self.replica.state("station_id")
        if not station_id:
            return "Barista station"
        with self.replica.read() as conn:
            row = sync_rows.read_image(conn, "stations", station_id)
        if row is None:
            return "Barista station"
        label = f"Station {row['number']}"
        return f"{label} — {row['name']}" if row.get("name") else label

    def queue(self) -> list[StationOrder]:
        """This station's open orders, oldest first."""
        with self.replica.read() as conn:
            return _read_orders(conn, None)

    def queue_orders(self, ids: Iterable[str]) -> dict[str, StationOrder | None]:
        """The orders ``ids`` as the queue shows them now; None for one that is not (or no
        longer) in this station's queue: collected, cancelled, moved away, deleted."""
        wanted = sorted(set(ids))
        if not wanted:
            return {}
        with self.replica.read() as conn:
            found = {o.id: o for o in _read_orders(conn, wanted)}
        return {key: found.get(key) for key in wanted}

    def link(self) -> LinkStatus:
        raw = station_queries.status(self.replica)
        since = _when(raw.get("since"))
        return LinkStatus(
            online=bool(raw["online"]),
            pending=int(raw["pending"]),
            since=since,
            last_error=str(raw.get("last_error") or ""),
            rejections=tuple(
                Rejection(int(r["seq"]), str(r["name"]), str(r.get("message") or r["reason"] or ""))
                for r in raw.get("rejections", ())
            ),
            paired=bool(raw.get("server")),
        )

    def tap(self, order: StationOrder, action: Action, *, reason: str | None = None) -> Tapped:
        """Queue ``action`` on ``order`` (applied locally at once, sent when online). Raises
        ``IllegalTransition`` when the order's status does not allow it."""
        if not can(order.status, action):
            raise IllegalTransition(f"cannot {action.value} an order that is {order.status.value}")
        args: dict[str, Any] = {"order_id": order.id}
        if action is Action.CANCEL:
            args["reason"] = reason or "cancelled at the station"
        seq = outbox.record(self.replica, f"order.{action.value}", args)
        return Tapped(seq, ReplicaChanged(order_ids=frozenset({order.id})))

    def walk_in(self, items: list[DrinkSpec], name: str | None) -> str:
        station = self.replica.state("station_id")
        order_id = str(uuid.uuid4())
        outbox.record(
            self.replica,
            "order.create",
            {
                "order_id": order_id,
                "station_id": int(station) if station else None,
                "items": [item.to_dict() for item in items],
                "customer_name": name,
            },
        )
        return order_id


def _read_orders(conn: Connection, ids: list[str] | None) -> list[StationOrder]:
    """Open orders of this station (all, or among ``ids``), oldest first, with their drinks
    in two queries (not one per order: a busy station re-reads often)."""
    orders_t, items_t = sync_rows.table("orders"), sync_rows.table("order_items")
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
    items: dict[str, list[DrinkSpec]] = {str(r["id"]): [] for r in rows}
    if items:
        for item in conn.execute(
            sa.select(items_t)
            .where(items_t.c.order_id.in_(list(items)), items_t.c.deleted == sa.false())
            .order_by(items_t.c.order_id, items_t.c.position)
        ).mappings():
            items[str(item["order_id"])].append(drink_of(item))
    return [
        StationOrder(
            id=str(r["id"]),
            number=r["number"] or "new",
            status=OrderStatus(r["status"]),
            customer_name=r["customer_name"] or "",
            items=tuple(items[str(r["id"])]),
            created_at=_when(r["created_at"]) or datetime.now(UTC),
        )
        for r in rows
    ]


def _when(value: object) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    parsed = datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
