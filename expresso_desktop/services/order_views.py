"""Read-only order rows for screens: what a list shows, never a phone number. VIP orders still
to be made come first (they jump their station's queue: ``core.routing.jumps_queue``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine
from sqlmodel import col, select

from expresso_desktop.core.items import drink_of
from expresso_desktop.core.menu import Menu
from expresso_desktop.core.routing import jumps_queue
from expresso_desktop.store.engine import read_session
from expresso_desktop.store.tables import Order, OrderItem, Station


@dataclass(frozen=True, slots=True)
class OrderRow:
    id: str
    number: str
    customer_name: str
    summary: str
    station: str
    status: str
    source: str
    vip: bool
    created_at: datetime

    @property
    def jumps_queue(self) -> bool:
        return jumps_queue(self.status, self.vip)


def load_order_rows(
    engine: Engine,
    event_id: int,
    menu: Menu,
    *,
    ids: Iterable[str] | None = None,
    limit: int = 1000,
) -> list[OrderRow]:
    """The newest orders (or just ``ids``) with their drinks summarised: VIP orders still to be
    made first, then newest first."""
    with read_session(engine) as session:
        query = select(Order).where(Order.event_id == event_id, Order.deleted == False)  # noqa: E712
        if ids is not None:
            wanted = list(ids)
            if not wanted:
                return []
            query = query.where(col(Order.id).in_(wanted))
        orders = session.exec(query.order_by(col(Order.created_at).desc()).limit(limit)).all()
        order_ids = [o.id for o in orders]
        items: dict[str, list[OrderItem]] = defaultdict(list)
        if order_ids:
            for item in session.exec(
                select(OrderItem)
                .where(col(OrderItem.order_id).in_(order_ids), OrderItem.deleted == False)  # noqa: E712
                .order_by(col(OrderItem.position))
            ):
                items[item.order_id].append(item)
        stations = {
            s.id: s for s in session.exec(select(Station).where(Station.event_id == event_id))
        }
    rows = [_row(o, items[o.id], stations.get(o.station_id), menu) for o in orders]
    rows.sort(key=lambda r: not r.jumps_queue)  # stable: newest first within each part
    return rows


def _row(order: Order, items: list[OrderItem], station: Station | None, menu: Menu) -> OrderRow:
    summary = "; ".join(drink_of(i).summary(menu) for i in items)
    where = "—" if station is None else station.name or f"Station {station.number}"
    return OrderRow(
        id=order.id,
        number=order.number or "(pending)",
        customer_name=order.customer_name or "",
        summary=summary,
        station=where,
        status=order.status,
        source=order.source,
        vip=order.vip,
        created_at=order.created_at,
    )
