"""Command line: parses arguments and picks the mode once. Output to stdout is the CLI's only
``print``; everything else logs."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, NoReturn

from expresso_desktop import __version__
from expresso_desktop.cli.board import add_board_parser, run_board
from expresso_desktop.cli.devices import add_devices_parser, run_devices
from expresso_desktop.cli.gateway import add_gateway_parser, run_gateway
from expresso_desktop.cli.privacy import add_privacy_parser, run_purge
from expresso_desktop.cli.station import (
    add_barista_options,
    add_station_parser,
    run_station_cli,
    run_station_headless,
    station_options,
)
from expresso_desktop.cli.twilio import add_twilio_parser, run_twilio
from expresso_desktop.errors import KnownError
from expresso_desktop.settings import AppPaths, Mode

if TYPE_CHECKING:
    from expresso_desktop.server.options import ServeOptions

log = logging.getLogger(__name__)


class Parser(argparse.ArgumentParser):
    """Every parser of the command line (subcommands inherit the class): a bad argument is one
    line saying what is wrong and where the help is, not the usage block."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = Parser(
        prog="expresso",
        description="Expresso: SMS coffee ordering for events. Runs the organiser by default.",
    )
    parser.add_argument("--version", action="version", version=f"Expresso {__version__}")
    _add_common_options(parser, default=None)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    organiser = sub.add_parser("organiser", help="run the organiser window (the default)")
    _add_server_options(organiser)
    barista = sub.add_parser("barista", help="run a barista station window")
    add_barista_options(barista)
    add_board_parser(sub)
    add_station_parser(sub)
    serve = sub.add_parser("serve", help="run the organiser's services headless (no window)")
    _add_server_options(serve)

    sim = sub.add_parser(
        "sms-sim",
        help="text a running organiser from a simulated phone; prints the reply",
        description="Sends each TEXT as an SMS from --from to the organiser running on this data "
        "folder, signed exactly as Twilio signs, and prints the replies. --inbox shows the "
        "texts this phone sent and received.",
    )
    sim.add_argument("texts", nargs="*", metavar="TEXT")
    sim.add_argument("--from", dest="phone", default="+61400000001", metavar="NUMBER")
    sim.add_argument("--url", help="the organiser's webhook URL (default: from the data folder)")
    sim.add_argument("--inbox", action="store_true", help="show this phone's texts")

    add_twilio_parser(sub)
    add_gateway_parser(sub)
    add_devices_parser(sub)

    parse = sub.add_parser(
        "parse-sms",
        help="parse customer texts; prints one JSON object per text",
        description="Prints one JSON object per TEXT, one per line. With no TEXT, reads one "
        "message per line from standard input.",
    )
    parse.add_argument("texts", nargs="*", metavar="TEXT")
    add_privacy_parser(sub)
    _everywhere(parser)
    return parser


def _add_common_options(parser: argparse.ArgumentParser, *, default: object) -> None:
    """``--data-dir`` and ``-v``. Below the top level they default to SUPPRESS: given after a
    command they win over the value before it, absent they leave it alone."""
    given = parser._option_string_actions
    if "--data-dir" not in given:
        parser.add_argument(
            "--data-dir",
            metavar="DIR",
            default=default,
            help="where the app keeps its database and logs (default: the per-user data folder)",
        )
    if "--verbose" not in given:
        verbose_default = False if default is None else default
        parser.add_argument(
            "-v", "--verbose", action="store_true", default=verbose_default, help="debug logging"
        )


