"""The event in figures, for the organiser's Reports screen: orders per hour, median make time
per station and per barista, the popular drinks and milks, texts by outcome, and how much
customer data the database still holds (what a purge would take).

One ``EventReport`` is computed from one read snapshot (``ReportReader.read``: blocking, run it
off the GUI thread; ``ReportReader.export_csv`` writes the orders as CSV, ``services.export``).
Every query is filtered on the event's orders (``ix_orders_event_status``) or grouped in SQL:
a report over 10,000 orders costs about 0.2 s of CPU. Make times follow the order history's
rule (from Start, or from the order arriving if nobody tapped Start, to Done); per barista they
are ``order_history.staff_stats``, credited by the ready events' ``staff_id``.
"""

from __future__ import annotations

import statistics
import threading
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy import ColumnElement, Engine
from sqlmodel import Session, col, func, select

from expresso_desktop.core.menu import MenuSource
from expresso_desktop.core.orders import STATUS_LABELS, OrderStatus, Timestamps
from expresso_desktop.services import order_history
from expresso_desktop.services.export import ExportResult, ProgressCallback, export_orders_csv
from expresso_desktop.services.purge import left_to_purge
from expresso_desktop.services.station_views import event_zone
from expresso_desktop.store.engine import read_session
from expresso_desktop.store.tables import (
    Customer,
    Event,
    Order,
    OrderItem,
    SmsMessage,
    StaffUser,
    Station,
)
from expresso_desktop.store.types import utcnow

REPORT_HOURS = 12  # the chart shows at most the event's last twelve hours
TOP = 8  # popular drinks and milks: the first eight
MADE = (OrderStatus.READY.value, OrderStatus.COLLECTED.value)
# Outbound statuses by outcome (``sms.outbound.messages`` names them; Twilio adds states, so
# anything unlisted counts as sent: it left us).
DELIVERED = frozenset({"delivered", "read"})
FAILED = frozenset({"failed", "undelivered", "canceled"})
# gave up, purged, opted out, or withdrawn (a "ready" undone before it left)
NOT_SENT = frozenset({"expired", "skipped_opted_out", "withdrawn"})
WAITING = frozenset({"pending", "sending"})
_MINUTE = 16  # len("2025-03-01 09:05"): created_at is stored as ISO text in UTC


@dataclass(frozen=True, slots=True)
class HourBar:
    """Orders created in the hour starting at ``start`` (the event's local time)."""

    start: datetime
    orders: int

    @property
    def label(self) -> str:
        return self.start.strftime("%H:%M")


@dataclass(frozen=True, slots=True)
class MakeTimes:
    """What one station or one person made: orders and drinks whose Done stands, and the median
    seconds an order took (None until something was made). ``id`` keys a table row."""

    id: str  # "station:3", "staff:2"
    name: str
    orders_made: int
    drinks_made: int
    median_make_s: float | None


@dataclass(frozen=True, slots=True)
class Tally:
    name: str  # a drink or milk as the menu names it ("none": no milk)
    count: int  # drinks, quantities included


@dataclass(frozen=True, slots=True)
class TextFigures:
    """Texts in and out; ``sent`` includes ``delivered``. ``by_status``: (direction, status,
    count), most first."""

    received: int
    sent: int
    delivered: int
    failed: int
    not_sent: int
    waiting: int
    by_status: tuple[tuple[str, str, int], ...]


@dataclass(frozen=True, slots=True)
class EventReport:
    event_name: str
    zone: str  # the event's time zone: hours are its local time
    generated_at: datetime
    orders: int  # every order of the event
    orders_by_status: tuple[tuple[str, int], ...]  # (status, orders) in the lifecycle's order
    drinks_ordered: int  # drinks in orders not cancelled
    drinks_made: int
    median_make_s: float | None  # over every order made, whichever station
    per_hour: tuple[HourBar, ...]
    stations: tuple[MakeTimes, ...]
    baristas: tuple[MakeTimes, ...]
    drinks: tuple[Tally, ...]
    milks: tuple[Tally, ...]
    texts: TextFigures
    customers: int
    numbers_held: int  # customers whose phone number is still stored
    texts_held: int  # texts still holding a body or a number

    def status_count(self, status: str) -> int:
        return dict(self.orders_by_status).get(status, 0)


