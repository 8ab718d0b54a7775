"""Paired devices: one-time pairing codes, device tokens, revocation, and the guessing guard.

Codes and tokens are stored hashed (SHA-256: a token has 256 random bits, and a code lives ten
minutes and allows a few dozen guesses in all, so a slow KDF would buy nothing). Functions take
the caller's ``session`` keyword-only: the server runs them on the single writer, the CLI in its
own ``write_session``. Devices never enter the change log: their rows hold token hashes.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import math
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, func, select

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


def codes_burnt_by_this_guess(*, session: Session) -> int:
    """After a refused ``redeem_pairing_code``, in its transaction: how many live codes that
    wrong guess has just burnt (each reaches the cap exactly once)."""
    count = session.exec(
        select(func.count())
        .select_from(PairingCode)
        .where(
            col(PairingCode.used_at).is_(None),
            col(PairingCode.expires_at) > utcnow(),
            PairingCode.attempts == MAX_GUESSES_PER_CODE,
        )
    ).one()
    return int(count)


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


TOKEN_TTL_S = 1.0


class KnownTokens:
    """Devices recently authenticated, by token digest, so that a station's every request
    (a push, a pull per poke) is not a database read and a thread hop. The LAN server calls
    ``clear`` when the change bus says ``devices`` or ``stations`` were written: a revocation
    through this organiser (API, Setup tab) is refused at the very next request. A write by
    another process (``expresso devices revoke``) counts within ``ttl_s``. Only active
    devices are remembered. Thread-safe."""

    def __init__(
        self, *, ttl_s: float = TOKEN_TTL_S, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.ttl_s = ttl_s
        self._clock = clock
        self._lock = threading.Lock()
        self._known: dict[str, tuple[float, DeviceInfo]] = {}
        self.generation = 0  # bumped by ``clear``: a lookup begun before it is not kept

    def get(self, token: str) -> DeviceInfo | None:
        key = digest(token)
        with self._lock:
            found = self._known.get(key)
            if found is None:
                return None
            if self._clock() - found[0] >= self.ttl_s:
                del self._known[key]
                return None
            return found[1]

    def put(self, token: str, device: DeviceInfo | None, generation: int) -> None:
        """Remember what a lookup begun at ``generation`` found (unless cleared since)."""
        if device is None or not device.active:
            return
        with self._lock:
            if generation == self.generation:
                self._known[digest(token)] = (self._clock(), device)

    def clear(self) -> None:
        with self._lock:
            self._known.clear()
            self.generation += 1


LAST_SEEN_EVERY_S = 30.0


class Sightings:
    """Which devices are due a write of ``last_seen``: at most one per device every
    ``every_s``, decided in memory (a busy station makes several requests a second; its row is
    written twice a minute). Thread-safe: requests and sockets on the loop, tests anywhere."""

    def __init__(
        self, *, every_s: float = LAST_SEEN_EVERY_S, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.every_s = every_s
        self._clock = clock
        self._lock = threading.Lock()
        self._written: dict[int, float] = {}

    def due(self, device_ids: Iterable[int]) -> list[int]:
        """The devices among ``device_ids`` whose sighting must be written now (counted as
        written: the caller writes them)."""
        now = self._clock()
        with self._lock:
            due = sorted(
                {i for i in device_ids if now - self._written.get(i, -math.inf) >= self.every_s}
            )
            for device_id in due:
                self._written[device_id] = now
        return due

    def forget(self, device_ids: Iterable[int]) -> None:
        """The write failed: the next sighting of these devices is due at once."""
        with self._lock:
            for device_id in device_ids:
                self._written.pop(device_id, None)


def mark_seen(device_ids: Iterable[int], *, session: Session) -> None:
    """Stamp ``last_seen`` now on these devices (a revoked or deleted one is skipped). Written
    as ORM rows, so the writer's change set names ``devices`` and the Setup list refreshes."""
    now = utcnow()
    ids = sorted(set(device_ids))
    if not ids:
        return
    for device in session.exec(select(Device).where(col(Device.id).in_(ids))):
        if device.revoked_at is None:
            device.last_seen = now
            session.add(device)
    session.flush()


def revoked_among(device_ids: list[int], *, session: Session) -> set[int]:
    """Which of these devices are revoked (or gone): their live connections must close."""
    if not device_ids:
        return set()
    rows = session.exec(
        select(Device.id, Device.revoked_at).where(col(Device.id).in_(device_ids))
    ).all()
    alive = {i for i, revoked in rows if revoked is None}
    return set(device_ids) - alive


@dataclass(frozen=True, slots=True)
class Admission:
    """The guard's answer to one pairing attempt: go ahead (``wait_s == 0``, the guess is
    already counted) or wait ``wait_s`` seconds; ``lockout_began`` on the first refusal of an
    address's lockout (tell the organiser once, not forty times)."""

    wait_s: float
    lockout_began: bool = False


class PairingGuard:
    """In-memory limit on pairing guesses, per remote address only: one guesser can never lock
    out a station pairing from elsewhere (the code itself is guarded by its durable cap,
    ``MAX_GUESSES_PER_CODE``). An IPv6 address counts by its /64: one machine may have many.

    ``admit(address)`` checks *and counts* a guess in one step, under a lock, so concurrent
    guesses cannot all pass a check made before any of them was counted; ``succeeded(address)``
    gives a right code's guess back (pairing several stations from one laptop is normal).
    """

    def __init__(
        self,
        *,
        per_address: int = 5,
        window_s: float = 600.0,
        clock: Callable[[], float] = time.monotonic,
        max_addresses: int = 10_000,
    ) -> None:
        self.per_address, self.window_s = per_address, window_s
        self.max_addresses = max_addresses
        self._clock = clock
        self._lock = threading.Lock()
        self._by_address: dict[str, deque[float]] = {}
        self._locked_since: dict[str, float] = {}  # lockouts already reported

    def _trim(self, times: deque[float], now: float) -> None:
        while times and times[0] <= now - self.window_s:
            times.popleft()

    def admit(self, address: str) -> Admission:
        key = address_key(address)
        now = self._clock()
        with self._lock:
            mine = self._by_address.setdefault(key, deque())
            self._trim(mine, now)
            if len(mine) >= self.per_address:
                # A new lockout, unless the one reported is still the one in force (its
                # report came after the oldest guess that still counts).
                began = self._locked_since.get(key, -math.inf) < mine[0]
                if began:
                    self._locked_since[key] = now
                return Admission(mine[0] + self.window_s - now, lockout_began=began)
            mine.append(now)
            while len(self._by_address) > self.max_addresses:  # a flood of addresses
                oldest = next(iter(self._by_address))
                self._by_address.pop(oldest)
                self._locked_since.pop(oldest, None)
        return Admission(0.0)

    def succeeded(self, address: str) -> None:
        """The admitted guess was a right code: it does not count against the address."""
        with self._lock:
            mine = self._by_address.get(address_key(address))
            if mine:
                mine.pop()


def address_key(address: str) -> str:
    """What the guard counts by: the address, or an IPv6 address's /64 network."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:  # ::ffff:10.0.0.1 is 10.0.0.1
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)
