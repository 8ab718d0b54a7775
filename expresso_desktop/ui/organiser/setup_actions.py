"""What the Setup tab asks of the services, in one place and without Qt: stations to pair for,
pairing codes and their QR, the device list, revocation, and the SMS side's state.

The widgets call only this; reads take a snapshot session, writes go through the single writer.
Everything returned is a frozen dataclass, so a view never holds a session or a live row.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Literal

from sqlmodel import Session, select

from expresso_desktop.core.privacy import mask_phone
from expresso_desktop.errors import KnownError
from expresso_desktop.server.pairing_qr import pairing_payload, qr_png
from expresso_desktop.server.tls import ensure_identity
from expresso_desktop.services import devices
from expresso_desktop.services.order_actions import live_station
from expresso_desktop.services.organiser import OrganiserServices
from expresso_desktop.services.station_admin import list_stations
from expresso_desktop.services.writer import Tx
from expresso_desktop.sms.credentials import load_twilio_config, redact
from expresso_desktop.sms.outbound.messages import queue_depth
from expresso_desktop.store.engine import read_session
from expresso_desktop.store.tables import PairingCode, Station
from expresso_desktop.store.types import utcnow

log = logging.getLogger(__name__)

CodeState = Literal["live", "used", "expired"]


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
class SmsMode:
    kind: Literal["twilio", "simulator", "misconfigured"]
    text: str  # never a secret: the number masked, the account id redacted


class SetupActions:
    def __init__(self, services: OrganiserServices) -> None:
        self._services = services

    # -- reads ----------------------------------------------------------------------------------
    def stations(self) -> list[StationChoice]:
        with read_session(self._services.engine) as session:
            return [
                StationChoice(s.id, s.number, station_label(s.number, s.name))
                for s in list_stations(session, self._services.event_id)
                if s.id is not None
            ]

    def devices(self) -> list[DeviceRow]:
        with read_session(self._services.engine) as session:
            labels = _station_labels(session)
            return [
                DeviceRow(
                    id=d.id,
                    name=d.name,
                    role=d.role,
                    station=labels.get(d.station_id, "") if d.station_id else "",
                    paired_at=d.created_at,
                    last_seen=d.last_seen,
                    active=d.active,
                )
                for d in devices.list_devices(session=session)
            ]

    def code_state(self, code: str) -> CodeState:
        with read_session(self._services.engine) as session:
            row = session.get(PairingCode, devices.digest(devices.normalise_code(code)))
        if row is not None and row.used_at is not None:
            return "used"
        if row is None or row.expires_at <= utcnow():
            return "expired"
        return "live"

    def queue_depth(self) -> int:
        with read_session(self._services.engine) as session:
            return queue_depth(session)

    def fingerprint(self) -> str:
        """The LAN certificate's SHA-256 (the listener loaded the same files at start)."""
        return ensure_identity(self._services.paths.data_dir).fingerprint_hex

    @staticmethod
    def sms_mode() -> SmsMode:
        try:
            config = load_twilio_config()
        except KnownError as exc:
            return SmsMode("misconfigured", str(exc))
        if config is None:
            return SmsMode(
                "simulator",
                "Built-in simulator: no Twilio account configured. Customers' texts come from "
                "the Phone simulator tab or `expresso sms-sim`.",
            )
        sources = sorted(set(config.sources.values()))
        where = f" (from the {' and '.join(sources)})" if sources else ""
        return SmsMode(
            "twilio",
            f"Twilio number {mask_phone(config.number)}, account {redact(config.account_sid)}"
            f"{where}",
        )

    # -- writes ---------------------------------------------------------------------------------
    def new_pairing_card(self, role: str, station_id: int | None, *, url: str) -> PairingCard:
        """A fresh one-time code (10 minutes) and the QR a station scans. Raises
        ``ValidationError`` for a bad role or a station that no longer exists."""
        issued = self._services.writer.run_sync(partial(_create_code, role, station_id))
        fingerprint = self.fingerprint()
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

    def revoke(self, device_id: int) -> DeviceRow | None:
        """Revoke now: the token is refused from the next request; the live hub closes the
        device's sockets within its revalidation interval."""
        info = self._services.writer.run_sync(
            lambda tx: devices.revoke_device(device_id, session=tx.session)
        )
        if info is None:
            return None
        return next((d for d in self.devices() if d.id == device_id), None)


def _create_code(role: str, station_id: int | None, tx: Tx) -> devices.IssuedCode:
    if station_id is not None:
        live_station(tx.session, station_id, field="station")
    return devices.create_pairing_code(session=tx.session, role=role, station_id=station_id)


def station_label(number: int, name: str | None) -> str:
    plain = f"Station {number}"
    return plain if not name or name.strip() == plain else f"{plain} · {name}"


def _station_labels(session: Session) -> dict[int, str]:
    return {
        s.id: station_label(s.number, s.name)
        for s in session.exec(select(Station)).all()
        if s.id is not None
    }
