"""Paired devices (stations, ready boards) and the one-time codes that pair them."""

from datetime import datetime
from typing import Literal, get_args

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from .types import check_in, counter_field, text_choice, utc_field

# The same values as core.staff.Role: a ready board pairs as "display".
DeviceRole = Literal["organiser", "barista", "runner", "display"]
DEVICE_ROLES: tuple[str, ...] = get_args(DeviceRole)


class Device(SQLModel, table=True):
    """A machine allowed to talk to the organiser's server. Only a hash of its token is kept."""

    __tablename__ = "devices"
    __table_args__ = (check_in("role", DEVICE_ROLES),)

    id: int | None = Field(default=None, primary_key=True)
    name: str
    role: DeviceRole = text_choice("barista")
    station_id: int | None = Field(
        default=None, foreign_key="stations.id", ondelete="SET NULL", index=True
    )
    token_hash: str = Field(unique=True)
    created_at: datetime = utc_field(default="now")
    last_seen: datetime | None = utc_field()
    revoked_at: datetime | None = utc_field()


class PairingCode(SQLModel, table=True):
    """A short code the organiser shows and a station types in. Only its hash is kept, and
    ``attempts`` caps guessing."""

    __tablename__ = "pairing_codes"
    __table_args__ = (
        check_in("role", DEVICE_ROLES),
        sa.Index("ix_pairing_codes_expires_at", "expires_at"),
    )

    code_hash: str = Field(primary_key=True)
    role: DeviceRole = text_choice("barista")
    station_id: int | None = Field(default=None, foreign_key="stations.id", ondelete="CASCADE")
    created_at: datetime = utc_field(default="now")
    expires_at: datetime = utc_field(default="required")
    used_at: datetime | None = utc_field()
    attempts: int = counter_field()
