"""What a station's screen needs from its replica: the queue (whole, or just the orders a sync
round changed), the link state, and taps that go through the outbox (the same path as the
``station`` command). Reads are snapshots; nothing here talks to the network. Every call is
blocking SQLite work: a window runs it off the GUI thread, through its op runner."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from expresso_desktop.core import schedules
from expresso_desktop.core.errors import DomainError, IllegalTransition
from expresso_desktop.core.items import DrinkSpec
from expresso_desktop.core.menu import Menu
from expresso_desktop.core.orders import Action, OrderStatus, can, status_label
from expresso_desktop.core.routing import WAITING_STATUSES
from expresso_desktop.core.routing import StationView as RoutingView
from expresso_desktop.store import sync_rows

from . import barista, outbox, station_queries
from .events import ReplicaChanged
from .replica import Replica, get, put
from .station_orders import NEXT_ACTION, QUEUE_STATUSES, StationOrder, read_orders, when

__all__ = ["NEXT_ACTION", "QUEUE_STATUSES", "StationOrder"]

Layout = Literal["lanes", "grid"]
# This device's display choices, kept in its replica's sync_state (never synced: a second
# screen at the same station may choose differently).
LAYOUT_KEY, MUTED_KEY = "ui/queue_layout", "ui/muted"

# A tap's past tense, for "A042 started — Undo".
DONE_WORDS = {
    Action.START: "started",
    Action.READY: "ready",
    Action.COLLECT: "collected",
    Action.CANCEL: "cancelled",
}


@dataclass(frozen=True, slots=True)
class UndoTicket:
    """What Undo takes back: the tap on ``order_id`` that left it ``status`` (the undo names
    it, so the organiser refuses it as stale if the order moved on meanwhile)."""

    order_id: str
    number: str
    status: OrderStatus
    words: str  # "A042 started"


@dataclass(frozen=True, slots=True)
class Tapped:
    """A tap was recorded: the outbox ``seq``, what it changed locally (its order) and how to
    take it back (None for an undo itself)."""

    seq: int
    changed: ReplicaChanged
    undo: UndoTicket | None = None


@dataclass(frozen=True, slots=True)
class Refused:
    """One order of a batch the station refused, with why (its number is in ``reason``)."""

    order_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class BatchTapped:
    """A batch of taps: each order its own outbox record; the refused ones with their reason."""

    tapped: tuple[Tapped, ...]
    refused: tuple[Refused, ...]

    @property
    def changed(self) -> ReplicaChanged:
        return ReplicaChanged(
            order_ids=frozenset().union(*(t.changed.order_ids for t in self.tapped))
        )


@dataclass(frozen=True, slots=True)
class Rejection:
    seq: int
    name: str
    reason: str


@dataclass(frozen=True, slots=True)
class LinkStatus:
    online: bool
    pending: int
    since: datetime | None
    last_error: str
    rejections: tuple[Rejection, ...]
    paired: bool


@dataclass(frozen=True, slots=True)
class StationHeader:
    """The window's header and status bar: the station, who is logged in, the wait this
    station quotes (``core.routing.StationView.wait_s``, as the organiser quotes it; None
    when the replica has no station yet), this station's card ages and sound setting, and
    the event's milk colours."""

    label: str
    barista: str | None = None
    wait_s: float | None = None
    drinks_waiting: int = 0
    amber_after_s: int = 5 * 60
    red_after_s: int = 10 * 60
    sound: bool = True
    milk_colours: Mapping[str, str] = field(default_factory=dict)

    @property
    def wait_text(self) -> str:
        if self.wait_s is None:
            return f"{self.drinks_waiting} waiting"
        return f"Wait ≈ {max(1, round(self.wait_s / 60))} min"


@dataclass(frozen=True, slots=True)
class StationPrefs:
    """This device's display choices: the queue's layout and the new-order sound muted."""

    layout: Layout = "lanes"
    muted: bool = False


@dataclass(frozen=True, slots=True)
class StationStatus:
    link: LinkStatus
    header: StationHeader


@dataclass(frozen=True, slots=True)
class StationView:
    """Everything the station's window shows, read in one go (start-up, after a snapshot)."""

    label: str
    link: LinkStatus
    queue: tuple[StationOrder, ...]
    header: StationHeader = field(default_factory=lambda: StationHeader("Barista station"))
    prefs: StationPrefs = field(default_factory=StationPrefs)


