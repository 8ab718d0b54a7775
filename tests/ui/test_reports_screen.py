"""The Reports screen in the real organiser window (demo event, real services and servers on
127.0.0.1): customers text orders through the real inbound path, baristas make some; the screen
shows the figures and follows new ones, exports a CSV with numbers masked through its file
dialog, and purges customer data through its confirm dialog, showing what remains."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtTest import QAbstractItemModelTester
from PySide6.QtWidgets import QMessageBox
from sqlmodel import col, select

from expresso_desktop.core.actors import Actor
from expresso_desktop.core.privacy import mask_phone
from expresso_desktop.services import orders
from expresso_desktop.services.writer import Tx
from expresso_desktop.sms.conversation import Conversation
from expresso_desktop.sms.inbound import InboundText, receive
from expresso_desktop.store.engine import read_session
from expresso_desktop.store.tables import Customer, Order, Shift, SmsMessage
from expresso_desktop.ui.organiser.customer_data_box import WorkProgress
from expresso_desktop.ui.organiser.reports_screen import ReportsScreen
from tests.ui.artifacts import save_screenshot
from tests.ui.organiser_gui import Organiser, running_organiser

OURS = "+15005550006"
CUSTOMERS = (
    ("+61400550001", "large oat latte for Ann"),
    ("+61400550002", "2 flat whites for Ben"),
    ("+61400550003", "soy chai latte for Cy"),
)


def made_by_the_barista_on_shift(tx: Tx, order: Order) -> None:
    """Start and Done, tapped by the person on shift at the order's station."""
    shift = tx.session.exec(select(Shift).where(Shift.station_id == order.station_id)).first()
    assert shift is not None
    barista = Actor("barista", order.station_id, None, shift.staff_id)
    orders.start_order(tx, order.id, actor=barista)
    orders.mark_ready(tx, order.id, actor=barista)


@pytest.fixture
def organiser(qtbot: Any, tmp_path: Path) -> Iterator[Organiser]:
    with running_organiser(qtbot, tmp_path, "reports") as running:
        services = running.services
        conversation = Conversation(
            event_id=services.event_id, menu=services.menus, templates=services.texts
        )
        for n, (phone, body) in enumerate(CUSTOMERS):
            text = InboundText(sid=f"SMr{n}", from_number=phone, to_number=OURS, body=body)
            services.writer.run_sync(lambda tx, text=text: receive(tx, conversation, text))
        for number in ("A001", "A002"):
            services.writer.run_sync(lambda tx, number=number: made(tx, number))
        yield running


def made(tx: Tx, number: str) -> None:
    order = tx.session.exec(select(Order).where(Order.number == number)).one()
    made_by_the_barista_on_shift(tx, order)


@pytest.fixture
def screen(qtbot: Any, organiser: Organiser, qtlog: Any) -> Iterator[ReportsScreen]:
    reports = organiser.window.reports_screen
    testers = [
        QAbstractItemModelTester(model, QAbstractItemModelTester.FailureReportingMode.Warning)
        for model in (reports.stations_model, reports.baristas_model)
    ]
    # three orders, and five texts gone out: three confirmations and two "ready" texts (the
    # notifier's, sent through the simulator)
    qtbot.waitUntil(
        lambda: (
            reports.report is not None
            and reports.report.orders == 3
            and reports.report.texts.sent == 5
        ),
        timeout=10_000,
    )
    yield reports
    del testers
    assert [r.message for r in qtlog.records if "FAIL!" in r.message] == []


