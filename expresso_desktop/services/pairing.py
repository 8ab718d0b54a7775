"""Pairing stations and managing their devices, for a screen or a script: the stations one can
pair for, one-time codes with the QR a station scans, the device list and revocation.

Reads are blocking snapshot reads (a window runs them through its op runner, off the GUI
thread); writes are functions of a ``Tx`` for the single writer. Everything returned is a
frozen dataclass, so a view never holds a session or a live row. Where the organiser is (its
LAN URL) and which certificate it serves are passed in: the LAN listener knows them.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from urllib.parse import urlencode

import segno
from sqlalchemy import Engine
from sqlmodel import Session, select

from expresso_desktop.services import devices
from expresso_desktop.services.order_actions import live_station
from expresso_desktop.services.station_admin import list_stations
from expresso_desktop.services.writer import Tx
from expresso_desktop.store.engine import read_session
from expresso_desktop.store.tables import PairingCode, Station
from expresso_desktop.store.types import utcnow

log = logging.getLogger(__name__)

CodeState = Literal["live", "used", "expired"]
QR_PNG_SCALE = 8  # pixels per module in ``qr_png`` (a screen scales by whole modules)


# -- what a station scans -----------------------------------------------------------------------
def pairing_payload(code: str, url: str, fingerprint_hex: str) -> str:
    """``expresso://pair?code=…&url=…&fp=…``: short enough for a small, robust QR code."""
    return "expresso://pair?" + urlencode({"code": code, "url": url, "fp": fingerprint_hex})


def qr_svg(payload: str) -> str:
    buffer = io.BytesIO()
    segno.make(payload, error="m").save(buffer, kind="svg", scale=6, border=2)
    return buffer.getvalue().decode()


def qr_png(payload: str) -> bytes:
    buffer = io.BytesIO()
    segno.make(payload, error="m").save(buffer, kind="png", scale=QR_PNG_SCALE, border=2)
    return buffer.getvalue()


# -- rows for screens ---------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class StationChoice:
    id: int
    number: int
    label: str


@dataclass(frozen=True, slots=True)
class DeviceRow:
    id: int
    name: str  # chosen on the device: show as plain text
    role: str
    station: str  # "Station 2", "Station 3 · Garden Bar", "" for none
    paired_at: datetime
    last_seen: datetime | None
    active: bool


@dataclass(frozen=True, slots=True)
class PairingCard:
    """Everything the organiser shows a station to pair it."""

    code: str
    role: str
    station_id: int | None
    expires_at: datetime
    url: str
    fingerprint: str
    payload: str  # what the QR says
    qr_png: bytes


@dataclass(frozen=True, slots=True)
class Revoked:
    """The outcome of a revocation: the device as it is now, or None if it no longer exists."""

    device_id: int
    device: DeviceRow | None


def station_label(number: int, name: str | None) -> str:
    plain = f"Station {number}"
    name = (name or "").strip()
    return plain if not name or name == plain else f"{plain} · {name}"


# -- reads --------------------------------------------------------------------------------------
class PairingReads:
    """Snapshot reads of the master database (blocking: run them off the GUI thread)."""

    def __init__(self, engine: Engine, event_id: int) -> None:
        self._engine = engine
        self._event_id = event_id

    def stations(self) -> list[StationChoice]:
        with read_session(self._engine) as session:
            return [
                StationChoice(s.id, s.number, station_label(s.number, s.name))
                for s in list_stations(session, self._event_id)
                if s.id is not None
            ]

    def devices(self) -> list[DeviceRow]:
        with read_session(self._engine) as session:
            return device_rows(session)

    def code_state(self, code: str) -> CodeState:
        with read_session(self._engine) as session:
            row = session.get(PairingCode, devices.digest(devices.normalise_code(code)))
        if row is not None and row.used_at is not None:
            return "used"
        if row is None or row.expires_at <= utcnow():
            return "expired"
        return "live"


def device_rows(session: Session) -> list[DeviceRow]:
    labels = _station_labels(session)
    return [_device_row(d, labels) for d in devices.list_devices(session=session)]


# -- writes (functions of a Tx, for the single writer) -----------------------------------------
def issue_pairing_card(
    tx: Tx, *, role: str, station_id: int | None, url: str, fingerprint: str
) -> PairingCard:
    """A fresh one-time code (10 minutes) and the QR a station scans. Raises
    ``ValidationError`` for a bad role or a station that no longer exists."""
    if station_id is not None:
        live_station(tx.session, station_id, field="station")
    issued = devices.create_pairing_code(session=tx.session, role=role, station_id=station_id)
    payload = pairing_payload(issued.code, url, fingerprint)  # as the LAN API makes it
    log.info("pairing code issued for a %s device", role)  # never the code itself
    return PairingCard(
        code=issued.code,
        role=issued.role,
        station_id=issued.station_id,
        expires_at=issued.expires_at,
        url=url,
        fingerprint=fingerprint,
        payload=payload,
        qr_png=qr_png(payload),
    )


def revoke(tx: Tx, device_id: int) -> Revoked:
    """Revoke now: the token is refused from the next request; the LAN server closes the
    device's sockets as soon as this commits (the change bus says ``devices`` was written)."""
    info = devices.revoke_device(device_id, session=tx.session)
    if info is None:
        return Revoked(device_id, None)
    log.info("device %s revoked", device_id)
    return Revoked(device_id, _device_row(info, _station_labels(tx.session)))


def _device_row(d: devices.DeviceInfo, labels: dict[int, str]) -> DeviceRow:
    return DeviceRow(
        id=d.id,
        name=d.name,
        role=d.role,
        station=labels.get(d.station_id, "") if d.station_id else "",
        paired_at=d.created_at,
        last_seen=d.last_seen,
        active=d.active,
    )


def _station_labels(session: Session) -> dict[int, str]:
    return {
        s.id: station_label(s.number, s.name)
        for s in session.exec(select(Station)).all()
        if s.id is not None
    }
