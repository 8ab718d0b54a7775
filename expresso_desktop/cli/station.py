"""The command line of a station: ``barista --headless`` options and the ``station`` commands.

Kept out of ``cli/main.py`` (which only wires them) and cheap to import: the heavy modules load when
a station command actually runs.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from expresso_desktop.settings import AppPaths
from expresso_desktop.sync.station_options import StationOptions

__all__ = [
    "add_barista_options",
    "add_link_options",
    "add_station_parser",
    "run_station_cli",
    "run_station_headless",
    "station_options",
]


def add_barista_options(barista: argparse.ArgumentParser) -> None:
    # --data-dir and -v are accepted after every command (cli/main.py adds them).
    barista.add_argument(
        "--headless", action="store_true", help="run the station's sync without a window"
    )
    add_link_options(barista, "station")


def add_link_options(parser: argparse.ArgumentParser, device: str) -> None:
    """How a device (a ``station``, a ``board``) reaches its organiser and pairs with it: the
    options ``station_options`` reads."""
    parser.add_argument("--server", metavar="URL", help="the organiser, https://HOST:PORT")
    parser.add_argument(
        "--pair",
        metavar="CODE",
        help=f"pair this {device} with a one-time code (or the QR text expresso://pair?...)",
    )
    parser.add_argument(
        "--fingerprint", metavar="SHA256", help="the organiser's certificate fingerprint to pin"
    )
    parser.add_argument("--name", help=f"this {device}'s device name on the organiser")
    parser.add_argument(
        "--mdns-interface",
        nargs="+",
        default=os.environ.get("EXPRESSO_MDNS_INTERFACES", "").split() or None,
        metavar="IP",
        help="look for the organiser on these interface addresses only (default: all)",
    )


def add_station_parser(sub: Any) -> None:
    station = sub.add_parser(
        "station",
        help="act on this station's orders and stock (works offline)",
        description="Acts on the station's local copy through its outbox; the running station "
        "(barista --headless) sends the changes to the organiser.",
    )
    actions = station.add_subparsers(dest="station_command", metavar="COMMAND", required=True)
    orders = actions.add_parser("orders", help="this station's orders")
    orders.add_argument("--json", action="store_true")
    orders.add_argument("--all", action="store_true", help="every station's, every status")
    for verb in ("start", "ready", "collect"):
        actions.add_parser(verb, help=f"{verb} an order").add_argument("id", metavar="ID")
    actions.add_parser("undo", help="take back the last tap on an order").add_argument(
        "id", metavar="ID"
    )
    login = actions.add_parser("login", help="log in at this station with your PIN")
    login.add_argument("who", metavar="NAME_OR_ID")
    login.add_argument("--pin-stdin", action="store_true", help="read the PIN from stdin")
    actions.add_parser("logout", help="log the barista out of this station")
    actions.add_parser("whoami", help="who is logged in at this station")
    cancel = actions.add_parser("cancel", help="cancel an order")
    cancel.add_argument("id", metavar="ID")
    cancel.add_argument("--reason", required=True)
    walk_in = actions.add_parser("walk-in", help='take a walk-in order: "large oat latte"')
    walk_in.add_argument("text")
    walk_in.add_argument("--name")
    consume = actions.add_parser("consume", help="record stock used: ITEM (name or id) QTY")
    consume.add_argument("item")
    consume.add_argument("qty", type=float)
    actions.add_parser("stock", help="this station's stock levels").add_argument(
        "--json", action="store_true"
    )
    for verb, what in (("out", "out: routing and the menu skip it here"), ("in", "back in")):
        actions.add_parser(verb, help=f"mark an item (name or id) {what}").add_argument("item")
    status = actions.add_parser("status", help="sync status")
    status.add_argument("--json", action="store_true")


def station_options(args: argparse.Namespace) -> StationOptions:
    """The options ``add_link_options`` added, as the station's sync takes them."""
    return StationOptions(
        server=args.server,
        pair=args.pair,
        fingerprint=args.fingerprint,
        name=args.name,
        mdns_interfaces=tuple(args.mdns_interface or ()),
    )


def run_station_headless(paths: AppPaths, options: StationOptions) -> int:
    from expresso_desktop.sync.station import run_headless

    return run_headless(paths, options)