def test_the_report_shows_the_event_and_follows_it(
    qtbot: Any, organiser: Organiser, screen: ReportsScreen, tmp_path: Path
) -> None:
    assert screen.orders_figure.value.text() == "3"
    assert screen.orders_figure.detail.text() == "2 made · 1 waiting · 0 cancelled"
    assert screen.drinks_figure.value.text() == "3"  # a latte and two flat whites
    assert screen.drinks_figure.detail.text() == "of 4 ordered"
    assert screen.texts_figure.value.text() == "5"
    assert screen.texts_figure.detail.text() == "0 failed · 3 received"
    assert sum(bar.value for bar in screen.per_hour.bars) == 3
    assert [(b.label, b.value) for b in screen.drinks_chart.bars] == [
        ("flat white", 2),
        ("chai latte", 1),
        ("latte", 1),
    ]
    stations = {
        screen.stations_model.row_at(i).name: screen.stations_model.row_at(i) for i in range(3)
    }
    made_here = {name: row.orders_made for name, row in stations.items()}
    assert sum(made_here.values()) == 2
    baristas = [screen.baristas_model.row_at(i) for i in range(screen.baristas_model.rowCount())]
    assert sum(b.orders_made for b in baristas) == 2 and sum(b.drinks_made for b in baristas) == 3
    made_cell = screen.baristas_model.index(0, 3).data()
    assert made_cell.endswith(" s")  # the busiest barista's median, in words
    assert screen.data.held.text() == "Stored: 3 phone numbers, 8 texts."
    path = save_screenshot(organiser.window, "organiser-reports", tmp_path)
    assert path.stat().st_size > 0

    # the third order is made: the figures follow (coalesced, off the GUI thread)
    organiser.services.writer.run_sync(lambda tx: made(tx, "A003"))
    qtbot.waitUntil(lambda: screen.drinks_figure.value.text() == "4", timeout=10_000)
    assert screen.orders_figure.detail.text() == "3 made · 0 waiting · 0 cancelled"


def test_export_writes_the_orders_with_numbers_masked(
    qtbot: Any, organiser: Organiser, screen: ReportsScreen, tmp_path: Path
) -> None:
    target = tmp_path / "orders.csv"
    screen.data.export_button.click()
    dialog = screen.data.export_dialog
    assert dialog is not None and dialog.isVisible()
    dialog.setDirectory(str(tmp_path))
    dialog.selectFile(str(target))
    dialog.accept()
    qtbot.waitUntil(lambda: screen.data.outcome.text().startswith("✓ Saved"), timeout=10_000)
    assert screen.data.outcome.text() == f"✓ Saved 3 orders to {target} (phone numbers masked)."
    assert not screen.data.busy and screen.data.export_button.isEnabled()

    with target.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["number"] for r in rows] == ["A001", "A002", "A003"]
    assert [r["customer name"] for r in rows] == ["Ann", "Ben", "Cy"]
    assert [r["phone (masked)"] for r in rows] == ["'" + mask_phone(p) for p, _ in CUSTOMERS]
    assert [r["status"] for r in rows] == ["Ready", "Ready", "New"]
    text = target.read_text(encoding="utf-8-sig")
    assert not any(phone[1:] in text for phone, _ in CUSTOMERS)


def test_purge_confirms_shows_progress_and_what_remains(
    qtbot: Any, organiser: Organiser, screen: ReportsScreen
) -> None:
    seen: list[WorkProgress] = []
    screen.data.relay.progressed.connect(seen.append)
    screen.data.purge_button.click()
    box = screen.data.purge_dialog
    assert isinstance(box, QMessageBox) and box.isVisible()
    assert "phone number" in box.informativeText() and "Stays:" in box.informativeText()
    purge = next(b for b in box.buttons() if b.text() == "Purge")
    purge.click()

    qtbot.waitUntil(lambda: screen.data.outcome.text().startswith("✓ Purged"), timeout=15_000)
    assert screen.data.outcome.text().splitlines() == [
        "✓ Purged the numbers of 3 customers and 8 texts.",
        "Kept for reports: 3 orders, 8 texts counted (3 in, 5 out), "
        "3 customers without their numbers.",
    ]
    assert seen and seen[-1] == WorkProgress("purge", 11, 11)
    qtbot.waitUntil(lambda: screen.data.held.text().startswith("No phone numbers"), timeout=10_000)
    assert screen.orders_figure.value.text() == "3"  # the counts stay

    with read_session(organiser.services.engine) as session:
        phones = session.exec(select(Customer.phone)).all()
        texts = session.exec(select(SmsMessage)).all()
    assert phones and all(p.startswith("purged:") for p in phones)
    numbers = [t.from_number for t in texts] + [t.to_number for t in texts]
    assert not any(n.startswith("+") and n[1:].isdigit() for n in numbers)
    assert all(t.body == "" for t in texts)


def test_a_purge_can_be_declined(qtbot: Any, organiser: Organiser, screen: ReportsScreen) -> None:
    screen.data.purge_button.click()
    box = screen.data.purge_dialog
    assert box is not None
    next(b for b in box.buttons() if b.text() == "Keep the data").click()
    qtbot.waitUntil(lambda: screen.data.purge_dialog is None)
    assert not screen.data.busy and screen.data.outcome.text() == ""
    with read_session(organiser.services.engine) as session:
        left = session.exec(select(Customer).where(col(Customer.phone).like("+%"))).all()
    assert len(left) == 3
