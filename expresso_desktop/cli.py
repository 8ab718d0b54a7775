"""Command line: parses arguments and picks the mode once. Output to stdout is the CLI's only
``print``; everything else logs."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Iterable, Sequence

from expresso_desktop import __version__
from expresso_desktop.errors import KnownError
from expresso_desktop.settings import AppPaths, Mode

log = logging.getLogger(__name__)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="expresso",
        description="Expresso: SMS coffee ordering for events. Runs the organiser by default.",
    )
    parser.add_argument("--version", action="version", version=f"Expresso {__version__}")
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        help="where the app keeps its database and logs (default: the per-user data folder)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    sub.add_parser("organiser", help="run the organiser window (the default)")
    sub.add_parser("barista", help="run a barista station window")

    serve = sub.add_parser("serve", help="run the organiser's services headless (no window)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--webhook-port", type=int, default=8787, help="port for /health and /sms")

    parse = sub.add_parser(
        "parse-sms",
        help="parse customer texts; prints one JSON object per text",
        description="Prints one JSON object per TEXT, one per line. With no TEXT, reads one "
        "message per line from standard input.",
    )
    parse.add_argument("texts", nargs="*", metavar="TEXT")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    command = args.command or "organiser"
    try:
        if command == "parse-sms":
            return _parse_sms(args.texts)
        paths = AppPaths.resolve(args.data_dir).ensure()
        from expresso_desktop.logs import configure_logging

        configure_logging(paths.log_dir, verbose=args.verbose)
        if command == "serve":
            from expresso_desktop.server.headless import ServeOptions, run_headless

            return run_headless(paths, ServeOptions(host=args.host, webhook_port=args.webhook_port))
        from expresso_desktop.app import run_gui

        return run_gui(Mode(command), paths)
    except KnownError as exc:
        print(f"expresso: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        # Imported here: parse-sms must not pay for SQLAlchemy at start-up.
        from expresso_desktop.store.errors import StoreError

        if isinstance(exc, StoreError):
            print(f"expresso: {exc}", file=sys.stderr)
            return 2
        raise


def _parse_sms(texts: Iterable[str]) -> int:
    from expresso_desktop.core.sms_parser import parse_sms

    if not texts:
        # Undecodable bytes must not stop the stream: replace them and parse the rest.
        stdin = open(sys.stdin.fileno(), encoding="utf-8", errors="replace", closefd=False)  # noqa: SIM115
        texts = (line.rstrip("\r\n") for line in stdin)
    out = sys.stdout
    for text in texts:
        out.write(json.dumps(parse_sms(text).to_dict(), ensure_ascii=False) + "\n")
    out.flush()
    return 0
