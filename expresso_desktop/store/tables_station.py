"""Stations and their stock (levels are counters: baseline + movements, see sync.md 4.5)."""

from datetime import datetime
from typing import Literal, get_args

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from .types import (
    Synced,
    check_in,
    counter_field,
    flag_field,
    json_field,
    new_uuid,
    text_choice,
    utc_field,
)

StationStatus = Literal["open", "paused", "closed"]
STATION_STATUSES: tuple[str, ...] = get_args(StationStatus)


def _no_capabilities() -> dict[str, list[str]]:
    return {"drinks": [], "milks": [], "extras": []}


class StationBase(SQLModel):
    number: int
    name: str | None = None  # shown instead of "Station <number>" when set
    location: str = ""  # "near the east doors": goes into the confirmation text
    map_url: str | None = None
    # Menu names this station can make: {"drinks": [...], "milks": [...], "extras": [...]}.
    capabilities_json: dict[str, list[str]] = json_field(_no_capabilities)


class StationCreate(StationBase):
    event_id: int


class StationUpdate(SQLModel):
    name: str | None = None
    location: str | None = None
    map_url: str | None = None
    capabilities_json: dict[str, list[str]] | None = None
    status: StationStatus | None = None


class Station(StationBase, Synced, table=True):
    __tablename__ = "stations"
    __table_args__ = (
        sa.UniqueConstraint("event_id", "number"),
        check_in("status", STATION_STATUSES),
        sa.CheckConstraint("number > 0", name="number_positive"),
    )

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="events.id", ondelete="CASCADE")
    status: StationStatus = text_choice("open")
    # Measured median seconds per drink; None until enough drinks were made to tell.
    make_time_s: float | None = None


class StationPublic(StationBase):
    id: int
    event_id: int
    status: StationStatus
    make_time_s: float | None


class StockItemBase(SQLModel):
    name: str  # a core.menu.StockItemSpec name: "oat milk", "coffee beans"
    unit: str  # "ml", "g", "cups"
    low_threshold: float = 0
    par: float = 0  # the level a restock brings it back to


class StockItemCreate(StockItemBase):
    station_id: int
    level: float = 0


class StockItem(StockItemBase, Synced, table=True):
    """``level`` is materialised: ``baseline + SUM(movements.delta)`` of the current generation.

    A count (organiser's reset) starts ``generation + 1`` with the counted level as baseline.
    """

    __tablename__ = "stock_items"
    __table_args__ = (sa.UniqueConstraint("station_id", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    station_id: int = Field(foreign_key="stations.id", ondelete="CASCADE")
    level: float = 0
    baseline: float = 0
    generation: int = counter_field()
    out_of_stock: bool = flag_field()  # set by a barista: routing stops sending drinks here


class StockItemPublic(StockItemBase):
    id: int
    station_id: int
    level: float
    generation: int
    out_of_stock: bool


class StockMovement(Synced, table=True):
    """One change to a stock level. Idempotent by the mutation that made it (client_id, seq).

    ``counted`` is False for a movement tagged with an older generation: recorded for the
    post-count reconciliation view, but not subtracted (the physical count already included it).
    """

    __tablename__ = "stock_movements"
    __table_args__ = (
        sa.Index("ix_stock_movements_item_generation", "item_id", "generation"),
        sa.Index("ix_stock_movements_client_seq", "client_id", "seq"),
    )

    id: str = Field(default_factory=new_uuid, primary_key=True)
    item_id: int = Field(foreign_key="stock_items.id", ondelete="CASCADE")
    client_id: str
    seq: int
    delta: float
    generation: int
    order_id: str | None = Field(
        default=None, foreign_key="orders.id", ondelete="SET NULL", index=True
    )
    reason: str = "consume"  # consume | restock | waste | correction (free text: audit only)
    counted: bool = flag_field(True)
    created_at: datetime = utc_field(default="now")