class StationService:
    def __init__(self, replica: Replica, menu: Menu) -> None:
        self.replica = replica
        self.menu = menu

    def view(self) -> StationView:
        header = self.header()
        return StationView(header.label, self.link(), tuple(self.queue()), header, self.prefs())

    def station_label(self) -> str:
        """ "Station 2 — East doors" once the event is downloaded; "Barista station" before."""
        with self.replica.read() as conn:
            return _label(_station_row(conn))

    # -- the queue -----------------------------------------------------------------------------
    def queue(self) -> list[StationOrder]:
        """This station's open orders in queue order (VIPs to make first, then oldest)."""
        with self.replica.read() as conn:
            return read_orders(conn, self.menu, None)

    def queue_orders(self, ids: Iterable[str]) -> dict[str, StationOrder | None]:
        """The orders ``ids`` as the queue shows them now; None for one that is not (or no
        longer) in this station's queue: collected, cancelled, moved away, deleted."""
        wanted = sorted(set(ids))
        if not wanted:
            return {}
        with self.replica.read() as conn:
            found = {o.id: o for o in read_orders(conn, self.menu, wanted)}
        return {key: found.get(key) for key in wanted}

    # -- header, status bar, display choices ---------------------------------------------------
    def status(self) -> StationStatus:
        return StationStatus(self.link(), self.header())

    def header(self, now: datetime | None = None) -> StationHeader:
        now = now or datetime.now(UTC)
        own = station_queries.own_settings(self.replica)
        colours = station_queries.milk_colours(self.replica, self.menu)
        with self.replica.read() as conn:
            station = _station_row(conn)
            who = barista.read(conn)
            drinks = _drinks_waiting(conn, station)
            on_shift = _on_shift(conn, station, now)
        wait = None
        if station is not None:
            view = RoutingView(
                id=str(station["id"]),
                number=int(station["number"]),
                name=str(station.get("name") or ""),
                status=str(station["status"]),
                drinks=frozenset(),
                milks=frozenset(),
                extras=frozenset(),
                queue_length=drinks,
                make_time_s=station.get("make_time_s"),
                baristas=max(1, on_shift),
            )
            wait = view.wait_s(vip=False, drinks=1)
        return StationHeader(
            label=_label(station),
            barista=who.name if who is not None else None,
            wait_s=wait,
            drinks_waiting=drinks,
            amber_after_s=int(own["amber_after_min"]) * 60,
            red_after_s=int(own["red_after_min"]) * 60,
            sound=bool(own["sound"]),
            milk_colours=colours,
        )

    def prefs(self) -> StationPrefs:
        with self.replica.read() as conn:
            layout = get(conn, LAYOUT_KEY)
            muted = get(conn, MUTED_KEY)
        return StationPrefs("grid" if layout == "grid" else "lanes", muted == "1")

    def save_prefs(self, prefs: StationPrefs) -> StationPrefs:
        with self.replica.write() as conn:
            put(conn, LAYOUT_KEY, prefs.layout)
            put(conn, MUTED_KEY, "1" if prefs.muted else "0")
        return prefs

    def link(self) -> LinkStatus:
        raw = station_queries.status(self.replica)
        since = when(raw.get("since"))
        return LinkStatus(
            online=bool(raw["online"]),
            pending=int(raw["pending"]),
            since=since,
            last_error=str(raw.get("last_error") or ""),
            rejections=tuple(
                Rejection(int(r["seq"]), str(r["name"]), str(r.get("message") or r["reason"] or ""))
                for r in raw.get("rejections", ())
            ),
            paired=bool(raw.get("server")),
        )

    # -- taps ----------------------------------------------------------------------------------
    def tap(self, order: StationOrder, action: Action, *, reason: str | None = None) -> Tapped:
        """Queue ``action`` on ``order`` (applied locally at once, sent when online). A refusal
        (``IllegalTransition`` when the order's status does not allow it, or what the replica
        refuses) names the order."""
        if not can(order.status, action):
            now = status_label(order.status.value).lower()
            verb = DONE_WORDS.get(action, action.value)
            raise IllegalTransition(f"{order.number} is {now}: it cannot be {verb}")
        args: dict[str, Any] = {"order_id": order.id}
        if action is Action.CANCEL:
            args["reason"] = reason or "cancelled at the station"
        seq = self._record(order.number, f"order.{action.value}", args)
        after = _after(order.status, action)
        ticket = UndoTicket(order.id, order.number, after, f"{order.number} {DONE_WORDS[action]}")
        return Tapped(seq, ReplicaChanged(order_ids=frozenset({order.id})), ticket)

    def tap_many(self, orders: Sequence[StationOrder], action: Action) -> BatchTapped:
        """``action`` on each order, each its own outbox record; a refusal stops only its order."""
        tapped: list[Tapped] = []
        refused: list[Refused] = []
        for order in orders:
            try:
                tapped.append(self.tap(order, action))
            except DomainError as exc:
                refused.append(Refused(order.id, exc.reason))
        return BatchTapped(tuple(tapped), tuple(refused))

    def undo_all(self, tickets: Sequence[UndoTicket]) -> BatchTapped:
        """Take back each of ``tickets`` (the last tap or batch); a refusal stops only its order."""
        tapped: list[Tapped] = []
        refused: list[Refused] = []
        for ticket in tickets:
            try:
                tapped.append(self.undo(ticket))
            except DomainError as exc:
                refused.append(Refused(ticket.order_id, exc.reason))
        return BatchTapped(tuple(tapped), tuple(refused))

    def undo(self, ticket: UndoTicket) -> Tapped:
        """Take back the tap ``ticket`` names (``order.undo`` with the status it left)."""
        args = {"order_id": ticket.order_id, "base_status": ticket.status.value}
        seq = self._record(ticket.number, "order.undo", args)
        return Tapped(seq, ReplicaChanged(order_ids=frozenset({ticket.order_id})))

    def _record(self, number: str, name: str, args: Mapping[str, Any]) -> int:
        try:
            return outbox.record(self.replica, name, args)
        except DomainError as exc:
            if exc.reason.startswith(number):
                raise
            raise DomainError(f"{number}: {exc.reason}", code=exc.code) from exc

    def walk_in(self, items: list[DrinkSpec], name: str | None) -> str:
        station = self.replica.state("station_id")
        order_id = str(uuid.uuid4())
        outbox.record(
            self.replica,
            "order.create",
            {
                "order_id": order_id,
                "station_id": int(station) if station else None,
                "items": [item.to_dict() for item in items],
                "customer_name": name,
            },
        )
        return order_id


