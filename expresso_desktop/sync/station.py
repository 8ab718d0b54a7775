"""A barista station without a window (``expresso barista --headless``): pair once, then keep
the replica in sync until stopped. The window (later) runs the same pieces.

Pairing stores what is not secret in ``sync_state`` (organiser URL, certificate fingerprint,
station id, role) and the device token in the OS keyring. Where no keyring works (a headless
kiosk, CI) the token goes to ``station-token`` in the data folder, readable by its owner only —
like the organiser's TLS key; ``EXPRESSO_STATION_TOKEN`` overrides both.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
from collections.abc import Callable
from urllib.parse import parse_qs, urlparse

from expresso_desktop.core.lan import normal_fingerprint
from expresso_desktop.errors import KnownError
from expresso_desktop.lifecycle import exit_promptly
from expresso_desktop.settings import AppPaths

from .discovery import choose_organiser, discover
from .engine import SyncEngine
from .events import LinkChanged, Notice
from .http_transport import HttpTransport, pair
from .organiser_watch import follow, stop_following
from .replica import Replica, new_identity, put
from .runner import SyncRunner
from .station_options import StationOptions
from .transport import TransportError

log = logging.getLogger(__name__)

TOKEN_ENV = "EXPRESSO_STATION_TOKEN"
TOKEN_FILE = "station-token"
KEYRING_SERVICE = "Expresso station"


# -- the token ------------------------------------------------------------------------------


def save_token(paths: AppPaths, token: str) -> None:
    try:
        import keyring

        keyring.set_password(KEYRING_SERVICE, str(paths.data_dir), token)
        if keyring.get_password(KEYRING_SERVICE, str(paths.data_dir)) == token:
            return
    except Exception as exc:  # no usable keyring here: fall back to the file
        log.info("no keyring (%s); keeping the station token in the data folder", exc)
    path = paths.data_dir / TOKEN_FILE
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(token)
    os.chmod(path, 0o600)


def load_token(paths: AppPaths) -> str | None:
    if os.environ.get(TOKEN_ENV):
        return os.environ[TOKEN_ENV]
    with contextlib.suppress(Exception):
        import keyring

        token = keyring.get_password(KEYRING_SERVICE, str(paths.data_dir))
        if token:
            return token
    path = paths.data_dir / TOKEN_FILE
    return path.read_text(encoding="utf-8").strip() if path.exists() else None


# -- pairing and finding the organiser ------------------------------------------------------


def parse_pairing(text: str, server: str | None, fingerprint: str | None) -> tuple[str, str, str]:
    """(code, url, fingerprint hex) from a bare code plus --server, or a QR payload."""
    if text.startswith("expresso://"):
        query = parse_qs(urlparse(text).query)
        code = query.get("code", [""])[0]
        server = server or query.get("url", [None])[0]
        fingerprint = fingerprint or query.get("fp", [None])[0]
    else:
        code = text
    if not server:
        raise KnownError(
            "pairing needs the organiser's address", hint="add --server https://HOST:PORT"
        )
    return code, server, fingerprint or ""


async def pair_station(replica: Replica, paths: AppPaths, options: StationOptions) -> str:
    assert options.pair is not None
    code, url, fp_hex = parse_pairing(options.pair, options.server, options.fingerprint)
    fingerprint = bytes.fromhex(fp_hex.replace(":", "")) if fp_hex else None
    name = options.name or f"{socket.gethostname()} station"
    try:
        answer, pinned = await pair(url, code, name, fingerprint)
    except TransportError as exc:
        raise KnownError(str(exc)) from exc
    save_token(paths, answer["token"])
    device = answer["device"]
    with replica.write() as conn:
        # A new device gets a sync id of its own: the old one stays bound to the old token
        # (and may be shared with a copy of this folder). Unsent taps move over to it.
        again = new_identity(conn)
        put(conn, "server_url", url.rstrip("/"))
        put(conn, "fingerprint", pinned.hex())
        put(conn, "device_id", str(device["id"]))
        put(conn, "role", device["role"])
        put(conn, "device_name", device["name"])
        if device.get("station_id") is not None:
            put(conn, "station_id", str(device["station_id"]))
    log.info("paired with %s as device %s (%d unsent taps kept)", url, device["id"], again)
    return url


async def locate(replica: Replica, options: StationOptions) -> str:
    if options.server:
        return options.server.rstrip("/")
    stored = replica.state("server_url")
    if stored:
        return stored
    paired = normal_fingerprint(replica.state("fingerprint"))
    found = await discover(
        3.0,
        options.mdns_interfaces or None,
        match=(lambda seen: seen.fingerprint == paired) if paired else None,
        first=bool(paired),  # ours answered: no need to listen to the others
    )
    chosen = choose_organiser(found, paired, replica.epoch)
    if chosen is None:
        raise KnownError("no organiser found", hint="pair with --server URL --pair CODE")
    return chosen.url


# -- running --------------------------------------------------------------------------------


FAULT_ENV = "SYNC_FAULT"  # test hook: SIGKILL this station at a point (e.g. pull:applied)


def _fault_hook() -> Callable[[str], None] | None:
    wanted = os.environ.get(FAULT_ENV)
    if not wanted:
        return None

    def hit(point: str) -> None:
        if point == wanted:
            log.error("%s=%s: killing the station now", FAULT_ENV, point)
            os.kill(os.getpid(), signal.SIGKILL)

    return hit


def run_headless(paths: AppPaths, options: StationOptions) -> int:
    replica = Replica(paths.replica_db, fault=_fault_hook())
    try:
        asyncio.run(_main(replica, paths, options))
    finally:
        replica.close()
    exit_promptly()
    return 0


async def _main(replica: Replica, paths: AppPaths, options: StationOptions) -> None:
    if options.pair:
        await pair_station(replica, paths, options)
    url = await locate(replica, options)
    token = load_token(paths)
    if token is None:
        raise KnownError("this station is not paired", hint="run it with --server URL --pair CODE")
    fp_hex = replica.state("fingerprint") or options.fingerprint or ""
    fingerprint = bytes.fromhex(fp_hex.replace(":", "")) if fp_hex else None
    transport = HttpTransport(url, token, fingerprint)
    engine = SyncEngine(replica, transport, on_notice=_tell)
    runner = SyncRunner(engine, on_status=_status)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    with replica.write() as conn:
        put(conn, "server_url", url)
    # Printed, not logged: scripts and tests wait for this line.
    print(f"Expresso station {replica.client_id} syncing with {url}", flush=True)
    following = follow(fp_hex, runner.reconnect, options.mdns_interfaces or None)
    try:
        await runner.run(stop)
    finally:
        await stop_following(following)


def _tell(notice: Notice) -> None:
    log.warning("%s", notice.message)
    print(f"Expresso notice: {notice.kind}: {notice.message}", flush=True)


def _status(link: LinkChanged) -> None:
    state = "online" if link.online else "offline"
    print(f"Expresso station {state} {link.detail}".rstrip(), flush=True)
