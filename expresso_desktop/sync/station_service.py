"""What a station's screen needs from its replica: the queue, the link state, and taps that go
through the outbox (the same path as the ``station`` command). Reads are snapshots; nothing
here talks to the network."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from expresso_desktop.core.items import DrinkSpec
from expresso_desktop.core.menu import Menu
from expresso_desktop.core.orders import Action, OrderStatus, can
from expresso_desktop.store import sync_rows

from . import outbox, station_queries
from .replica import Replica

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


class StationService:
    def __init__(self, replica: Replica, menu: Menu) -> None:
        self.replica = replica
        self.menu = menu

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
        return [_order(row) for row in station_queries.list_orders(self.replica)]

    def link(self) -> LinkStatus:
        raw = station_queries.status(self.replica)
        since = _when(raw.get("since"))
        return LinkStatus(
            online=bool(raw["online"]),
            pending=int(raw["pending"]),
            since=since,
            last_error=str(raw.get("last_error") or ""),
            rejections=tuple(
                Rejection(int(r["seq"]), str(r["name"]), str(r["reason"] or ""))
                for r in raw.get("rejections", ())
            ),
            paired=bool(raw.get("server")),
        )

    def tap(self, order: StationOrder, action: Action, *, reason: str | None = None) -> int:
        """Queue ``action`` on ``order`` (applied locally at once, sent when online)."""
        if not can(order.status, action):
            raise ValueError(f"cannot {action.value} an order that is {order.status.value}")
        args: dict[str, Any] = {"order_id": order.id}
        if action is Action.CANCEL:
            args["reason"] = reason or "cancelled at the station"
        return outbox.record(self.replica, f"order.{action.value}", args)

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


def _order(row: dict[str, Any]) -> StationOrder:
    return StationOrder(
        id=str(row["id"]),
        number=row["number"] or "new",
        status=OrderStatus(row["status"]),
        customer_name=row["customer_name"] or "",
        items=tuple(
            DrinkSpec(
                i["drink"], i["size"], i["milk"], i["sugar"], i["quantity"], tuple(i["extras"])
            )
            for i in row["items"]
        ),
        created_at=_when(row["created_at"]) or datetime.now(UTC),
    )


def _when(value: object) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    parsed = datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