def _after(status: OrderStatus, action: Action) -> OrderStatus:
    """Where a tap leaves an order (for its undo); ``can`` has checked it is allowed."""
    return {
        Action.START: OrderStatus.IN_PROGRESS,
        Action.READY: OrderStatus.READY,
        Action.COLLECT: OrderStatus.COLLECTED,
        Action.CANCEL: OrderStatus.CANCELLED,
    }[action]


def _station_row(conn: Connection) -> dict[str, Any] | None:
    station_id = get(conn, "station_id")
    return sync_rows.read_image(conn, "stations", station_id) if station_id else None


def _label(row: Mapping[str, Any] | None) -> str:
    if row is None:
        return "Barista station"
    label = f"Station {row['number']}"
    return f"{label} — {row['name']}" if row.get("name") else label


def _drinks_waiting(conn: Connection, station: Mapping[str, Any] | None) -> int:
    """Drinks still to make here (new and in progress): what a new order waits behind."""
    if station is None:
        return 0
    orders_t, items_t = sync_rows.table("orders"), sync_rows.table("order_items")
    total = conn.execute(
        sa.select(sa.func.sum(items_t.c.quantity))
        .join(orders_t, orders_t.c.id == items_t.c.order_id)
        .where(
            orders_t.c.station_id == station["id"],
            orders_t.c.status.in_(WAITING_STATUSES),
            orders_t.c.deleted == sa.false(),
            items_t.c.deleted == sa.false(),
        )
    ).scalar()
    return int(total or 0)


def _on_shift(conn: Connection, station: Mapping[str, Any] | None, now: datetime) -> int:
    """Baristas on shift here now, not on a break (``core.schedules``, as the organiser counts)."""
    if station is None:
        return 0
    shifts_t, breaks_t = sync_rows.table("shifts"), sync_rows.table("breaks")
    rows = (
        conn.execute(
            sa.select(shifts_t).where(
                shifts_t.c.station_id == station["id"],
                shifts_t.c.deleted == sa.false(),
                shifts_t.c.starts_at <= now,
                shifts_t.c.ends_at > now,
            )
        )
        .mappings()
        .all()
    )
    if not rows:
        return 0
    breaks: dict[int, list[schedules.Break]] = {}
    for b in conn.execute(
        sa.select(breaks_t).where(
            breaks_t.c.shift_id.in_([r["id"] for r in rows]), breaks_t.c.deleted == sa.false()
        )
    ).mappings():
        breaks.setdefault(int(b["shift_id"]), []).append(
            schedules.Break(_aware(b["starts_at"]), _aware(b["ends_at"]))
        )
    shifts = [
        schedules.Shift(
            str(r["id"]),
            str(r["staff_id"]),
            str(r["station_id"]),
            _aware(r["starts_at"]),
            _aware(r["ends_at"]),
            tuple(breaks.get(int(r["id"]), ())),
        )
        for r in rows
    ]
    return len(schedules.Schedule(shifts).on_shift(now, str(station["id"])))


def _aware(value: object) -> datetime:
    moment = when(value)
    assert moment is not None  # NOT NULL columns
    return moment
