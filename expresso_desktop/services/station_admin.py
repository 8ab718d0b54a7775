"""Stations and what they track: create/edit stations, open/pause them, and set up their stock
items (name, unit, thresholds). Stock levels move only through ``services.stock`` (uses,
restocks, counts, marking out). Writer-only (``Tx``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlmodel import Session, col, select

from expresso_desktop.core.errors import DomainError, ValidationError
from expresso_desktop.core.menu import Menu
from expresso_desktop.services.changes import emit
from expresso_desktop.services.writer import Tx
from expresso_desktop.store.tables import Station, StockItem

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
