"""The orders as CSV (services/export.py) on a real organiser: customers text their orders through
the real inbound path; the file holds one row per order, numbers masked, formulas defused."""

from __future__ import annotations

import csv
import stat
import threading
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from expresso_desktop.core.items import DrinkSpec
from expresso_desktop.core.privacy import mask_phone
from expresso_desktop.errors import KnownError
from expresso_desktop.services import orders
from expresso_desktop.services.export import PURGED, ExportProgress, export_orders_csv, header
from expresso_desktop.services.organiser import OrganiserServices
from expresso_desktop.services.purge import purge_customer_data
from expresso_desktop.sms.conversation import Conversation
from expresso_desktop.sms.inbound import InboundText, receive
from expresso_desktop.store.types import utcnow
from tests.services.helpers import station_id, write

OURS = "+15005550006"
PHONES = ("+61400550001", "+61400550002")


def an_event(organiser: OrganiserServices) -> datetime:
    """Two customers text orders, a walk-in with a name a spreadsheet would run, and the first
    order is made and collected, from half an hour ago (inside the demo's service hours, which
    start an hour before the organiser was made: a time taken when this module was imported
    falls before them once the suite has run for a while). Returns when the first order came."""
    start = utcnow().replace(microsecond=0) - timedelta(minutes=30)
    conversation = Conversation(
        event_id=organiser.event_id, menu=organiser.menu, templates=organiser.templates
    )
    bodies = ("large oat latte for Ann", "2 flat whites for Ben")
    numbers = []
    for n, (phone, body) in enumerate(zip(PHONES, bodies, strict=True)):
        text = InboundText(sid=f"SMx{n}", from_number=phone, to_number=OURS, body=body)
        at = start + timedelta(minutes=n)
        result = write(
            organiser, lambda tx, text=text, at=at: receive(tx, conversation, text, now=at)
        )
        assert result.order_id is not None
        numbers.append(result.order_id)
    walk_in, _ = write(
        organiser,
        lambda tx: orders.store_order(
            tx,
            event_id=organiser.event_id,
            station_id=station_id(organiser, 3),
            specs=[DrinkSpec("chai latte", "medium", "soy")],
            customer_name='=HYPERLINK("http://x")',
            source="walk_in",
            now=start + timedelta(minutes=5),
        ),
    )
    first = numbers[0]
    write(organiser, lambda tx: orders.start_order(tx, first, now=start + timedelta(minutes=2)))
    write(organiser, lambda tx: orders.mark_ready(tx, first, now=start + timedelta(minutes=4)))
    write(organiser, lambda tx: orders.collect_order(tx, first, now=start + timedelta(minutes=6)))
    assert walk_in.id is not None
    return start


@pytest.fixture
def out(tmp_path: Path) -> Path:
    """A folder of its own (the organiser's data is in tmp_path too)."""
    folder = tmp_path / "export"
    folder.mkdir()
    return folder


def read_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


def test_one_row_per_order_with_numbers_masked(organiser: OrganiserServices, out: Path) -> None:
    start = an_event(organiser)
    path = out / "orders.csv"
    seen: list[ExportProgress] = []

    result = export_orders_csv(
        organiser.engine,
        organiser.event_id,
        organiser.menu,
        path,
        progress=seen.append,
        batch_size=2,
    )

    assert (result.path, result.rows, result.cancelled) == (path, 3, False)
    assert seen == [ExportProgress(2, 3), ExportProgress(3, 3)]
    rows = read_csv(path)
    assert tuple(rows[0]) == header("UTC")
    body = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    assert [r["number"] for r in body] == ["A001", "A002", "A003"]
    ann, ben, walk_in = body
    assert ann["customer name"] == "Ann" and ann["drinks"] == "large oat latte"
    assert ann["status"] == "Collected" and ann["make time (s)"] == "120"
    assert ann["created (UTC)"] == start.strftime("%Y-%m-%d %H:%M:%S")
    # a masked number starts with "+": defused like any cell a spreadsheet would run
    assert ann["phone (masked)"] == "'" + mask_phone(PHONES[0])
    assert ben["phone (masked)"] == "'" + mask_phone(PHONES[1]) and ben["drinks"] == "2× flat white"
    assert (ben["status"], ben["make time (s)"], ben["ready (UTC)"]) == ("New", "", "")
    assert walk_in["customer name"] == '\'=HYPERLINK("http://x")'
    assert (walk_in["station"], walk_in["phone (masked)"], walk_in["source"]) == (
        "Garden Bar",
        "",
        "walk_in",
    )
    text = path.read_text(encoding="utf-8-sig")
    assert not any(phone[1:] in text for phone in PHONES)  # no number in full, with or without +
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in out.iterdir()] == ["orders.csv"]  # no partial file left


def test_after_a_purge_the_numbers_say_purged(organiser: OrganiserServices, out: Path) -> None:
    an_event(organiser)
    purge_customer_data(organiser.writer)
    path = out / "after.csv"
    export_orders_csv(organiser.engine, organiser.event_id, organiser.menu, path)
    phones = [row[6] for row in read_csv(path)[1:]]
    assert phones == [PURGED, PURGED, ""]


def test_a_cancelled_export_leaves_no_file(organiser: OrganiserServices, out: Path) -> None:
    an_event(organiser)
    path = out / "orders.csv"
    cancel = threading.Event()

    result = export_orders_csv(
        organiser.engine,
        organiser.event_id,
        organiser.menu,
        path,
        progress=lambda _progress: cancel.set(),  # the user presses Cancel after a batch
        cancel=cancel,
        batch_size=1,
    )

    assert result.cancelled and result.rows == 0
    assert list(out.iterdir()) == []


def test_a_folder_that_cannot_be_written_is_said_plainly(
    organiser: OrganiserServices, out: Path
) -> None:
    with pytest.raises(KnownError, match=r"Could not write .*nowhere/orders\.csv"):
        export_orders_csv(
            organiser.engine,
            organiser.event_id,
            organiser.menu,
            out / "nowhere" / "orders.csv",
        )
