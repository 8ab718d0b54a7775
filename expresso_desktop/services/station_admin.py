"""Stations and their stock: create/edit stations, open/pause them, and move stock levels.

Stock levels follow core.stock: every use or restock is a ``StockMovement`` delta in the item's
current count generation; a count starts a new generation with the counted level as baseline.
The materialised ``StockItem.level`` is updated in the same transaction. Writer-only (``Tx``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlmodel import Session, col, select

from expresso_desktop.core.errors import DomainError, ValidationError
from expresso_desktop.core.items import drink_of
from expresso_desktop.core.menu import Menu
from expresso_desktop.core.stock import order_consumption
from expresso_desktop.services.changes import Alert, emit
from expresso_desktop.services.orders import OrderNotFound
from expresso_desktop.services.writer import Tx
from expresso_desktop.store.repositories import orders_repo
from expresso_desktop.store.tables import Station, StockItem, StockMovement

CAPABILITY_KINDS = ("drinks", "milks", "extras")


class StationNotFound(DomainError):
    code = "not_found"


def check_capabilities(caps: dict[str, list[str]], menu: Menu) -> dict[str, list[str]]:
    known = {"drinks": menu.drink_names, "milks": menu.milk_names, "extras": menu.extra_names}
    out: dict[str, list[str]] = {}
    for kind in CAPABILITY_KINDS:
        values = [v.strip().lower() for v in caps.get(kind, [])]
        for index, value in enumerate(values):
            if value not in known[kind]:
                raise ValidationError(
                    f"{value!r} is not on the menu's {kind}", field=f"capabilities.{kind}[{index}]"
                )
        out[kind] = list(dict.fromkeys(values))
    return out


def get_station(session: Session, station_id: int) -> Station:
    station = session.get(Station, station_id)
    if station is None or station.deleted:
        raise StationNotFound(f"no station {station_id}")
    return station


def list_stations(session: Session, event_id: int) -> Sequence[Station]:
    return session.exec(
        select(Station)
        .where(Station.event_id == event_id, Station.deleted == False)  # noqa: E712
        .order_by(col(Station.number))
    ).all()


def create_station(tx: Tx, *, event_id: int, number: int, fields: dict[str, Any]) -> Station:
    """A new station; a deleted station's number may be reused (its row comes back)."""
    session = tx.session
    station = session.exec(
        select(Station).where(Station.event_id == event_id, Station.number == number)
    ).first()
    if station is not None and not station.deleted:
        raise ValidationError(f"station {number} already exists", field="number")
    if station is None:
        station = Station(event_id=event_id, number=number)
    station.deleted = False
    return update_station(tx, station, fields)


def update_station(tx: Tx, station: Station, fields: dict[str, Any]) -> Station:
    for key, value in fields.items():
        setattr(station, "capabilities_json" if key == "capabilities" else key, value)
    tx.session.add(station)
    emit(tx.session, tx.changes, "stations", station)
    return station


def delete_station(tx: Tx, station: Station) -> Station:
    station.deleted = True
    tx.session.add(station)
    emit(tx.session, tx.changes, "stations", station)
    return station


# -- stock ---------------------------------------------------------------------------------


def get_item(session: Session, item_id: int) -> StockItem:
    item = session.get(StockItem, item_id)
    if item is None or item.deleted:
        raise StationNotFound(f"no stock item {item_id}")
    return item


def list_items(session: Session, event_id: int, station_id: int | None) -> Sequence[StockItem]:
    query = (
        select(StockItem)
        .join(Station, col(Station.id) == col(StockItem.station_id))
        .where(Station.event_id == event_id, StockItem.deleted == False)  # noqa: E712
    )
    if station_id is not None:
        query = query.where(StockItem.station_id == station_id)
    return session.exec(query.order_by(col(StockItem.station_id), col(StockItem.name))).all()


def create_item(tx: Tx, *, station_id: int, fields: dict[str, Any]) -> StockItem:
    session = tx.session
    get_station(session, station_id)
    exists = session.exec(
        select(StockItem).where(
            StockItem.station_id == station_id, StockItem.name == fields["name"]
        )
    ).first()
    if exists is not None:
        raise ValidationError(f"station already tracks {fields['name']!r}", field="name")
    level = fields.pop("level", 0)
    item = StockItem(station_id=station_id, level=level, baseline=level, **fields)
    session.add(item)
    emit(session, tx.changes, "stock_items", item)
    return item


def update_item(tx: Tx, item: StockItem, fields: dict[str, Any]) -> StockItem:
    for key, value in fields.items():
        setattr(item, key, value)
    tx.session.add(item)
    emit(tx.session, tx.changes, "stock_items", item)
    return item


def move_stock(
    tx: Tx,
    item: StockItem,
    delta: float,
    *,
    client_id: str,
    reason: str,
    order_id: str | None = None,
) -> StockItem:
    """Record one delta in the item's current generation and update its level; ``order_id``,
    when given, must name an order (422 naming the field otherwise)."""
    session = tx.session
    if order_id is not None and orders_repo.get(order_id, session=session) is None:
        raise ValidationError(f"there is no order {order_id}", field="order_id")
    movement = StockMovement(
        item_id=item.id,  # type: ignore[arg-type]
        client_id=client_id,
        seq=0,  # API movements are idempotent per request, not per (client, seq)
        delta=delta,
        generation=item.generation,
        order_id=order_id,
        reason=reason,
    )
    session.add(movement)
    emit(session, tx.changes, "stock_movements", movement)
    was_low = item.level <= item.low_threshold
    item.level = round(item.level + delta, 3)
    session.add(item)
    emit(session, tx.changes, "stock_items", item)
    if item.level <= item.low_threshold and not was_low:
        tx.changes.alerts.append(
            Alert("stock_low", f"{item.name} is low at station {item.station_id}", str(item.id))
        )
    return item


def count_item(tx: Tx, item: StockItem, counted: float) -> StockItem:
    """A physical count: a new generation whose baseline is what was counted."""
    item.generation += 1
    item.baseline = counted
    item.level = counted
    tx.session.add(item)
    emit(tx.session, tx.changes, "stock_items", item)
    return item


def consume_order(tx: Tx, order_id: str, menu: Menu, *, client_id: str) -> list[StockItem]:
    """Take an order's recipe out of its station's stock (items the station tracks)."""
    session = tx.session
    order = orders_repo.get(order_id, session=session)
    if order is None:
        raise OrderNotFound(f"no order {order_id}")
    if order.station_id is None:
        raise DomainError("the order has no station yet", code="no_station")
    already = session.exec(
        select(StockMovement.id).where(StockMovement.order_id == order_id).limit(1)
    ).first()
    if already is not None:
        raise DomainError("this order's stock was already taken", code="already_consumed")
    specs = [drink_of(i) for i in orders_repo.items(order_id, session=session)]
    needs = order_consumption(specs, menu)
    items = {i.name: i for i in list_items(session, order.event_id, order.station_id)}
    changed = []
    for name, qty in sorted(needs.items()):
        if name in items:
            changed.append(
                move_stock(
                    tx, items[name], -qty, client_id=client_id, reason="consume", order_id=order_id
                )
            )
    return changed


def set_out(tx: Tx, item: StockItem, out: bool) -> StockItem:
    if item.out_of_stock != out:
        item.out_of_stock = out
        tx.session.add(item)
        emit(tx.session, tx.changes, "stock_items", item)
    return item
