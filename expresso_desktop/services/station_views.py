"""What routing needs to know about every station right now, read from the store.

Builds ``core.routing.StationView``s from station rows, their stock, the schedule (shifts, breaks,
operating hours in the event's time zone) and the queues. Read-only: callable from the writer
(placing an order) and from any reader (the MENU reply, a dashboard).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import case
from sqlmodel import Session, col, func, select

from expresso_desktop.core import schedules
from expresso_desktop.core.menu import Menu
from expresso_desktop.core.routing import StationView, makeable_now
from expresso_desktop.core.stock import StockState, milk_key
from expresso_desktop.services.changes import ChangeSet
from expresso_desktop.services.queues import WAITING_STATUSES, Queues
from expresso_desktop.services.read_cache import ReadCache
from expresso_desktop.store.tables import (
    Break,
    Event,
    OperatingHours,
    Order,
    OrderItem,
    Shift,
    Station,
    StockItem,
)

# How far around "now" the schedule is read: enough to say when service next opens.
_LOOK_BACK = timedelta(days=1)
_LOOK_AHEAD = timedelta(days=7)


@dataclass(frozen=True)
class Floor:
    """The stations of an event as routing sees them, with their rows (for names, locations)."""

    views: Sequence[StationView]
    rows: dict[str, Station]

    def station(self, station_id: str) -> Station:
        return self.rows[station_id]

    def open_now(self, now: datetime) -> list[StationView]:
        return [v for v in self.views if v.is_open(now)]

    def makeable_now(self, menu: Menu, now: datetime) -> tuple[str, ...]:
        """Drinks (default size and milk) that some open station can make now."""
        return makeable_now(self.open_now(now), menu)

    def milks_now(self, menu: Menu, now: datetime) -> tuple[str, ...]:
        """Milks some open station can pour now (listed in capabilities, not out of stock)."""
        open_views = self.open_now(now)
        return tuple(
            milk
            for milk in menu.milk_names
            if milk != "none" and any(_pours(v, milk) for v in open_views)
        )


# What the slow-changing part of a floor is derived from (for ``ReadCache`` invalidation).
FLOOR_ENTITIES = frozenset(
    {"events", "stations", "stock_items", "shifts", "breaks", "operating_hours"}
)


@dataclass(frozen=True, slots=True)
class _Fixed:
    """What a station's view takes from its row, stock and schedule (not from the clock or
    the queues): read once per cached floor."""

    key: str
    id: int
    number: int
    name: str
    status: str
    drinks: frozenset[str]
    milks: frozenset[str]
    extras: frozenset[str]
    open_windows: Sequence[tuple[datetime, datetime]] | None
    stock: dict[str, StockState]
    make_time_s: float | None


@dataclass(frozen=True)
class _Static:
    schedule: schedules.Schedule | None
    fixed: tuple[_Fixed, ...]  # per station, in number order
    rows: dict[str, Station]  # by id


def _fixed(
    station: Station,
    stock: dict[int, dict[str, StockState]],
    windows: dict[str, list[schedules.Interval]] | None,
) -> _Fixed:
    key = str(station.id)
    caps = station.capabilities_json or {}
    return _Fixed(
        key=key,
        id=station.id or 0,
        number=station.number,
        name=station.name or f"Station {station.number}",
        status=station.status,
        drinks=frozenset(caps.get("drinks", ())),
        milks=frozenset(caps.get("milks", ())),
        extras=frozenset(caps.get("extras", ())),
        open_windows=windows.get(key) if windows is not None else None,
        stock=stock.get(station.id or 0, {}),
        make_time_s=station.make_time_s,
    )


def load_floor(
    session: Session,
    event_id: int,
    now: datetime,
    *,
    cache: ReadCache | None = None,
    pending: ChangeSet | None = None,
) -> Floor:
    """The event's stations as routing sees them at ``now``. Stations, stock and the schedule
    come from ``cache`` when given (``pending``: the caller's change set); so do the queues,
    followed from the change bus, when ``pending`` says this is the writer's transaction (else
    they are counted in SQL)."""

    def load() -> _Static:
        return _load_static(session, event_id, now)

    static = (
        cache.get(("floor", event_id), FLOOR_ENTITIES, load, pending=pending)
        if cache is not None
        else load()
    )
    if not static.fixed:
        return Floor((), {})
    waiting = _waiting(session, event_id, cache, pending)
    schedule = static.schedule
    views = []
    for f in static.fixed:
        on_shift = len(schedule.on_shift(now, f.key)) if schedule is not None else 0
        drinks, vip_drinks = waiting.get(f.id, (0, 0))
        views.append(
            StationView(
                f.key,
                f.number,
                f.name,
                f.status,
                f.drinks,
                f.milks,
                f.extras,
                f.open_windows,
                f.stock,
                queue_length=drinks,
                vip_queue_length=vip_drinks,
                make_time_s=f.make_time_s,
                baristas=max(1, on_shift),
            )
        )
    return Floor(tuple(views), static.rows)


def _load_static(session: Session, event_id: int, now: datetime) -> _Static:
    stations = session.exec(
        select(Station)
        .where(Station.event_id == event_id, Station.deleted == False)  # noqa: E712
        .order_by(col(Station.number))
    ).all()
    if not stations:
        return _Static(None, (), {})
    ids = [s.id for s in stations]
    schedule = _schedule(session, event_id, ids, now)
    windows = {str(i): schedule.open_windows(str(i)) for i in ids} if schedule else None
    stock = _stock(session, ids)
    fixed = tuple(_fixed(s, stock, windows) for s in stations)
    return _Static(schedule, fixed, {str(s.id): s for s in stations})


def event_zone(session: Session, event_id: int) -> ZoneInfo:
    event = session.get(Event, event_id)
    try:
        return ZoneInfo(event.timezone if event is not None else "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _pours(view: StationView, milk: str) -> bool:
    state = view.stock.get(milk_key(milk))
    return milk in view.milks and not (state is not None and state.is_out)


def _stock(session: Session, station_ids: list[int | None]) -> dict[int, dict[str, StockState]]:
    rows = session.exec(
        select(StockItem).where(
            col(StockItem.station_id).in_(station_ids),
            StockItem.deleted == False,  # noqa: E712
        )
    ).all()
    out: dict[int, dict[str, StockState]] = {}
    for row in rows:
        out.setdefault(row.station_id, {})[row.name] = StockState(
            level=row.level, low=row.low_threshold, out=row.out_of_stock
        )
    return out


def _waiting(
    session: Session, event_id: int, cache: ReadCache | None, pending: ChangeSet | None
) -> Queues:
    followed = cache.waiting if cache is not None else None
    if followed is not None and pending is not None:
        return followed.queues(session.get_bind(), event_id, pending)  # type: ignore[arg-type]
    return _queues(session, event_id)


def _queues(session: Session, event_id: int) -> Queues:
    """Drinks waiting per station (all, VIP only): the wait is per drink, not per order."""
    query = (
        select(
            Order.station_id,
            func.sum(OrderItem.quantity),
            func.sum(case((col(Order.vip), OrderItem.quantity), else_=0)),
        )
        .join(OrderItem, col(OrderItem.order_id) == col(Order.id))
        .where(
            Order.event_id == event_id,
            col(Order.status).in_(WAITING_STATUSES),
            Order.deleted == False,  # noqa: E712
            OrderItem.deleted == False,  # noqa: E712
        )
        .group_by(col(Order.station_id))
    )
    return {
        station_id: (int(total or 0), int(vip or 0))
        for station_id, total, vip in session.exec(query).all()
        if station_id is not None
    }


def _schedule(
    session: Session, event_id: int, station_ids: list[int | None], now: datetime
) -> schedules.Schedule | None:
    """The schedule around ``now``, or None when the event has no shifts and no hours at all
    (a fresh event: a station's open/paused switch alone decides)."""
    shift_rows = session.exec(
        select(Shift).where(
            col(Shift.station_id).in_(station_ids),
            Shift.deleted == False,  # noqa: E712
            col(Shift.ends_at) > now - _LOOK_BACK,
            col(Shift.starts_at) < now + _LOOK_AHEAD,
        )
    ).all()
    zone = event_zone(session, event_id)
    local_today = now.astimezone(zone).date()
    hour_rows = session.exec(
        select(OperatingHours).where(
            OperatingHours.event_id == event_id,
            OperatingHours.deleted == False,  # noqa: E712
            col(OperatingHours.day) >= local_today - _LOOK_BACK,
            col(OperatingHours.day) <= local_today + _LOOK_AHEAD,
        )
    ).all()
    if not shift_rows and not hour_rows and not _has_any_schedule(session, event_id):
        return None
    breaks: dict[int, list[schedules.Break]] = {}
    if shift_rows:
        for b in session.exec(
            select(Break).where(
                col(Break.shift_id).in_([s.id for s in shift_rows]),
                Break.deleted == False,  # noqa: E712
            )
        ).all():
            breaks.setdefault(b.shift_id, []).append(schedules.Break(b.starts_at, b.ends_at))
    shifts = [
        schedules.Shift(
            id=str(s.id),
            staff_id=str(s.staff_id),
            station_id=str(s.station_id) if s.station_id is not None else None,
            starts_at=s.starts_at,
            ends_at=s.ends_at,
            breaks=tuple(breaks.get(s.id or 0, ())),
        )
        for s in shift_rows
    ]
    hours = [
        schedules.OperatingHours(
            day=datetime(h.day.year, h.day.month, h.day.day, tzinfo=zone),
            opens=h.opens,
            closes=h.closes,
            station_id=str(h.station_id) if h.station_id is not None else None,
        )
        for h in hour_rows
    ]
    return schedules.Schedule(shifts=shifts, hours=hours)


def _has_any_schedule(session: Session, event_id: int) -> bool:
    """Shifts or hours outside the window still mean "a schedule applies" (so: closed now)."""
    shift = session.exec(
        select(Shift.id)
        .join(Station, col(Station.id) == col(Shift.station_id))
        .where(Station.event_id == event_id, Shift.deleted == False)  # noqa: E712
        .limit(1)
    ).first()
    if shift is not None:
        return True
    hours = session.exec(
        select(OperatingHours.id)
        .where(OperatingHours.event_id == event_id, OperatingHours.deleted == False)  # noqa: E712
        .limit(1)
    ).first()
    return hours is not None
