"""Helpers for the service tests: run a unit of work, find demo rows, read the change log."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlmodel import select

from expresso_desktop.services.organiser import OrganiserServices
from expresso_desktop.services.writer import Tx
from expresso_desktop.store.engine import read_session
from expresso_desktop.store.tables import ChangeLog, Station, StockItem

T = TypeVar("T")


def write(services: OrganiserServices, fn: Callable[[Tx], T]) -> T:
    return services.writer.run_sync(fn)


def station_id(services: OrganiserServices, number: int) -> int:
    with read_session(services.engine) as session:
        station = session.exec(
            select(Station).where(Station.event_id == services.event_id, Station.number == number)
        ).one()
    assert station.id is not None
    return station.id


def stock_item(services: OrganiserServices, station: int, name: str) -> StockItem:
    with read_session(services.engine) as session:
        return session.exec(
            select(StockItem).where(
                StockItem.station_id == station_id(services, station), StockItem.name == name
            )
        ).one()


def logged(services: OrganiserServices, entity: str) -> list[ChangeLog]:
    """The change-log rows of ``entity``, oldest first."""
    with read_session(services.engine) as session:
        return list(
            session.exec(
                select(ChangeLog).where(ChangeLog.entity == entity).order_by(ChangeLog.version)
            ).all()
        )
