"""The organiser's Live screen in figures: one tile per station (open/paused/closed, online or
offline since, orders new / in progress / ready, the measured make time, the wait a customer is
quoted now, who is on shift, stock low or out) and the orders of the last three hours.

``DashboardReader.read`` computes one frozen ``Dashboard`` from one read snapshot (blocking: run
it off the GUI thread). The floor is ``station_views.load_floor`` (the routing rulebook's view:
the quoted wait is the number a customer is told); order counts are one grouped query on
``ix_orders_event_status``; the hours are counted per minute in SQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import Session, col, func, select

from expresso_desktop.core.orders import OrderStatus
from expresso_desktop.core.routing import StationView
from expresso_desktop.services.pairing import station_label
from expresso_desktop.services.station_admin_views import ONLINE_WITHIN, STATUS_WORDS
from expresso_desktop.services.station_views import event_zone, load_floor
from expresso_desktop.services.stock_views import label_of
from expresso_desktop.store.engine import read_session
from expresso_desktop.store.tables import Break, Device, Order, Shift, StaffUser
from expresso_desktop.store.types import utcnow

HOURS = 3  # the chart: this hour and the two before it
_OPEN = (OrderStatus.NEW.value, OrderStatus.IN_PROGRESS.value, OrderStatus.READY.value)
_MINUTE = 16  # len("2025-03-01 09:05"): created_at is stored as ISO text in UTC


@dataclass(frozen=True, slots=True)
class StationTile:
    id: int
    number: int
    label: str  # "Station 3 · Garden Bar"
    status: str  # open / paused / closed, as set
    open_now: bool  # open and inside its hours: routing sends orders here
    devices: int  # active devices paired for it
    last_seen: datetime | None  # the latest any of them talked to us
    new: int
    in_progress: int
    ready: int
    make_time_s: float | None  # measured median per drink; None until enough were made
    quoted_wait_s: float | None  # what a customer ordering one drink is told; None: not open
    on_shift: tuple[str, ...]  # names of the staff working it now (not on a break)
    stock_low: tuple[str, ...]  # "Oat milk"
    stock_out: tuple[str, ...]

    @property
    def status_word(self) -> str:
        word = STATUS_WORDS.get(self.status, self.status)
        if self.status == "open" and not self.open_now:
            return f"{word} · outside hours"
        return word

    def online(self, now: datetime) -> bool:
        return self.last_seen is not None and now - self.last_seen <= ONLINE_WITHIN

    def connection(self, now: datetime) -> str:
        """ "● Online", "○ Offline since 14:02", "○ Not connected yet", "— No device paired"."""
        if self.devices == 0:
            return "— No device paired"
        if self.last_seen is None:
            return "○ Not connected yet"
        if self.online(now):
            return "● Online"
        return f"○ Offline since {_clock(self.last_seen, now)}"

    @property
    def make_time_text(self) -> str:
        if self.make_time_s is None:
            return "Make time: not measured yet"
        return f"Make time: {_duration(self.make_time_s)} a drink"

    @property
    def wait_text(self) -> str:
        if self.quoted_wait_s is None:
            return "Quoted wait: — (not taking orders)"
        return f"Quoted wait: {max(1, round(self.quoted_wait_s / 60))} min"

    @property
    def staff_text(self) -> str:
        if not self.on_shift:
            return "On shift: nobody"
        return f"On shift: {', '.join(self.on_shift)}"

    @property
    def stock_text(self) -> str:
        parts = [f"✕ Out: {', '.join(self.stock_out)}"] if self.stock_out else []
        if self.stock_low:
            parts.append(f"▲ Low: {', '.join(self.stock_low)}")
        return " · ".join(parts) or "● Stock OK"


@dataclass(frozen=True, slots=True)
class HourCount:
    """Orders created in the hour starting at ``start`` (the event's local time)."""

    start: datetime
    orders: int

    @property
    def label(self) -> str:
        return f"{self.start:%H:%M}"


@dataclass(frozen=True, slots=True)
class Dashboard:
    read_at: datetime
    stations: tuple[StationTile, ...]
    per_hour: tuple[HourCount, ...]  # the last ``HOURS`` hours, oldest first

    @property
    def paired(self) -> int:
        """Stations with a device paired (those that can be online at all)."""
        return sum(1 for s in self.stations if s.devices)

    def online(self, now: datetime) -> int:
        return sum(1 for s in self.stations if s.online(now))

    def online_text(self, now: datetime) -> str:
        return f"Stations online {self.online(now)}/{len(self.stations)}"


class DashboardReader:
    """Snapshot reads of the master database (blocking: run them off the GUI thread)."""

    def __init__(self, engine: Engine, event_id: int) -> None:
        self._engine = engine
        self.event_id = event_id

    def read(self, now: datetime | None = None) -> Dashboard:
        with read_session(self._engine) as session:
            return dashboard(session, self.event_id, now or utcnow())


def dashboard(session: Session, event_id: int, now: datetime) -> Dashboard:
    floor = load_floor(session, event_id, now)
    ids = [int(v.id) for v in floor.views]
    counts = _counts(session, event_id)
    seen = _devices(session, ids)
    staff = _on_shift(session, ids, now)
    tiles = tuple(
        _tile(view, floor.station(view.id).name, now, counts, seen, staff) for view in floor.views
    )
    return Dashboard(now, tiles, _per_hour(session, event_id, now))


def _tile(
    view: StationView,
    name: str | None,
    now: datetime,
    counts: dict[tuple[int, str], int],
    seen: dict[int, tuple[int, datetime | None]],
    staff: dict[int, tuple[str, ...]],
) -> StationTile:
    key = int(view.id)
    open_now = view.is_open(now)
    devices, last_seen = seen.get(key, (0, None))
    states = sorted(view.stock.items())
    return StationTile(
        id=key,
        number=view.number,
        label=station_label(view.number, name),
        status=view.status,
        open_now=open_now,
        devices=devices,
        last_seen=last_seen,
        new=counts.get((key, OrderStatus.NEW.value), 0),
        in_progress=counts.get((key, OrderStatus.IN_PROGRESS.value), 0),
        ready=counts.get((key, OrderStatus.READY.value), 0),
        make_time_s=view.make_time_s,
        quoted_wait_s=view.wait_s(vip=False, drinks=1) if open_now else None,
        on_shift=staff.get(key, ()),
        stock_low=tuple(label_of(n) for n, s in states if s.is_low and not s.is_out),
        stock_out=tuple(label_of(n) for n, s in states if s.is_out),
    )


def _counts(session: Session, event_id: int) -> dict[tuple[int, str], int]:
    rows = session.exec(
        select(Order.station_id, Order.status, func.count())
        .where(
            Order.event_id == event_id,
            col(Order.status).in_(_OPEN),
            Order.deleted == False,  # noqa: E712
        )
        .group_by(col(Order.station_id), col(Order.status))
    ).all()
    return {(sid, str(status)): int(n) for sid, status, n in rows if sid is not None}


def _devices(session: Session, station_ids: list[int]) -> dict[int, tuple[int, datetime | None]]:
    """Per station: its active paired devices and when one of them was last seen."""
    rows = session.exec(
        select(Device.station_id, func.count(), func.max(Device.last_seen))
        .where(col(Device.station_id).in_(station_ids), col(Device.revoked_at).is_(None))
        .group_by(col(Device.station_id))
    ).all()
    return {sid: (int(n), _utc(seen)) for sid, n, seen in rows if sid is not None}


def _on_shift(
    session: Session, station_ids: list[int], now: datetime
) -> dict[int, tuple[str, ...]]:
    rows = session.exec(
        select(Shift.id, Shift.station_id, StaffUser.name)
        .join(StaffUser, col(StaffUser.id) == col(Shift.staff_id))
        .where(
            col(Shift.station_id).in_(station_ids),
            Shift.deleted == False,  # noqa: E712
            col(Shift.starts_at) <= now,
            col(Shift.ends_at) > now,
        )
        .order_by(col(StaffUser.name))
    ).all()
    resting = set(
        session.exec(
            select(Break.shift_id).where(
                col(Break.shift_id).in_([shift_id for shift_id, _, _ in rows]),
                Break.deleted == False,  # noqa: E712
                col(Break.starts_at) <= now,
                col(Break.ends_at) > now,
            )
        ).all()
    )
    out: dict[int, list[str]] = {}
    for shift_id, station_id, name in rows:
        if shift_id not in resting and station_id is not None:
            out.setdefault(station_id, []).append(name)
    return {k: tuple(dict.fromkeys(v)) for k, v in out.items()}


def _per_hour(session: Session, event_id: int, now: datetime) -> tuple[HourCount, ...]:
    zone = event_zone(session, event_id)
    this_hour = now.astimezone(zone).replace(minute=0, second=0, microsecond=0).astimezone(UTC)
    start = this_hour - timedelta(hours=HOURS - 1)
    minute = func.substr(col(Order.created_at), 1, _MINUTE)
    rows = session.exec(
        select(minute, func.count())
        .where(Order.event_id == event_id, col(Order.created_at) >= start)
        .group_by(minute)
    ).all()
    counts = [0] * HOURS
    for text, n in rows:
        slot = int((datetime.fromisoformat(text).replace(tzinfo=UTC) - start) / timedelta(hours=1))
        if 0 <= slot < HOURS:
            counts[slot] += int(n)
    return tuple(
        HourCount((start + timedelta(hours=i)).astimezone(zone), n) for i, n in enumerate(counts)
    )


def _utc(at: datetime | None) -> datetime | None:
    if at is None or at.tzinfo is not None:
        return at
    return at.replace(tzinfo=UTC)  # an aggregate comes back as stored text, naive


def _clock(at: datetime, now: datetime) -> str:
    """ "14:02" today, else "3 Mar 14:02" (in the machine's local time)."""
    local, today = at.astimezone(), now.astimezone()
    return f"{local:%H:%M}" if local.date() == today.date() else f"{local:%-d %b %H:%M}"


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    return f"{seconds / 60:.1f} min"