class ReportReader:
    """The event's report and its orders as CSV, from snapshots of the master database
    (blocking: run them off the GUI thread). ``menus``: the menu as edited now, for the drinks
    in words."""

    def __init__(self, engine: Engine, event_id: int, menus: MenuSource) -> None:
        self._engine = engine
        self._event_id = event_id
        self._menus = menus

    def read(self, now: datetime | None = None) -> EventReport:
        with read_session(self._engine) as session:
            return event_report(session, self._event_id, now=now)

    def export_csv(
        self,
        path: Path,
        *,
        progress: ProgressCallback | None = None,
        cancel: threading.Event | None = None,
    ) -> ExportResult:
        """``services.export.export_orders_csv`` for this event."""
        menu = self._menus.current_menu()
        return export_orders_csv(
            self._engine, self._event_id, menu, path, progress=progress, cancel=cancel
        )


def event_report(session: Session, event_id: int, *, now: datetime | None = None) -> EventReport:
    now = now or utcnow()
    zone = event_zone(session, event_id)
    event = session.get(Event, event_id)
    by_status = _orders_by_status(session, event_id)
    made = _made(session, event_id)
    ordered = _ordered(session, event_id)
    drinks: Counter[str] = Counter()
    milks: Counter[str] = Counter()
    for (drink, milk), n in ordered.items():
        drinks[drink] += n
        milks[milk] += n
    numbers_held, texts_held = left_to_purge(session)
    return EventReport(
        event_name=event.name if event is not None else "",
        zone=zone.key,
        generated_at=now,
        orders=sum(n for _, n in by_status),
        orders_by_status=by_status,
        drinks_ordered=ordered.total(),
        drinks_made=sum(m.drinks for m in made),
        median_make_s=_median([m.seconds for m in made]),
        per_hour=_per_hour(session, event_id, zone, now),
        stations=_stations(session, event_id, made),
        baristas=_baristas(session),
        drinks=_top(drinks),
        milks=_top(milks),
        texts=_texts(session),
        customers=session.exec(select(func.count()).select_from(Customer)).one(),
        numbers_held=numbers_held,
        texts_held=texts_held,
    )


def _of_event(event_id: int) -> tuple[ColumnElement[bool], ...]:
    return col(Order.event_id) == event_id, col(Order.deleted).is_(False)


def _orders_by_status(session: Session, event_id: int) -> tuple[tuple[str, int], ...]:
    counts = dict(
        session.exec(
            select(Order.status, func.count()).where(*_of_event(event_id)).group_by(Order.status)
        ).all()
    )
    return tuple((s.value, counts.get(s.value, 0)) for s in STATUS_LABELS)


def _not_cancelled() -> tuple[ColumnElement[bool], ...]:
    return col(Order.status) != OrderStatus.CANCELLED.value, col(OrderItem.deleted).is_(False)


def _per_hour(
    session: Session, event_id: int, zone: ZoneInfo, now: datetime
) -> tuple[HourBar, ...]:
    """Orders per local hour over the event's last ``REPORT_HOURS`` hours: up to now while the
    event runs, up to its last order once it is over. Counted per minute in SQL (at most 720
    groups), then put in local hours here: a zone half an hour off UTC still gets whole hours."""
    first, last = session.exec(
        select(func.min(Order.created_at), func.max(Order.created_at)).where(*_of_event(event_id))
    ).one()
    if first is None or last is None:
        return ()
    end = now if now - last < timedelta(hours=REPORT_HOURS) else last
    end_hour = _local_hour(end, zone)
    start = max(end_hour - timedelta(hours=REPORT_HOURS - 1), _local_hour(first, zone))
    minute = func.substr(col(Order.created_at), 1, _MINUTE)
    rows = session.exec(
        select(minute, func.count())
        .where(*_of_event(event_id), col(Order.created_at) >= start)
        .group_by(minute)
    ).all()
    hours = int((end_hour - start) / timedelta(hours=1)) + 1
    counts = [0] * hours
    for text, n in rows:
        at = datetime.fromisoformat(text).replace(tzinfo=UTC)
        slot = int((at - start) / timedelta(hours=1))
        if 0 <= slot < hours:
            counts[slot] += n
    return tuple(
        HourBar((start + timedelta(hours=i)).astimezone(zone), n) for i, n in enumerate(counts)
    )


def _local_hour(at: datetime, zone: ZoneInfo) -> datetime:
    """The start of ``at``'s hour on the event's clock, back in UTC."""
    return at.astimezone(zone).replace(minute=0, second=0, microsecond=0).astimezone(UTC)


