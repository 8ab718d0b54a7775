"""The command line of a station: ``barista --headless`` options and the ``station`` commands.

Kept out of ``cli/main.py`` (which only wires them) and cheap to import: the heavy modules load when
a station command actually runs.
"""

from __future__ import annotations

import argparse
import json
import os
from typing import Any

from expresso_desktop.settings import AppPaths

__all__ = [
    "add_barista_options",
    "add_station_parser",
    "run_station_cli",
    "run_station_headless",
    "station_options",
]


def _data_dir(parser: argparse.ArgumentParser) -> None:
    # Also after the command, as the issue writes it: `station --data-dir D orders`.
    parser.add_argument(
        "--data-dir", metavar="DIR", default=argparse.SUPPRESS, help="the station's data folder"
    )


def add_barista_options(barista: argparse.ArgumentParser) -> None:
    _data_dir(barista)
    barista.add_argument(
        "--headless", action="store_true", help="run the station's sync without a window"
    )
    barista.add_argument("--server", metavar="URL", help="the organiser, https://HOST:PORT")
    barista.add_argument(
        "--pair",
        metavar="CODE",
        help="pair this station with a one-time code (or the QR text expresso://pair?...)",
    )
    barista.add_argument(
        "--fingerprint", metavar="SHA256", help="the organiser's certificate fingerprint to pin"
    )
    barista.add_argument("--name", help="this station's device name on the organiser")
    barista.add_argument(
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
    _data_dir(station)
    actions = station.add_subparsers(dest="station_command", metavar="COMMAND", required=True)
    orders = actions.add_parser("orders", help="this station's orders")
    orders.add_argument("--json", action="store_true")
    orders.add_argument("--all", action="store_true", help="every station's, every status")
    for verb in ("start", "ready", "collect"):
        actions.add_parser(verb, help=f"{verb} an order").add_argument("id", metavar="ID")
    cancel = actions.add_parser("cancel", help="cancel an order")
    cancel.add_argument("id", metavar="ID")
    cancel.add_argument("--reason", required=True)
    walk_in = actions.add_parser("walk-in", help='take a walk-in order: "large oat latte"')
    walk_in.add_argument("text")
    walk_in.add_argument("--name")
    consume = actions.add_parser("consume", help="record stock used: ITEM (name or id) QTY")
    consume.add_argument("item")
    consume.add_argument("qty", type=float)
    status = actions.add_parser("status", help="sync status")
    status.add_argument("--json", action="store_true")


def station_options(args: argparse.Namespace) -> Any:
    from expresso_desktop.sync.station import StationOptions

    return StationOptions(
        server=args.server,
        pair=args.pair,
        fingerprint=args.fingerprint,
        name=args.name,
        mdns_interfaces=tuple(args.mdns_interface or ()),
    )


def run_station_headless(paths: AppPaths, options: Any) -> int:
    from expresso_desktop.sync.station import run_headless

    return run_headless(paths, options)


def run_station_cli(paths: AppPaths, args: argparse.Namespace) -> int:
    from expresso_desktop.core.errors import DomainError
    from expresso_desktop.errors import KnownError
    from expresso_desktop.sync import outbox
    from expresso_desktop.sync.replica import Replica

    if not paths.replica_db.exists():
        raise KnownError(f"no station in {paths.data_dir}", hint="pair it: barista --headless")
    replica = Replica(paths.replica_db)
    try:
        outbox.ensure_rebased(replica)
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
    if command in ("start", "ready", "collect", "cancel"):
        number, seq = q.act(replica, command, args.id, getattr(args, "reason", None))
        print(f"{command} {number}: queued (#{seq})")
        return 0
    if command == "walk-in":
        print(json.dumps(q.walk_in(replica, args.text, args.name)))
        return 0
    if command == "consume":
        print(q.consume(replica, args.item, args.qty))
        return 0
    raise SystemExit(f"unknown command {command}")  # pragma: no cover - argparse refuses first


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
