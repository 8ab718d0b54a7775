"""``expresso devices pair|add|list|revoke``: the organiser's paired devices, on the data folder's
database (works whether or not the organiser is running).

``pair`` hands out where stations find the organiser, never a guess: ``--url`` if given, else
the address the running organiser wrote in its data folder (``lan.json``: it knows what it
really listens on), else the configured ``EXPRESSO_LAN_HOST``/``EXPRESSO_LAN_PORT``; when none
of those is known it says so and makes no code."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any

from expresso_desktop.errors import KnownError
from expresso_desktop.settings import AppPaths

ROLES = ("organiser", "barista", "runner", "display")


def add_devices_parser(sub: Any) -> None:
    devices = sub.add_parser("devices", help="pair stations, make tokens, list and revoke devices")
    actions = devices.add_subparsers(dest="devices_command", metavar="ACTION", required=True)
    pair = actions.add_parser("pair", help="print a one-time pairing code (valid 10 minutes)")
    pair.add_argument("--role", choices=ROLES, default="barista")
    pair.add_argument("--station", type=int, metavar="N", help="station number (baristas)")
    pair.add_argument("--qr", metavar="FILE", help="also write the QR image (.png or .svg)")
    pair.add_argument(
        "--url", help="the LAN URL stations use (default: the running organiser's address)"
    )
    add = actions.add_parser("add", help="add a device and print its token (for scripts)")
    add.add_argument("--name", required=True)
    add.add_argument("--role", choices=ROLES, required=True)
    add.add_argument("--station", type=int, metavar="N", help="station number (baristas)")
    actions.add_parser("list", help="list devices (JSON lines)")
    revoke = actions.add_parser("revoke", help="revoke a device: its token stops working")
    revoke.add_argument("device_id", type=int, metavar="ID")


def run_devices(paths: AppPaths, args: argparse.Namespace) -> int:
    from expresso_desktop.services import devices
    from expresso_desktop.services.organiser import build_organiser_services
    from expresso_desktop.store.engine import read_session, write_session

    services = build_organiser_services(paths)
    try:
        engine = services.engine
        command = args.devices_command
        if command == "list":
            with read_session(engine) as session:
                for d in devices.list_devices(session=session):
                    print(json.dumps(_device_json(d)))
            return 0
        if command == "revoke":
            with write_session(engine) as session:
                info = devices.revoke_device(args.device_id, session=session)
            if info is None:
                raise KnownError(f"there is no device {args.device_id}")
            print(json.dumps(_device_json(info)))
            return 0
        url, fingerprint = organiser_address(paths, args.url) if command == "pair" else ("", "")
        with write_session(engine) as session:
            station_id = None
            if args.station is not None:
                station_id = devices.station_id_for(
                    args.station, services.event_id, session=session
                )
            if command == "add":
                issued = devices.add_device(
                    session=session, name=args.name, role=args.role, station_id=station_id
                )
                print(issued.token)
                return 0
            code = devices.create_pairing_code(
                session=session, role=args.role, station_id=station_id
            )
        print(f"Pairing code: {code.code}  (role {code.role}, expires {code.expires_at:%H:%M} UTC)")
        print(f"Organiser: {url}")
        print(f"Certificate SHA-256: {fingerprint}")
        if args.qr:
            _write_qr(Path(args.qr), code.code, url, fingerprint)
            print(f"QR image: {args.qr}")
        return 0
    except Exception as exc:
        from expresso_desktop.core.errors import ValidationError

        if isinstance(exc, ValidationError):
            raise KnownError(exc.reason) from exc
        raise
    finally:
        services.close()


def organiser_address(paths: AppPaths, url: str | None) -> tuple[str, str]:
    """(URL, certificate fingerprint) stations must use: ``url`` if given, else the running
    organiser's (``lan.json``), else the configured LAN host and port. Raises ``KnownError``
    when nothing is known: a guessed address would pair stations with nobody."""
    from expresso_desktop.server.lan_server import DEFAULT_LAN_PORT, read_lan_runtime
    from expresso_desktop.server.tls import ensure_identity

    running = read_lan_runtime(paths.data_dir)
    if url is None and running is not None:
        return running.url, running.fingerprint
    url = url or _configured_url(DEFAULT_LAN_PORT)
    if url is None:
        raise KnownError(
            f"no organiser is running with the data folder {paths.data_dir}, so its address "
            "is not known",
            hint="start it (expresso serve, or the window) or pass --url https://HOST:PORT",
        )
    if running is not None:
        return url.rstrip("/"), running.fingerprint
    # Not running: the certificate it will serve is the data folder's (made now if none).
    return url.rstrip("/"), ensure_identity(paths.data_dir, need_chain=False).fingerprint_hex


def _configured_url(default_port: int) -> str | None:
    """The LAN address set in the environment (what ``serve`` listens on by default); None
    for none, or for one that names no single address (all interfaces, any free port)."""
    host = os.environ.get("EXPRESSO_LAN_HOST", "").strip()
    port = os.environ.get("EXPRESSO_LAN_PORT", "").strip() or str(default_port)
    if host in ("", "0.0.0.0", "::") or not port.isdigit() or int(port) == 0:
        return None
    return f"https://[{host}]:{port}" if ":" in host else f"https://{host}:{port}"


def _write_qr(path: Path, code: str, url: str, fingerprint: str) -> None:
    from expresso_desktop.services.pairing import pairing_payload, qr_png, qr_svg

    payload = pairing_payload(code, url, fingerprint)
    if path.suffix.lower() == ".svg":
        path.write_text(qr_svg(payload), encoding="utf-8")
    else:
        path.write_bytes(qr_png(payload))


def _device_json(d: Any) -> dict[str, Any]:
    return {
        "id": d.id,
        "name": d.name,
        "role": d.role,
        "station_number": d.station_number,
        "created_at": d.created_at.isoformat(),
        "last_seen": d.last_seen.isoformat() if d.last_seen else None,
        "revoked_at": d.revoked_at.isoformat() if d.revoked_at else None,
    }