@dataclass(frozen=True, slots=True)
class _Made:
    """One order made (ready or collected): where, how long it took, how many drinks."""

    station_id: int | None
    seconds: float
    drinks: int


def _made(session: Session, event_id: int) -> list[_Made]:
    rows = session.connection().execute(
        sa.select(
            col(Order.station_id),
            col(Order.created_at),
            col(Order.started_at),
            col(Order.ready_at),
            func.sum(OrderItem.quantity),
        )
        .join(OrderItem, col(OrderItem.order_id) == col(Order.id))
        .where(
            *_of_event(event_id),
            col(Order.status).in_(MADE),
            col(Order.ready_at).is_not(None),
            col(OrderItem.deleted).is_(False),
        )
        .group_by(col(Order.id))
    )
    made = []
    for station_id, created, started, ready, quantity in rows:
        seconds = Timestamps(created, started, ready).make_seconds()
        if seconds is not None:
            made.append(_Made(station_id, seconds, int(quantity or 0)))
    return made


def _stations(session: Session, event_id: int, made: list[_Made]) -> tuple[MakeTimes, ...]:
    seconds: dict[int | None, list[float]] = {}
    drinks: Counter[int | None] = Counter()
    for m in made:
        seconds.setdefault(m.station_id, []).append(m.seconds)
        drinks[m.station_id] += m.drinks
    stations = session.exec(
        select(Station)
        .where(Station.event_id == event_id, col(Station.deleted).is_(False))
        .order_by(col(Station.number))
    ).all()
    return tuple(
        MakeTimes(
            id=f"station:{s.id}",
            name=s.name or f"Station {s.number}",
            orders_made=len(seconds.get(s.id, ())),
            drinks_made=drinks[s.id],
            median_make_s=_median(seconds.get(s.id, [])),
        )
        for s in stations
    )


def _baristas(session: Session) -> tuple[MakeTimes, ...]:
    """Everyone who made something (their Done stands), and the baristas who have not yet."""
    people = session.exec(
        select(StaffUser).where(col(StaffUser.deleted).is_(False)).order_by(col(StaffUser.name))
    ).all()
    rows = []
    for person in people:
        assert person.id is not None
        stats = order_history.staff_stats(session, person.id)
        if stats.orders_made or person.role == "barista":
            rows.append(
                MakeTimes(
                    id=f"staff:{person.id}",
                    name=person.name,
                    orders_made=stats.orders_made,
                    drinks_made=stats.drinks_made,
                    median_make_s=stats.median_make_s,
                )
            )
    rows.sort(key=lambda r: (-r.orders_made, r.name))
    return tuple(rows)


def _ordered(session: Session, event_id: int) -> Counter[tuple[str, str]]:
    """Drinks in orders not cancelled, by (drink, milk): one pass over the items."""
    rows = session.connection().execute(
        sa.select(col(OrderItem.drink), col(OrderItem.milk), func.sum(OrderItem.quantity))
        .join(Order, col(Order.id) == col(OrderItem.order_id))
        .where(*_of_event(event_id), *_not_cancelled())
        .group_by(col(OrderItem.drink), col(OrderItem.milk))
    )
    return Counter({(drink, milk): int(n) for drink, milk, n in rows})


def _top(counts: Counter[str]) -> tuple[Tally, ...]:
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return tuple(Tally(name, n) for name, n in ranked[:TOP])


def _texts(session: Session) -> TextFigures:
    rows = session.exec(
        select(SmsMessage.direction, SmsMessage.status, func.count()).group_by(
            SmsMessage.direction, SmsMessage.status
        )
    ).all()
    tally: Counter[str] = Counter()
    for direction, status, n in rows:
        tally[_outcome(direction, status)] += n
    return TextFigures(
        received=tally["received"],
        sent=tally["sent"] + tally["delivered"],
        delivered=tally["delivered"],
        failed=tally["failed"],
        not_sent=tally["not_sent"],
        waiting=tally["waiting"],
        by_status=tuple(sorted(rows, key=lambda r: (r[0], -r[2], r[1]))),
    )


def _outcome(direction: str, status: str) -> str:
    if direction == "in":
        return "received"
    for outcome, statuses in (
        ("delivered", DELIVERED),
        ("failed", FAILED),
        ("not_sent", NOT_SENT),
        ("waiting", WAITING),
    ):
        if status in statuses:
            return outcome
    return "sent"


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None
