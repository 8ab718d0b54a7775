"""The event itself and what configures it: branding, menu, settings, opening hours."""

from datetime import date, datetime, time
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from .types import Synced, json_field, utc_field


class EventBase(SQLModel):
    name: str
    primary_colour: str = "#6f4e37"
    accent_colour: str = "#f5e6d3"
    logo_path: str | None = None
    # IANA name ("Australia/Sydney"): opening hours and displayed times are local to it.
    timezone: str = "UTC"
    starts_at: datetime | None = utc_field()
    ends_at: datetime | None = utc_field()


class EventCreate(EventBase):
    pass


class EventUpdate(SQLModel):
    name: str | None = None
    primary_colour: str | None = None
    accent_colour: str | None = None
    logo_path: str | None = None
    timezone: str | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None


class Event(EventBase, Synced, table=True):
    __tablename__ = "events"

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = utc_field(default="now")


class EventPublic(EventBase):
    id: int


class MenuConfig(Synced, table=True):
    """The event's menu as ``core.menu.Menu.to_dict()`` JSON (one row per event)."""

    __tablename__ = "menu_configs"

    event_id: int = Field(foreign_key="events.id", primary_key=True, ondelete="CASCADE")
    menu_json: dict[str, Any] = json_field(dict)
    updated_at: datetime = utc_field(default="now")


class Setting(Synced, table=True):
    """One typed setting, JSON-encoded: branding, milk colours, templates, sponsor line, VIP
    codes, reminder minutes... The keys and their defaults are declared by the settings module;
    the store only keeps values that differ from them."""

    __tablename__ = "settings"

    key: str = Field(primary_key=True)
    value_json: Any = Field(default=None, sa_type=sa.JSON, nullable=False)
    updated_at: datetime = utc_field(default="now")


class OperatingHours(Synced, table=True):
    """When service runs on a given day, in the event's local time (``Event.timezone``).

    ``station_id`` NULL means the whole event; a station row narrows it for that station.
    ``closes`` may be earlier than ``opens``: service runs past midnight.
    """

    __tablename__ = "operating_hours"
    __table_args__ = (sa.Index("ix_operating_hours_event_day", "event_id", "day"),)

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="events.id", ondelete="CASCADE")
    station_id: int | None = Field(default=None, foreign_key="stations.id", ondelete="CASCADE")
    day: date
    opens: time
    closes: time
