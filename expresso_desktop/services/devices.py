"""Paired devices: one-time pairing codes, device tokens, revocation, and the guessing guard.

Codes and tokens are stored hashed (SHA-256: a token has 256 random bits, and a code lives ten
minutes and allows a few dozen guesses in all, so a slow KDF would buy nothing). Functions take
the caller's ``session`` keyword-only: the server runs them on the single writer, the CLI in its
own ``write_session``. Devices never enter the change log: their rows hold token hashes.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from expresso_desktop.core.errors import DomainError, ValidationError
from expresso_desktop.store.tables import DEVICE_ROLES, Device, PairingCode, Station
from expresso_desktop.store.types import utcnow

# No 0/O, 1/I/L, 2/Z, 5/S, 8/B: read off a screen in a loud room and typed on a touchscreen.
CODE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
CODE_LENGTH = 6
CODE_TTL = timedelta(minutes=10)
# Failed guesses (from anyone) that a live code survives before it is burnt: a durable cap that
# a restart of the server (which empties the in-memory guard) does not reset.
MAX_GUESSES_PER_CODE = 25


class PairingRefused(DomainError):
    code = "pairing_refused"


@dataclass(frozen=True, slots=True)
class IssuedCode:
    code: str
    role: str
    station_id: int | None
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class IssuedToken:
    device_id: int
    token: str  # shown once; only its hash is stored
    role: str
    station_id: int | None


@dataclass(frozen=True, slots=True)
class DeviceInfo:
    id: int
    name: str
    role: str
    station_id: int | None
    station_number: int | None
    created_at: datetime
    last_seen: datetime | None
    revoked_at: datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def normalise_code(text: str) -> str:
    return "".join(ch for ch in text.upper() if ch.isalnum())


def station_id_for(number: int, event_id: int, *, session: Session) -> int:
    station = session.exec(
        select(Station).where(
            Station.event_id == event_id,
            Station.number == number,
            Station.deleted == False,  # noqa: E712
        )
    ).first()
    if station is None or station.id is None:
        raise ValidationError(f"there is no station {number}; create it first", field="station")
    return station.id


def _check_role(role: str, station_id: int | None) -> None:
    if role not in DEVICE_ROLES:
        raise ValidationError(f"role must be one of {', '.join(DEVICE_ROLES)}", field="role")
    if role == "barista" and station_id is None:
        raise ValidationError("a barista device belongs to a station", field="station")


def create_pairing_code(
    *, session: Session, role: str, station_id: int | None = None, ttl: timedelta = CODE_TTL
) -> IssuedCode:
    _check_role(role, station_id)
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    expires_at = utcnow() + ttl
    session.add(
        PairingCode(code_hash=digest(code), role=role, station_id=station_id, expires_at=expires_at)  # type: ignore[arg-type]
    )
    session.flush()
    return IssuedCode(code, role, station_id, expires_at)


def redeem_pairing_code(code: str, *, session: Session, name: str) -> IssuedToken | None:
    """Exchange a live code for a device token; None when refused. A refusal is *returned*, not
    raised, so that the caller commits the guess it cost every live code (raise
    ``PairingRefused`` after the commit). Every refusal reads the same: a guesser learns
    nothing about which codes exist."""
    now = utcnow()
    row = session.get(PairingCode, digest(normalise_code(code)))
    if (
        row is None
        or row.used_at is not None
        or row.expires_at <= now
        or row.attempts >= MAX_GUESSES_PER_CODE
    ):
        # Every live code pays for a wrong guess: the cap holds across restarts.
        session.exec(
            update(PairingCode)
            .where(col(PairingCode.used_at).is_(None), col(PairingCode.expires_at) > now)
            .values(attempts=PairingCode.attempts + 1)
        )
        return None
    row.used_at = now
    session.add(row)
    return _new_device(session, name=name, role=row.role, station_id=row.station_id)


def add_device(
    *, session: Session, name: str, role: str, station_id: int | None = None
) -> IssuedToken:
    """A device token without pairing (for scripts and the organiser's own tools)."""
    _check_role(role, station_id)
    return _new_device(session, name=name, role=role, station_id=station_id)


def _new_device(session: Session, *, name: str, role: str, station_id: int | None) -> IssuedToken:
    name = " ".join(name.split())[:80]
    if not name:
        raise ValidationError("a device needs a name", field="name")
    token = secrets.token_urlsafe(32)
    device = Device(name=name, role=role, station_id=station_id, token_hash=digest(token))  # type: ignore[arg-type]
    session.add(device)
    session.flush()
    assert device.id is not None
    return IssuedToken(device.id, token, role, station_id)


def _info(device: Device, numbers: dict[int, int]) -> DeviceInfo:
    assert device.id is not None
    return DeviceInfo(
        id=device.id,
        name=device.name,
        role=device.role,
        station_id=device.station_id,
        station_number=numbers.get(device.station_id) if device.station_id else None,
        created_at=device.created_at,
        last_seen=device.last_seen,
        revoked_at=device.revoked_at,
    )


def _station_numbers(session: Session) -> dict[int, int]:
    return {s.id: s.number for s in session.exec(select(Station)).all() if s.id is not None}


def list_devices(*, session: Session) -> list[DeviceInfo]:
    numbers = _station_numbers(session)
    return [_info(d, numbers) for d in session.exec(select(Device).order_by(col(Device.id)))]


def revoke_device(device_id: int, *, session: Session) -> DeviceInfo | None:
    device = session.get(Device, device_id)
    if device is None:
        return None
    if device.revoked_at is None:
        device.revoked_at = utcnow()
        session.add(device)
        session.flush()
    return _info(device, _station_numbers(session))


def authenticate(token: str, *, session: Session) -> DeviceInfo | None:
    """The active device this bearer token belongs to, or None."""
    if not token or len(token) > 200:
        return None
    wanted = digest(token)
    device = session.exec(select(Device).where(Device.token_hash == wanted)).first()
    # The lookup is by hash (an index); compare again in constant time out of habit.
    if device is None or not hmac.compare_digest(device.token_hash, wanted):
        return None
    if device.revoked_at is not None:
        return None
    return _info(device, _station_numbers(session))


def revoked_among(device_ids: list[int], *, session: Session) -> set[int]:
    """Which of these devices are revoked (or gone): their live connections must close."""
    if not device_ids:
        return set()
    rows = session.exec(
        select(Device.id, Device.revoked_at).where(col(Device.id).in_(device_ids))
    ).all()
    alive = {i for i, revoked in rows if revoked is None}
    return set(device_ids) - alive


class PairingGuard:
    """In-memory rate limit on failed pairing attempts, per remote address and overall.

    ``check`` before trying a code (seconds to wait, or 0), ``failed`` after a wrong one.
    """

    def __init__(
        self,
        *,
        per_address: int = 5,
        overall: int = 30,
        window_s: float = 600.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.per_address, self.overall, self.window_s = per_address, overall, window_s
        self._clock = clock
        self._lock = threading.Lock()
        self._by_address: dict[str, deque[float]] = {}
        self._all: deque[float] = deque()

    def _trim(self, times: deque[float], now: float) -> None:
        while times and times[0] <= now - self.window_s:
            times.popleft()

    def check(self, address: str) -> float:
        now = self._clock()
        with self._lock:
            mine = self._by_address.get(address, deque())
            self._trim(mine, now)
            self._trim(self._all, now)
            waits = [
                times[0] + self.window_s - now
                for times, limit in ((mine, self.per_address), (self._all, self.overall))
                if len(times) >= limit
            ]
        return max(waits, default=0.0)

    def failed(self, address: str) -> None:
        now = self._clock()
        with self._lock:
            self._by_address.setdefault(address, deque()).append(now)
            self._all.append(now)
            if len(self._by_address) > 10_000:  # a flood of addresses must not grow memory
                self._by_address.pop(next(iter(self._by_address)))
