"""A station's first run and its logins, as its window needs them (Qt-free, blocking or async;
the window runs them through its op runner).

- ``pair_here``: pair with the organiser chosen on the first-run page (an mDNS advert: its
  address and the certificate it names; or a typed address; or a pasted QR text, which says
  both). A refusal is a ``PairingProblem`` naming the field it belongs beside and saying, in
  words, what went wrong and what to do.
- ``staff_list``: who can log in here (the replica's active staff) and who is logged in.
- ``log_in_here``: a PIN login (``sync/login.py``: the organiser checks it online; offline, the
  verifier this station kept) that makes that person the station's barista.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import sqlalchemy as sa

from expresso_desktop.core.errors import ValidationError
from expresso_desktop.errors import KnownError
from expresso_desktop.settings import AppPaths
from expresso_desktop.store import sync_rows

from . import barista, login
from .barista import Barista
from .http_transport import CertificateMismatch, HttpTransport, PairingRefused
from .replica import Replica, get
from .station import StationOptions, load_token, pair_station

QR_PREFIX = "expresso://"
CODE_LENGTH = 6  # what the organiser issues (services/devices.py)
PIN_CHECK_TIMEOUT_S = 5.0  # then the PIN is checked here, offline


class PairingProblem(ValidationError):
    """Pairing did not work. ``field``: "server" (the organiser) or "code"; ``code`` says
    which problem (``pairing_code_refused``, ``pairing_rate_limited``, ``pairing_certificate``,
    ``pairing_unreachable``, ``pairing_code_format``, ``pairing_no_organiser``)."""

    def __init__(self, code: str, reason: str, *, field: str) -> None:
        super().__init__(reason, field=field)
        self.code = code


@dataclass(frozen=True, slots=True)
class Paired:
    """Pairing worked: the organiser's address and what the code made of this device."""

    url: str
    role: str
    station_id: int | None


def is_qr_text(text: str) -> bool:
    return text.strip().startswith(QR_PREFIX)


def code_problem(text: str) -> str | None:
    """Why ``text`` cannot be a pairing code (None: it may be one, or it is a QR text)."""
    if is_qr_text(text):
        return None
    typed = "".join(ch for ch in text if ch.isalnum())
    if not typed:
        return "Type the 6-character pairing code the organiser shows."
    if len(typed) != CODE_LENGTH:
        return f"A pairing code has {CODE_LENGTH} letters and digits; this has {len(typed)}."
    return None


async def pair_here(replica: Replica, paths: AppPaths, options: StationOptions) -> Paired:
    """Pair with ``options.server`` (pinning ``options.fingerprint`` when the advert named it)
    using ``options.pair``, a code or a QR text (which then says the organiser itself)."""
    text = (options.pair or "").strip()
    if (problem := code_problem(text)) is not None:
        raise PairingProblem("pairing_code_format", problem, field="code")
    if is_qr_text(text):
        options = replace(options, server=None, fingerprint=None)  # the QR says both
    elif not options.server:
        raise PairingProblem(
            "pairing_no_organiser",
            "Choose an organiser from the list, or type its address.",
            field="server",
        )
    options = replace(options, pair=text)
    try:
        url = await pair_station(replica, paths, options)
    except KnownError as exc:
        raise _problem(exc, options.server) from exc
    station = replica.state("station_id")
    return Paired(url, replica.state("role") or "", int(station) if station else None)


def _problem(exc: KnownError, server: str | None) -> PairingProblem:
    cause, where = exc.__cause__, server or "that address"
    if isinstance(cause, PairingRefused) and cause.status == 429:
        return PairingProblem(
            "pairing_rate_limited",
            "Too many wrong codes from this station: wait a few minutes, then try again.",
            field="code",
        )
    if isinstance(cause, PairingRefused):
        return PairingProblem(
            "pairing_code_refused",
            "Wrong or expired code: check it against the organiser's screen. A code works "
            "once, for 10 minutes; if it has run out, show a new one there.",
            field="code",
        )
    if isinstance(cause, CertificateMismatch):
        return PairingProblem(
            "pairing_certificate",
            f"The machine at {where} is not showing the certificate that organiser "
            "advertised (fingerprint mismatch): it may not be the organiser. Check the "
            "certificate on the organiser's pairing screen, or type its address.",
            field="server",
        )
    if cause is None:  # no network involved: the address or the QR text cannot be used
        return PairingProblem("pairing_no_organiser", exc.message, field="server")
    return PairingProblem(
        "pairing_unreachable",
        f"Cannot reach the organiser at {where}: check that it is running and that this "
        "station is on the same network.",
        field="server",
    )


@dataclass(frozen=True, slots=True)
class StaffChoice:
    id: int
    name: str
    role: str


@dataclass(frozen=True, slots=True)
class StaffList:
    """Who can log in here: ``people`` by name; ``downloaded`` once the event has arrived (an
    empty list before it means "wait", after it "nobody is on the staff list"); ``barista``:
    who is logged in now."""

    people: tuple[StaffChoice, ...]
    downloaded: bool
    barista: Barista | None


def staff_list(replica: Replica) -> StaffList:
    """The active staff this station knows (downloaded with the event), by name."""
    t = sync_rows.table("staff_users")
    with replica.read() as conn:
        rows = conn.execute(
            sa.select(t.c.id, t.c.name, t.c.role).where(
                t.c.deleted == sa.false(), t.c.active == sa.true()
            )
        ).all()
        downloaded = get(conn, "epoch") is not None
        who = barista.read(conn)
    people = [StaffChoice(int(r.id), str(r.name), str(r.role or "")) for r in rows]
    return StaffList(
        tuple(sorted(people, key=lambda p: (p.name.casefold(), p.id))), downloaded, who
    )


def log_out(replica: Replica) -> Barista | None:
    """Nobody is this station's barista any more (returns who was)."""
    return barista.forget(replica)


@dataclass(frozen=True, slots=True)
class LoginAnswer:
    """How a login ended, and the line to show (who is logged in, or why not)."""

    result: login.Login
    line: str


async def log_in_here(
    replica: Replica, paths: AppPaths, person: StaffChoice, pin: str
) -> LoginAnswer:
    """``person``'s PIN, checked by the organiser this station is paired with (when it cannot
    be reached: here). When right, they are this station's barista from now on."""
    url, token = replica.state("server_url"), load_token(paths)
    fp_hex = (replica.state("fingerprint") or "").replace(":", "")
    fingerprint = bytes.fromhex(fp_hex) if fp_hex else None
    checker = (
        HttpTransport(url, token, fingerprint, timeout_s=PIN_CHECK_TIMEOUT_S)
        if url and token
        else None
    )
    try:
        result = await login.log_in(replica, checker, str(person.id), pin)
    finally:
        if checker is not None:
            await checker.close()
    return LoginAnswer(result, login.explain(result, person.name))
