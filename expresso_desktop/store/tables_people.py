"""Customers (organiser only: phone numbers never leave it), staff and their shifts."""

from datetime import datetime
from typing import Any, Literal, get_args

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from .types import Synced, check_in, flag_field, json_field, text_choice, utc_field

StaffRole = Literal["organiser", "barista", "runner"]
STAFF_ROLES: tuple[str, ...] = get_args(StaffRole)


class CustomerBase(SQLModel):
    phone: str = Field(unique=True)  # E.164; mask it in logs
    name: str | None = None


class Customer(CustomerBase, table=True):
    """Someone who texted. Not synced: stations see ``Order.customer_name`` only."""

    __tablename__ = "customers"

    id: int | None = Field(default=None, primary_key=True)
    # The last order as order items, for "my usual".
    usual_json: list[dict[str, Any]] | None = json_field()
    opted_out: bool = flag_field()  # texted STOP: send nothing until START
    opted_out_at: datetime | None = utc_field()
    # Where a multi-text conversation stands ("asked for a name", the pending order...).
    conversation_state_json: dict[str, Any] | None = json_field()
    created_at: datetime = utc_field(default="now")
    last_seen: datetime | None = utc_field()


class CustomerPublic(CustomerBase):
    id: int
    opted_out: bool
    last_seen: datetime | None


class StaffUserBase(SQLModel):
    name: str
    role: StaffRole = text_choice("barista")
    skills_json: list[str] = json_field(list)  # "latte art", "trainer", ...
    # Free-form windows the person said they can work: [{"day": "2025-03-01", "from": ...}].
    availability_json: list[dict[str, Any]] = json_field(list)
    active: bool = flag_field(True)


class StaffUserCreate(StaffUserBase):
    pin: str | None = None  # hashed by the service before it reaches the table


class StaffUser(StaffUserBase, Synced, table=True):
    __tablename__ = "staff_users"
    __table_args__ = (check_in("role", STAFF_ROLES),)

    id: int | None = Field(default=None, primary_key=True)
    pin_hash: str | None = None


class StaffUserPublic(StaffUserBase):
    id: int


class Shift(Synced, table=True):
    """Someone working a station (or roaming, ``station_id`` NULL) for a time window."""

    __tablename__ = "shifts"
    __table_args__ = (
        check_in("role", STAFF_ROLES),
        sa.CheckConstraint("ends_at > starts_at", name="ends_after_starts"),
        sa.Index("ix_shifts_station_starts", "station_id", "starts_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    station_id: int | None = Field(default=None, foreign_key="stations.id", ondelete="SET NULL")
    staff_id: int = Field(foreign_key="staff_users.id", ondelete="CASCADE", index=True)
    starts_at: datetime = utc_field(default="required")
    ends_at: datetime = utc_field(default="required")
    role: StaffRole = text_choice("barista")


class Break(Synced, table=True):
    __tablename__ = "breaks"
    __table_args__ = (sa.CheckConstraint("ends_at > starts_at", name="ends_after_starts"),)

    id: int | None = Field(default=None, primary_key=True)
    shift_id: int = Field(foreign_key="shifts.id", ondelete="CASCADE", index=True)
    starts_at: datetime = utc_field(default="required")
    ends_at: datetime = utc_field(default="required")