def run_station_cli(paths: AppPaths, args: argparse.Namespace) -> int:
    from expresso_desktop.core.errors import DomainError
    from expresso_desktop.errors import KnownError
    from expresso_desktop.sync import outbox
    from expresso_desktop.sync.replica import Replica

    if not paths.replica_db.exists():
        raise KnownError(
            f"no station in {paths.data_dir}",
            hint="pair it: expresso barista --headless --server URL --pair CODE",
        )
    replica = Replica(paths.replica_db)
    try:
        outbox.ensure_rebased(replica)
        if args.station_command in ("login", "logout", "whoami"):
            return _login_command(replica, paths, args)
        return _run(replica, args)
    except DomainError as exc:
        raise KnownError(exc.reason) from exc
    finally:
        replica.close()


def _run(replica: Any, args: argparse.Namespace) -> int:
    from expresso_desktop.sync import station_queries as q

    command = args.station_command
    if command == "status":
        return _print(q.status(replica), as_json=args.json)
    if command == "orders":
        return _print(q.list_orders(replica, every=args.all), as_json=args.json)
    if command in ("start", "ready", "collect", "cancel", "undo"):
        number, seq = q.act(replica, command, args.id, getattr(args, "reason", None))
        print(f"{command} {number}: queued (#{seq})")
        return 0
    if command == "walk-in":
        print(json.dumps(q.walk_in(replica, args.text, args.name)))
        return 0
    if command == "consume":
        print(q.consume(replica, args.item, args.qty))
        return 0
    if command == "stock":
        rows = q.stock_levels(replica)
        print(json.dumps(rows) if args.json else "\n".join(map(q.stock_line, rows)))
        return 0
    if command in ("out", "in"):
        print(q.mark_out(replica, args.item, out=command == "out"))
        return 0
    raise SystemExit(f"unknown command {command}")  # pragma: no cover - argparse refuses first


def _login_command(replica: Any, paths: AppPaths, args: argparse.Namespace) -> int:
    """``station login NAME_OR_ID`` / ``logout`` / ``whoami``: who this station's taps are
    recorded for (``sync/login.py``, ``sync/barista.py``)."""
    import asyncio
    import getpass

    from expresso_desktop.errors import KnownError
    from expresso_desktop.sync import barista, login

    if args.station_command == "whoami":
        who = barista.current(replica)
        print(f"{who.name} (staff id {who.id})" if who else "nobody is logged in here")
        return 0
    if args.station_command == "logout":
        who = barista.forget(replica)
        print(f"logged out {who.name}" if who else "nobody was logged in")
        return 0
    person = login.find_staff(replica, args.who)
    if args.pin_stdin:
        pin = sys.stdin.readline().strip()
    else:
        pin = getpass.getpass(f"PIN for {person['name']}: ")
    result = asyncio.run(_log_in(replica, paths, args.who, pin))
    line = login.explain(result, person["name"])
    if not result.ok:
        raise KnownError(line)
    print(line)
    return 0


async def _log_in(replica: Any, paths: AppPaths, who: str, pin: str) -> Any:
    """The PIN checked by the organiser this station is paired with (offline: here)."""
    from expresso_desktop.sync import login
    from expresso_desktop.sync.http_transport import HttpTransport
    from expresso_desktop.sync.station import load_token

    url, token = replica.state("server_url"), load_token(paths)
    fingerprint = bytes.fromhex((replica.state("fingerprint") or "").replace(":", "")) or None
    checker = HttpTransport(url, token, fingerprint, timeout_s=5) if url and token else None
    try:
        return await login.log_in(replica, checker, who, pin)
    finally:
        if checker is not None:
            await checker.close()


def _print(data: Any, *, as_json: bool) -> int:
    if as_json:
        print(json.dumps(data, default=str))
    elif isinstance(data, list):
        for row in data:
            items = ", ".join(i["drink"] for i in row["items"])
            who = row["customer_name"] or ""
            print(f"{row['number'] or '(new)':>6}  {row['status']:<11} {who}: {items}")
    else:
        for key, value in data.items():
            print(f"{key}: {value}")
    return 0
