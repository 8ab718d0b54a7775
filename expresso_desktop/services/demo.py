"""A sample event to explore (``serve --demo``): three stations that make different things, the
default menu, stock at each station, staff, and shifts covering now.

Idempotent: what exists is left alone, so running it again (tomorrow, after a restart) only adds
shifts so that someone is on duty now. Every row goes through ``changes.emit``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import col, select

from expresso_desktop.core.menu import Menu
from expresso_desktop.services.changes import emit
from expresso_desktop.services.organiser import DEFAULT_EVENT_NAME
from expresso_desktop.services.writer import Tx
from expresso_desktop.store.repositories import settings_repo
from expresso_desktop.store.tables import Event, Shift, StaffUser, Station, StockItem
from expresso_desktop.store.types import utcnow

log = logging.getLogger(__name__)

DEMO_EVENT_NAME = "Expresso demo: Harbourside Tech Conference"
SPONSOR_LINE = "Coffee thanks to Acme Roasters."
SHIFT_BEFORE = timedelta(hours=1)
SHIFT_AFTER = timedelta(hours=11)


@dataclass(frozen=True)
class DemoStation:
    number: int
    name: str
    location: str
    map_url: str
    drinks: tuple[str, ...]
    milks: tuple[str, ...]
    extras: tuple[str, ...]
    barista: str


ESPRESSO = ("latte", "cappuccino", "flat white", "long black", "espresso", "macchiato")
STATIONS = (
    DemoStation(
        1,
        "Station 1",
        "main foyer, by registration",
        "https://maps.example.com/foyer",
        (*ESPRESSO, "piccolo", "mocha", "cortado", "hot chocolate"),
        ("full cream", "skim", "soy", "oat", "none"),
        ("extra shot", "half strength", "decaf", "extra hot"),
        "Sam",
    ),
    DemoStation(
        2,
        "Station 2",
        "near the east doors",
        "https://maps.example.com/east",
        ESPRESSO,
        ("full cream", "oat", "almond", "lactose free", "none"),
        ("extra shot", "decaf", "extra hot", "iced"),
        "Priya",
    ),
    DemoStation(
        3,
        "Garden Bar",
        "garden terrace",
        "https://maps.example.com/garden",
        ("latte", "chai latte", "tea", "matcha latte", "hot chocolate", "mocha"),
        ("full cream", "soy", "oat", "coconut", "macadamia", "none"),
        ("iced", "vanilla", "caramel", "hazelnut"),
        "Jo",
    ),
)
STAFF = (("Alex", "organiser"), ("Sam", "barista"), ("Priya", "barista"), ("Jo", "barista"))


def seed_demo(tx: Tx, *, event_id: int, menu: Menu, now: datetime | None = None) -> int:
    """Seed what is missing; returns how many rows were written."""
    now = now or utcnow()
    session, written = tx.session, 0
    event = session.get(Event, event_id)
    if event is not None and event.name == DEFAULT_EVENT_NAME:
        event.name = DEMO_EVENT_NAME
        session.add(event)
        emit(session, tx.changes, "events", event)
        written += 1
    if settings_repo.get("sponsor_line", None, session=session) is None:
        setting = settings_repo.put("sponsor_line", SPONSOR_LINE, session=session)
        emit(session, tx.changes, "settings", setting, entity_id=setting.key)
        written += 1
    staff, added = _staff(tx)
    written += added
    for spec in STATIONS:
        station, added = _station(tx, event_id, spec)
        written += added + _stock(tx, station, spec, menu)
        written += _shift(tx, station, staff[spec.barista], now)
    log.info("demo event ready (%d rows written)", written)
    return written


def _staff(tx: Tx) -> tuple[dict[str, int], int]:
    """The demo's people by name (added if missing), and how many were added."""
    session = tx.session
    ids: dict[str, int] = {}
    added = 0
    for name, role in STAFF:
        user = session.exec(select(StaffUser).where(StaffUser.name == name)).first()
        if user is None:
            user = StaffUser(name=name, role=role)  # type: ignore[arg-type]
            session.add(user)
            emit(session, tx.changes, "staff_users", user)
            added += 1
        assert user.id is not None
        ids[name] = user.id
    return ids, added


def _station(tx: Tx, event_id: int, spec: DemoStation) -> tuple[Station, int]:
    session = tx.session
    station = session.exec(
        select(Station).where(Station.event_id == event_id, Station.number == spec.number)
    ).first()
    if station is not None:
        return station, 0
    station = Station(
        event_id=event_id,
        number=spec.number,
        name=spec.name if spec.name != f"Station {spec.number}" else None,
        location=spec.location,
        map_url=spec.map_url,
        capabilities_json={
            "drinks": list(spec.drinks),
            "milks": list(spec.milks),
            "extras": list(spec.extras),
        },
    )
    session.add(station)
    emit(session, tx.changes, "stations", station)
    return station, 1


def _stock(tx: Tx, station: Station, spec: DemoStation, menu: Menu) -> int:
    """Stock for what the station makes: its milks, cups, beans and each drink's ingredients."""
    session = tx.session
    have = set(session.exec(select(StockItem.name).where(StockItem.station_id == station.id)).all())
    wanted = {"coffee beans", "cup:small", "cup:medium", "cup:large"}
    wanted |= {f"milk:{m}" for m in spec.milks if m != "none"}
    if "decaf" in spec.extras:
        wanted.add("decaf beans")
    for drink in spec.drinks:
        wanted |= set(menu.drink(drink).ingredients)
    for extra in spec.extras:
        wanted |= set(menu.extra(extra).ingredients)
    written = 0
    for item in menu.stock_items:
        if item.name not in wanted or item.name in have:
            continue
        row = StockItem(
            station_id=station.id or 0,
            name=item.name,
            unit=item.unit,
            low_threshold=item.low,
            par=item.par,
            level=item.par,
            baseline=item.par,
        )
        session.add(row)
        emit(session, tx.changes, "stock_items", row)
        written += 1
    return written


def _shift(tx: Tx, station: Station, staff_id: int, now: datetime) -> int:
    """A shift covering ``now`` unless the station already has one."""
    session = tx.session
    covering = session.exec(
        select(Shift.id).where(
            Shift.station_id == station.id,
            Shift.deleted == False,  # noqa: E712
            col(Shift.starts_at) <= now,
            col(Shift.ends_at) > now + timedelta(hours=1),
        )
    ).first()
    if covering is not None:
        return 0
    start = now.replace(minute=0, second=0, microsecond=0) - SHIFT_BEFORE
    shift = Shift(
        station_id=station.id, staff_id=staff_id, starts_at=start, ends_at=now + SHIFT_AFTER
    )
    session.add(shift)
    emit(session, tx.changes, "shifts", shift)
    return 1