def _everywhere(parser: argparse.ArgumentParser) -> None:
    """The common options on every command and sub-command, wherever they were declared
    (``expresso serve --data-dir D``, ``expresso station status --data-dir D -v``)."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for command in {id(p): p for p in action.choices.values()}.values():
                _add_common_options(command, default=argparse.SUPPRESS)
                _everywhere(command)


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (0-65535)")
    return port


def _add_server_options(serve: argparse.ArgumentParser) -> None:
    """The organiser's listeners: the same for the window and for headless ``serve``."""
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--webhook-port", type=_port, default=8787, help="port for /health and /sms")
    serve.add_argument(
        "--public-url",
        metavar="URL",
        help="the base URL Twilio calls (e.g. a tunnel's https://...); webhook signatures are "
        "checked against it",
    )
    serve.add_argument("--demo", action="store_true", help="seed a sample event first")
    serve.add_argument(
        "--lan-host",
        default=os.environ.get("EXPRESSO_LAN_HOST", "0.0.0.0"),
        help="address of the stations' HTTPS API (default: all)",
    )
    serve.add_argument(
        "--lan-port",
        type=_port,
        default=os.environ.get("EXPRESSO_LAN_PORT") or 8443,  # argparse checks a string default
        help="port of the stations' HTTPS API (default 8443)",
    )
    serve.add_argument(
        "--mdns-interface",
        nargs="+",
        default=os.environ.get("EXPRESSO_MDNS_INTERFACES", "").split() or None,
        metavar="IP",
        help="advertise on these interface addresses only (default: all)",
    )
    serve.add_argument("--no-mdns", action="store_true", help="do not advertise on the LAN")
    serve.add_argument(
        "--simulate-customers",
        type=float,
        default=0.0,
        metavar="RATE",
        help="text random orders through the simulator, RATE per minute",
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    command = args.command or "organiser"
    try:
        if command == "parse-sms":
            return _parse_sms(args.texts)
        if command == "twilio":
            return run_twilio(args)
        if command == "gateway":
            return run_gateway(args)
        paths = _data_folder(args.data_dir)
        from expresso_desktop.logs import configure_logging

        configure_logging(paths.log_dir, verbose=args.verbose)
        if command == "serve":
            from expresso_desktop.server.headless import run_headless

            options = _serve_options(args)
            return run_headless(paths, options)
        if command == "devices":
            return run_devices(paths, args)
        if command == "station":
            return run_station_cli(paths, args)
        if command == "purge-customer-data":
            return run_purge(paths, args)
        if command == "board":
            return run_board(paths, args)
        if command == "barista" and args.headless:
            return run_station_headless(paths, station_options(args))
        if command == "sms-sim":
            return _sms_sim(paths, args.phone, args.texts, url=args.url, show_inbox=args.inbox)
        from expresso_desktop.app import run_gui

        if command == "organiser" and args.command is None:
            # No subcommand at all: the organiser with its defaults.
            given = list(sys.argv[1:] if argv is None else argv)
            args = build_parser().parse_args([*given, "organiser"])
        if command == "organiser":
            return run_gui(Mode.ORGANISER, paths, _serve_options(args))
        return run_gui(Mode.BARISTA, paths, station_options(args))
    except KnownError as exc:
        return _refuse(exc.message, exc.hint)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        return _refuse_expected(exc)


def _refuse(message: str, hint: str | None = None) -> int:
    """A refusal is one line: what is wrong, then what to do."""
    line = f"{message}; {hint}" if hint else message
    print(f"expresso: {' '.join(line.split())}", file=sys.stderr)
    return 2


def _refuse_expected(exc: Exception) -> int:
    """Refusals that are not ``KnownError``s: a rule said no (``DomainError``), the database
    (``StoreError``), or a file we were told to use (an ``OSError`` naming it). Anything else
    is a bug: raised, with its traceback."""
    # Imported here: parse-sms must not pay for SQLAlchemy at start-up.
    from expresso_desktop.core.errors import DomainError
    from expresso_desktop.store.errors import StoreError

    if isinstance(exc, DomainError):
        return _refuse(exc.reason)
    if isinstance(exc, StoreError):
        return _refuse(str(exc))
    if isinstance(exc, OSError) and exc.filename is not None:
        log.debug("refused: %s", exc, exc_info=exc)
        return _refuse(f"cannot use {exc.filename}: {exc.strerror or exc}")
    raise exc


def _data_folder(data_dir: str | None) -> AppPaths:
    paths = AppPaths.resolve(data_dir)
    try:
        return paths.ensure()
    except OSError as exc:
        raise KnownError(
            f"cannot use {paths.data_dir} as the data folder ({exc.strerror or exc})",
            hint="pass --data-dir with a folder you can write to",
        ) from exc


def _serve_options(args: argparse.Namespace) -> ServeOptions:
    from expresso_desktop.server.options import ServeOptions

    return ServeOptions(
        host=args.host,
        webhook_port=args.webhook_port,
        public_url=_public_url(args.public_url),
        demo=args.demo,
        simulate_customers=max(0.0, args.simulate_customers),
        lan_host=args.lan_host,
        lan_port=args.lan_port,
        mdns_interfaces=tuple(args.mdns_interface or ()),
        mdns=not args.no_mdns,
    )


def _public_url(url: str | None) -> str | None:
    if url is None:
        return None
    url = url.strip().rstrip("/")
    if not url.startswith(("https://", "http://")):
        raise KnownError(f"--public-url must start with https:// or http://, not {url!r}")
    return url


def _sms_sim(
    paths: AppPaths, phone: str, texts: Sequence[str], *, url: str | None, show_inbox: bool
) -> int:
    import asyncio

    from expresso_desktop.sms import simulator

    if show_inbox:
        from expresso_desktop.store.engine import open_database

        if not paths.master_db.exists():
            raise KnownError(f"no organiser database in {paths.data_dir}")
        engine = open_database(paths.master_db, role="master")
        try:
            for row in simulator.inbox(engine, phone):
                print(simulator.inbox_line(row))
        finally:
            engine.dispose()
        return 0
    if not texts:
        raise KnownError("nothing to send", hint='e.g. expresso sms-sim "large latte for Sam"')
    target = simulator.Target.for_data_dir(paths.data_dir, url)
    for replies in asyncio.run(simulator.send_texts(target, phone, texts)):
        print("\n".join(replies) if replies else "(no reply)", flush=True)
    return 0


def _parse_sms(texts: Iterable[str]) -> int:
    from expresso_desktop.core.sms.parser import parse_sms

    if not texts:
        # Undecodable bytes must not stop the stream: replace them and parse the rest.
        stdin = open(sys.stdin.fileno(), encoding="utf-8", errors="replace", closefd=False)  # noqa: SIM115
        texts = (line.rstrip("\r\n") for line in stdin)
    out = sys.stdout
    for text in texts:
        out.write(json.dumps(parse_sms(text).to_dict(), ensure_ascii=False) + "\n")
    out.flush()
    return 0
