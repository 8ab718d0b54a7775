"""Read-only order rows for screens: what a list shows, never a phone number. VIP orders still
to be made come first (they jump their station's queue: ``core.routing.jumps_queue``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Engine, func, or_
from sqlmodel import col, select

from expresso_desktop.core.items import drink_of
from expresso_desktop.core.menu import Menu
from expresso_desktop.core.orders import OrderStatus
from expresso_desktop.core.routing import jumps_queue
from expresso_desktop.services import order_history, order_rules
from expresso_desktop.services.order_history import TimelineEntry
from expresso_desktop.store.engine import read_session
from expresso_desktop.store.repositories import orders_repo
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
    station_id: int | None = None  # for the Orders screen's station filter

    @property
    def jumps_queue(self) -> bool:
        return jumps_queue(self.status, self.vip)


ORDERS_HELD = 1000  # the newest orders a list holds (a search reaches the older ones)


SEARCH_LIMIT = 200  # orders a search brings back (the newest that match)


def load_order_rows(
    engine: Engine,
    event_id: int,
    menu: Menu,
    *,
    ids: Iterable[str] | None = None,
    words: str = "",
    limit: int = ORDERS_HELD,
) -> list[OrderRow]:
    """The newest orders (or just ``ids``, or those matching every one of ``words`` in their
    number, name, station or drinks) with their drinks summarised: VIP orders still to be
    made first, then newest first."""
    with read_session(engine) as session:
        query = select(Order).where(Order.event_id == event_id, Order.deleted == False)  # noqa: E712
        if ids is not None:
            wanted = list(ids)
            if not wanted:
                return []
            query = query.where(col(Order.id).in_(wanted))
        for word in words.lower().split():
            query = query.where(_mentions(word))
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


def _mentions(word: str) -> ColumnElement[bool]:
    """An order whose number, customer name, station (number or name) or a drink (drink, size,
    milk) contains ``word`` (case-insensitive; ``%`` and ``_`` are plain characters)."""
    pattern = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"

    def like(column: Any) -> ColumnElement[bool]:
        return func.lower(column).like(pattern, escape="\\")

    drinks = select(OrderItem.order_id).where(
        or_(like(OrderItem.drink), like(OrderItem.size), like(OrderItem.milk))
    )
    stations = select(Station.id).where(
        or_(like(Station.name), like(func.printf("station %d", Station.number)))
    )
    return or_(
        like(Order.number),
        like(Order.customer_name),
        col(Order.id).in_(drinks),
        col(Order.station_id).in_(stations),
    )


def _row(order: Order, items: Sequence[OrderItem], station: Station | None, menu: Menu) -> OrderRow:
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
        station_id=order.station_id,
    )


# -- one order, for the Orders screen's detail pane ----------------------------------------------


@dataclass(frozen=True, slots=True)
class OrderDetail:
    """One order as the detail pane shows it: every drink on its own line with every modifier,
    what was done to it (oldest first), and the stations it could move to now."""

    row: OrderRow
    items: tuple[str, ...]
    notes: str
    cancel_reason: str | None
    has_phone: bool  # a customer to text (not a walk-in)
    timeline: tuple[TimelineEntry, ...]
    move_targets: tuple[tuple[int, str], ...]  # (station id, name), makeable there now


class OrderReads:
    """The Orders screen's reads (blocking: run them off the GUI thread), with the event's
    menu as it is now."""

    def __init__(self, engine: Engine, event_id: int, menu: Callable[[], Menu]) -> None:
        self._engine = engine
        self.event_id = event_id
        self._menu = menu

    @property
    def menu(self) -> Menu:
        return self._menu()

    def rows(self, ids: Iterable[str] | None = None, *, limit: int = ORDERS_HELD) -> list[OrderRow]:
        """The newest ``limit`` orders (None) or just ``ids``."""
        return load_order_rows(self._engine, self.event_id, self.menu, ids=ids, limit=limit)

    def search(self, words: str) -> list[OrderRow]:
        """The newest orders matching every one of ``words``, however old (a list holds only
        the newest thousand)."""
        return load_order_rows(
            self._engine, self.event_id, self.menu, words=words, limit=SEARCH_LIMIT
        )

    def detail(self, order_id: str) -> OrderDetail | None:
        """None when the order is gone (purged, deleted)."""
        menu = self.menu
        with read_session(self._engine) as session:
            order = session.get(Order, order_id)
            if order is None or order.deleted or order.event_id != self.event_id:
                return None
            stored = orders_repo.items(order.id, session=session)
            specs = [drink_of(item) for item in stored]
            station = session.get(Station, order.station_id) if order.station_id else None
            targets: tuple[tuple[int, str], ...] = ()
            if OrderStatus(order.status).rank < OrderStatus.READY.rank:
                targets = tuple(order_rules.move_targets(session, order, specs=specs, menu=menu))
            return OrderDetail(
                row=_row(order, stored, station, menu),
                items=tuple(spec.summary(None) for spec in specs),
                notes=order.notes or "",
                cancel_reason=order.cancel_reason,
                has_phone=order.customer_id is not None,
                timeline=tuple(order_history.timeline(session, order.id)),
                move_targets=targets,
            )
