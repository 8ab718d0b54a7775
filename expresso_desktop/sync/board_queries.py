"""What a ready board shows, read from a replica: the ready orders as tiles (number and first
name only, newest first) and the event's branding. A board follows its replica like a station's
queue: a sync round that names orders (or the event, or the stations) re-reads the board.

Two kinds of replica carry a board: a ``display`` device's own (the whole event, or one
station's orders with ``station_number``), and a barista station's (its second window: that
station's orders). Blocking SQLite work: a window runs it through its op runner.

The event's logo is not here: the organiser keeps only a path to a file in its own data folder
(``events.logo_path``), never synced, so a board shows the event's name in its colours.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from expresso_desktop.core.ready_board import callout_text, first_name, tile_text
from expresso_desktop.store import sync_rows

from .events import ReplicaChanged
from .link_state import read_link
from .replica import Replica, get
from .station_options import BoardOptions as BoardOptions  # where it was first defined
from .station_orders import when

MAX_TILES = 60  # more than a 4K screen holds; the count says how many more there are
BOARD_ENTITIES = frozenset({"orders", "events", "stations"})
DEFAULT_PRIMARY, DEFAULT_ACCENT = "#6f4e37", "#f5e6d3"  # the event table's defaults


@dataclass(frozen=True, slots=True)
class ReadyTile:
    """One ready order as the public may see it (never a phone number: ``first_name``)."""

    order_id: str
    number: str  # "" for a walk-in the organiser has not numbered yet
    name: str  # the first name only
    ready_at: datetime | None

    @property
    def text(self) -> str:
        return tile_text(self.number, self.name)

    @property
    def spoken(self) -> str:
        return callout_text(self.number, self.name)


@dataclass(frozen=True, slots=True)
class Branding:
    event_name: str
    primary_colour: str
    accent_colour: str


@dataclass(frozen=True, slots=True)
class BoardView:
    """Everything a board shows, read in one go. ``where``: the station it is limited to
    ("Station 2 — East doors"; "" for the whole event); ``ready``: how many orders are ready
    (``tiles`` holds the newest ``MAX_TILES`` of them)."""

    paired: bool
    branding: Branding
    where: str
    tiles: tuple[ReadyTile, ...]
    ready: int


def concerns_board(changed: ReplicaChanged) -> bool:
    """Whether a change may alter a board: a download, an order, the event or a station."""
    return changed.everything or bool(changed.order_ids or changed.entities & BOARD_ENTITIES)


class BoardReads:
    """A board's reads on ``replica``. ``station_number``: one station's orders only (a
    display's ``--station N``); None: the replica's own station if it has one (a barista's
    replica), else every station's."""

    def __init__(self, replica: Replica, *, station_number: int | None = None) -> None:
        self.replica = replica
        self.station_number = station_number

    def view(self) -> BoardView:
        with self.replica.read() as conn:
            scope = self._scope(conn)
            tiles, ready = _ready(conn, scope)
            return BoardView(
                paired=bool(get(conn, "server_url")),
                branding=_branding(conn, scope),
                where=scope.where,
                tiles=tiles,
                ready=ready,
            )

    def last_contact(self) -> datetime | None:
        """When this replica last heard from the organiser (None: never): what a board that
        lost the link says its tiles date from."""
        with self.replica.read() as conn:
            link = read_link(conn)
        return when(link.last_exchange or link.since)

    def tiles(self) -> tuple[ReadyTile, ...]:
        """Only the tiles (a station's call-out compares them round after round)."""
        with self.replica.read() as conn:
            return _ready(conn, self._scope(conn))[0]

    def _scope(self, conn: Connection) -> _Scope:
        t = sync_rows.table("stations")
        if self.station_number is not None:
            query = sa.select(t).where(t.c.number == self.station_number, t.c.deleted == sa.false())
            row = conn.execute(query).mappings().first()
            if row is None:  # not in this event, or not downloaded yet: nothing of it is ready
                return _Scope(-1, None, f"Station {self.station_number}")
            return _Scope.of(sync_rows.image_of(row))
        mine = get(conn, "station_id")
        if not mine:
            return _Scope(None, None, "")
        row_image = sync_rows.read_image(conn, "stations", mine)
        return _Scope.of(row_image) if row_image else _Scope(int(mine), None, "")


@dataclass(frozen=True, slots=True)
class _Scope:
    """Whose orders a board shows: one station's (``station_id``; -1 for one the replica
    does not know) or every station's (None), and the words saying so."""

    station_id: int | None
    event_id: int | None
    where: str

    @classmethod
    def of(cls, station: dict[str, Any]) -> _Scope:
        label = f"Station {station['number']}"
        where = f"{label} — {station['name']}" if station.get("name") else label
        return cls(int(station["id"]), int(station["event_id"]), where)


def _ready(conn: Connection, scope: _Scope) -> tuple[tuple[ReadyTile, ...], int]:
    t = sync_rows.table("orders")
    where = [t.c.deleted == sa.false(), t.c.status == "ready"]
    if scope.station_id is not None:
        where.append(t.c.station_id == scope.station_id)
    ready = conn.execute(sa.select(sa.func.count()).select_from(t).where(*where)).scalar_one()
    rows = conn.execute(
        sa.select(t.c.id, t.c.number, t.c.customer_name, t.c.ready_at)
        .where(*where)
        .order_by(t.c.ready_at.desc().nulls_last(), t.c.created_at.desc(), t.c.id)
        .limit(MAX_TILES)
    ).mappings()
    tiles = tuple(
        ReadyTile(
            order_id=str(r["id"]),
            number=r["number"] or "",
            name=first_name(r["customer_name"]),
            ready_at=r["ready_at"],
        )
        for r in rows
    )
    return tiles, int(ready)


def _branding(conn: Connection, scope: _Scope) -> Branding:
    """The event's name and colours: the station's event, else the replica's first event."""
    t = sync_rows.table("events")
    query = sa.select(t).where(t.c.deleted == sa.false())
    if scope.event_id is not None:
        query = query.where(t.c.id == scope.event_id)
    row = conn.execute(query.order_by(t.c.id).limit(1)).mappings().first()
    if row is None:
        return Branding("", DEFAULT_PRIMARY, DEFAULT_ACCENT)
    return Branding(
        event_name=row["name"] or "",
        primary_colour=row["primary_colour"] or DEFAULT_PRIMARY,
        accent_colour=row["accent_colour"] or DEFAULT_ACCENT,
    )
