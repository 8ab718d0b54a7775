"""``expresso board``: the customer ready board on a display device (its own replica in the
data folder's ``board`` folder; pairs with a ``display`` code). Cheap to import: Qt loads when
the board runs."""

from __future__ import annotations

import argparse
from typing import Any

from expresso_desktop.cli.station import add_link_options, station_options
from expresso_desktop.settings import AppPaths, Mode

__all__ = ["add_board_parser", "run_board"]


def add_board_parser(sub: Any) -> None:
    board = sub.add_parser(
        "board",
        help="run a customer ready board (a display paired with the organiser)",
        description="A full-screen board of the orders ready for pickup: number and first name, "
        "newest first. Pair it once with a code the organiser shows for a Ready board "
        "(Setup → Pair a station → Device: Ready board).",
    )
    add_link_options(board, "board")
    board.add_argument(
        "--station", type=_station_number, metavar="N", help="show station N's orders only"
    )
    screen = board.add_mutually_exclusive_group()
    screen.add_argument(
        "--fullscreen", dest="fullscreen", action="store_true", default=True,
        help="fill the screen (the default; F11 toggles, Esc leaves)",
    )  # fmt: skip
    screen.add_argument(
        "--windowed", dest="fullscreen", action="store_false", help="open in a window"
    )


def run_board(paths: AppPaths, args: argparse.Namespace) -> int:
    from expresso_desktop.app import run_gui
    from expresso_desktop.sync.station_options import BoardOptions

    options = BoardOptions(
        station=station_options(args), station_number=args.station, fullscreen=args.fullscreen
    )
    return run_gui(Mode.BOARD, paths, options)


def _station_number(text: str) -> int:
    try:
        number = int(text)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a station number (1, 2, ...)")
    return number
