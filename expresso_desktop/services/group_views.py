"""The Groups screen's reads: group orders as rows (who ordered, the contact phone masked, the
station, "3 of 5 ready", whether the pickup text went), one group's members, the stations a
group can be made at, and a drink typed in the order language for the "new group" form.

Reads are blocking snapshot reads (run them off the GUI thread); the write is
``sms.group_orders.place_group`` (the LAN API's too). ``rows`` takes the ids a change set names,
group ids and order ids alike, so one read follows both ``group_orders`` and ``orders``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, exists, or_
from sqlmodel import Session, col, select

from expresso_desktop.core.errors import ValidationError
from expresso_desktop.core.group_orders import GroupProgress
from expresso_desktop.core.items import drink_of
from expresso_desktop.core.menu import Menu, MenuSource
from expresso_desktop.core.orders import STATUS_LABELS, OrderStatus
from expresso_desktop.core.privacy import mask_phone
from expresso_desktop.core.routing import station_name
from expresso_desktop.core.sms.parser import parse_sms
from expresso_desktop.services.order_actions import group_members, group_progress
from expresso_desktop.store.engine import read_session
from expresso_desktop.store.repositories import orders_repo
from expresso_desktop.store.tables import Customer, GroupOrder, Order, Station


@dataclass(frozen=True, slots=True)
class GroupRow:
    id: str
    organiser_name: str
    contact: str | None  # masked; None when nobody is texted
    station: str  # where its drinks are made ("—" before it has any)
    total: int
    ready: int  # ready or collected
    cancelled: int
    complete: bool  # every drink still wanted is ready
    pickup_notified: bool
    created_at: datetime

    @property
    def progress_text(self) -> str:
        text = f"{self.ready} of {self.total - self.cancelled} ready"
        return text + (f" ({self.cancelled} cancelled)" if self.cancelled else "")


@dataclass(frozen=True, slots=True)
class MemberRow:
    id: str  # the order's
    number: str  # the order number, "—" before the organiser gave one
    name: str
    drink: str
    status: str  # the status word (core.orders.STATUS_LABELS)


@dataclass(frozen=True, slots=True)
class GroupDetail:
    group: GroupRow
    members: tuple[MemberRow, ...]


@dataclass(frozen=True, slots=True)
class StationChoice:
    id: int
    label: str


class GroupReads:
    """Snapshot reads of the master database (blocking: run them off the GUI thread)."""

    def __init__(self, engine: Engine, event_id: int, menus: MenuSource) -> None:
        self._engine = engine
        self.event_id = event_id
        self._menus = menus

    def menu(self) -> Menu:
        """The event's menu now (the pickers and the group's write use it)."""
        return self._menus.current_menu()

    def rows(self, ids: Iterable[str] | None = None) -> list[GroupRow]:
        """Every group of the event (oldest first), or the groups named by ``ids`` — group ids
        or the ids of their orders."""
        with read_session(self._engine) as session:
            return group_rows(session, self.event_id, ids)

    def detail(self, group_id: str) -> GroupDetail | None:
        with read_session(self._engine) as session:
            group = session.get(GroupOrder, group_id)
            if group is None or group.deleted:
                return None
            members = group_members(session, group.id)
            menu = self.menu()
            return GroupDetail(
                _row(session, group, members),
                tuple(_member(session, o, menu) for o in members),
            )

    def stations(self) -> list[StationChoice]:
        with read_session(self._engine) as session:
            rows = session.exec(
                select(Station)
                .where(Station.event_id == self.event_id, Station.deleted == False)  # noqa: E712
                .order_by(col(Station.number))
            ).all()
            return [StationChoice(s.id, station_name(s.number, s.name)) for s in rows if s.id]


def group_rows(session: Session, event_id: int, ids: Iterable[str] | None) -> list[GroupRow]:
    query = select(GroupOrder).where(
        GroupOrder.event_id == event_id,
        GroupOrder.deleted == False,  # noqa: E712
    )
    if ids is not None:
        keys = list(ids)
        member = exists().where(col(Order.group_id) == col(GroupOrder.id), col(Order.id).in_(keys))
        query = query.where(or_(col(GroupOrder.id).in_(keys), member))
    groups = session.exec(query.order_by(col(GroupOrder.created_at), col(GroupOrder.id))).all()
    return [_row(session, g, group_members(session, g.id)) for g in groups]


def _row(session: Session, group: GroupOrder, members: list[Order]) -> GroupRow:
    progress: GroupProgress = group_progress(members)
    contact = session.get(Customer, group.customer_id) if group.customer_id is not None else None
    stations = {o.station_id for o in members if o.station_id is not None}
    station = session.get(Station, min(stations)) if stations else None
    return GroupRow(
        id=group.id,
        organiser_name=group.organiser_name,
        contact=mask_phone(contact.phone) if contact is not None else None,
        station=station_name(station.number, station.name) if station is not None else "—",
        total=progress.total,
        ready=progress.ready,
        cancelled=progress.cancelled,
        complete=progress.complete,
        pickup_notified=group.pickup_notified,
        created_at=group.created_at,
    )


def _member(session: Session, order: Order, menu: Menu) -> MemberRow:
    items = orders_repo.items(order.id, session=session)
    return MemberRow(
        id=order.id,
        number=order.number or "—",
        name=order.customer_name or "—",
        drink=", ".join(drink_of(i).summary(menu) for i in items) or "—",
        status=STATUS_LABELS[OrderStatus(order.status)],
    )


def drink_from_text(text: str, menu: Menu) -> dict[str, Any]:
    """One drink typed in the order language ("large oat flat white") as an item for
    ``create_group``; anything but exactly one drink is a ``ValidationError`` saying so."""
    result = parse_sms(text, menu)
    if result.unclear:
        raise ValidationError(f"did you mean something else by {result.unclear!r}?", field="drink")
    if result.unserved:
        raise ValidationError(f"{result.unserved[0]} is not on this menu", field="drink")
    if not result.items:
        raise ValidationError("no drink found — try e.g. 'large oat flat white'", field="drink")
    if len(result.items) > 1 or result.items[0].quantity > 1:
        raise ValidationError("one drink per person — add the others one by one", field="drink")
    return dict(result.items[0].to_dict())
