"""``expresso purge-customer-data [--yes]``: after the event, remove customers' phone numbers and
what they texted from the organiser's database, keeping the counts reports are made of."""

from __future__ import annotations

import argparse
import sys
from typing import Any, TextIO

from expresso_desktop.errors import KnownError
from expresso_desktop.settings import AppPaths

WARNING = (
    "This removes every customer's phone number and the text of every message from {db}.\n"
    "Counts (orders, texts per direction, status and hour) are kept; the copies taken before\n"
    "upgrades ({db}.before-*.bak) are removed. It cannot be undone."
)


def add_privacy_parser(sub: Any) -> None:
    purge = sub.add_parser(
        "purge-customer-data",
        help="after the event: remove phone numbers and message texts, keep the counts",
        description="Replaces each customer's number with a placeholder, empties every "
        "message's text and masks its numbers, and forgets conversations and usual orders. "
        "Orders and the counts reports use stay. Runs in small batches, so a running "
        "organiser keeps serving.",
    )
    purge.add_argument("--yes", action="store_true", help="do not ask for confirmation")


def run_purge(paths: AppPaths, args: argparse.Namespace, *, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    if not paths.master_db.exists():
        raise KnownError(f"no organiser database in {paths.data_dir}; check --data-dir")
    if not args.yes:
        _confirm(paths, out)
    from expresso_desktop.services.organiser import build_organiser_services
    from expresso_desktop.services.purge import PurgeProgress, purge_customer_data

    def show(step: PurgeProgress) -> None:
        print(f"purged {step.done}/{step.total}", file=out, flush=True)

    services = build_organiser_services(paths)
    try:
        result = purge_customer_data(services.writer, progress=show, initiator="cli")
    finally:
        services.close()
    print(
        f"Done: {result.customers_purged} customers and {result.messages_purged} messages "
        "purged. Remaining counts:",
        file=out,
    )
    for name in result.removed_copies:
        print(f"Removed {name} (a copy of the database from before an upgrade).", file=out)
    counts = result.remaining
    print(f"  customers: {counts.customers}", file=out)
    print(f"  orders by status: {_pairs(counts.orders_by_status)}", file=out)
    for direction, statuses in sorted(counts.messages_by_direction_status.items()):
        print(f"  texts {direction}: {_pairs(statuses)}", file=out)
    for hour in sorted({*counts.orders_by_hour, *counts.messages_by_hour}):
        orders, texts = counts.orders_by_hour.get(hour, 0), counts.messages_by_hour.get(hour, {})
        print(f"  {hour}:00 UTC  orders {orders}, texts {_pairs(texts)}", file=out)
    return 0


def _confirm(paths: AppPaths, out: TextIO) -> None:
    if not sys.stdin.isatty():
        raise KnownError("not purging without confirmation: run it again with --yes")
    print(WARNING.format(db=paths.master_db), file=out)
    answer = input("Type PURGE to go on: ")
    if answer.strip() != "PURGE":
        raise KnownError("nothing purged")


def _pairs(counts: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in counts.items()) or "none"
