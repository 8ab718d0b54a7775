"""The Messages screen against the real organiser (its servers on 127.0.0.1, the simulator as the
gateway): a text from the test phone and its reply land in the log with masked numbers and no
refresh, a text to an order's customer shows queued (and the queue its depth) then delivered,
refusals sit beside their field, a text's order opens the Orders screen, and the test phone is
there only while the simulator is the gateway."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from PySide6.QtCore import QModelIndex, Qt
from sqlmodel import col, select

from expresso_desktop.app import build_organiser_gui
from expresso_desktop.services.organiser import build_organiser_services
from expresso_desktop.services.purge import purge_customer_data
from expresso_desktop.services.writer import Tx
from expresso_desktop.settings import AppPaths
from expresso_desktop.sms.credentials import GATEWAY_ENV
from expresso_desktop.sms.message_log import PAGE, LoggedText
from expresso_desktop.sms.outbound import messages as outbound
from expresso_desktop.store.engine import read_session
from expresso_desktop.store.repositories import settings_repo
from expresso_desktop.store.tables import SmsMessage
from expresso_desktop.store.types import utcnow
from expresso_desktop.ui.organiser.message_log_model import CUSTOMER, ORDER, STATUS
from expresso_desktop.ui.organiser.messages_screen import MessagesScreen, OpenOrder
from tests.ui.artifacts import save_screenshot
from tests.ui.organiser_gui import LOOPBACK, Organiser, running_organiser

WAIT_MS = 15_000
PHONE = "+61400000001"  # the test phone's number
MASKED = "+61 ••• ••• 001"
# One text every 3 s: a second text waits its turn long enough to be seen waiting.
SLOW_RATE = 1 / 3


@pytest.fixture
def organiser(qtbot: Any, tmp_path: Path) -> Iterator[Organiser]:
    with running_organiser(qtbot, tmp_path, "messages") as running:
        yield running


@pytest.fixture
def paced(qtbot: Any, tmp_path: Path) -> Iterator[Organiser]:
    def slow(tx: Tx) -> None:
        settings_repo.put(outbound.SETTING_RATE, SLOW_RATE, session=tx.session)

    with running_organiser(qtbot, tmp_path, "messages", prepare=slow) as running:
        yield running


def screen_of(organiser: Organiser) -> MessagesScreen:
    return organiser.window.messages_screen


def rows(screen: MessagesScreen) -> list[LoggedText]:
    return [screen.model.row_at(r) for r in range(screen.model.rowCount())]


def shown(screen: MessagesScreen, row: int, column: int) -> str:
    return str(screen.model.data(screen.model.index(row, column)))


def order_from_phone(qtbot: Any, screen: MessagesScreen, body: str) -> LoggedText:
    """Text ``body`` from the test phone; the customer's text once the log shows its reply."""
    phone = screen.simulator
    qtbot.waitUntil(phone.send_button.isEnabled, timeout=WAIT_MS)
    phone.message.setText(body)
    qtbot.mouseClick(phone.send_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: (
            any(t.body == body for t in rows(screen))
            and any(t.kind == "confirmation" for t in rows(screen))
        ),
        timeout=WAIT_MS,
    )
    return next(t for t in rows(screen) if t.body == body)


def test_a_text_from_the_test_phone_and_its_reply_appear_in_the_log(
    qtbot: Any, organiser: Organiser, tmp_path: Path
) -> None:
    screen = screen_of(organiser)
    assert screen.empty.isVisible() and "No texts yet" in screen.empty.text()
    asked = order_from_phone(qtbot, screen, "large oat flat white for Sam")
    reply, text = rows(screen)  # newest first: the reply above the customer's text
    assert (text.direction, text.number, text.delivery.text) == ("in", MASKED, "↓ received")
    assert text.order_number is not None and text.order_number == reply.order_number
    assert reply.direction == "out" and reply.body.startswith(f"Order #{text.order_number}")
    assert (shown(screen, 0, CUSTOMER), shown(screen, 0, STATUS)) == (MASKED, "✓ replied")
    assert shown(screen, 1, ORDER) == asked.order_number
    cells = [shown(screen, r, c) for r in range(2) for c in range(screen.model.columnCount())]
    assert not any(PHONE in cell or "400000001" in cell for cell in cells)
    assert screen.shown.text() == "Newest first · 2 shown"
    # The phone shows the same conversation as bubbles: yours right, the event's left.
    thread = screen.simulator.conversation
    qtbot.waitUntil(lambda: len(thread.lines) == 2, timeout=WAIT_MS)
    assert [line.from_customer for line in thread.lines] == [True, False]
    assert "You: large oat flat white for Sam" in thread.toPlainText()
    # Selecting a text shows all of it, with its order to open.
    screen.table.selectRow(1)
    assert screen.detail.body.toPlainText() == "large oat flat white for Sam"
    assert screen.detail.heading.text().startswith(f"↓ From {MASKED} · ")
    assert screen.detail.open_button.text() == f"Open order {asked.order_number}"
    qtbot.waitUntil(lambda: "Nothing waiting" in screen.queue_waiting.text(), timeout=WAIT_MS)
    path = save_screenshot(organiser.window, "organiser-messages", tmp_path)
    assert path.stat().st_size > 0
    # A search reads the log again: the phone's other text is not this order's.
    order_from_phone(qtbot, screen, "what's on?")
    screen.search.setText(asked.order_number or "")
    qtbot.waitUntil(lambda: len(rows(screen)) == 2, timeout=WAIT_MS)
    assert {t.order_number for t in rows(screen)} == {asked.order_number}


def test_a_text_to_an_orders_customer_waits_its_turn_then_is_delivered(
    qtbot: Any, paced: Organiser
) -> None:
    screen = screen_of(paced)
    number = order_from_phone(qtbot, screen, "latte for Mia").order_number
    assert number is not None
    compose = screen.compose
    seen: dict[int, list[str]] = {}

    def note(*_: object) -> None:
        for text in rows(screen):
            states = seen.setdefault(text.id, [])
            if not states or states[-1] != text.delivery.word:
                states.append(text.delivery.word)

    screen.model.dataChanged.connect(note)
    screen.model.rowsInserted.connect(note)

    def send(body: str) -> LoggedText:
        compose.to.setText(number.lower())
        compose.message.setPlainText(body)
        qtbot.mouseClick(compose.send_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: any(t.body == body for t in rows(screen)), timeout=WAIT_MS)
        return next(t for t in rows(screen) if t.body == body)

    first = send("Your latte is next")  # leaves at once, and takes the next 3 s of pacing
    assert compose.feedback.text() == f"Queued for {MASKED} (order {number}); it goes out in turn"
    second = send("Oat milk is on its way")  # waits for its turn
    qtbot.waitUntil(lambda: "1 text waiting" in screen.queue_waiting.text(), timeout=WAIT_MS)
    assert screen.queue_waiting.text().startswith("○ 1 text waiting")
    for sent in (first, second):
        qtbot.waitUntil(
            lambda sent=sent: seen.get(sent.id, [""])[-1] == "delivered", timeout=WAIT_MS
        )
    assert seen[second.id][0] in ("queued", "sending") and seen[second.id][-1] == "delivered"
    assert (second.order_number, second.number, second.kind) == (number, MASKED, "manual")
    qtbot.waitUntil(lambda: "Nothing waiting" in screen.queue_waiting.text(), timeout=WAIT_MS)
    assert screen.queue_flow.text().startswith(
        "2 sent in the last 5 min · paced at 1 text every 3 s"
    )
    assert compose.message.toPlainText() == ""
    # The test phone got both, on the event's side.
    thread = screen.simulator.conversation
    qtbot.waitUntil(lambda: len(thread.lines) == 4, timeout=WAIT_MS)
    assert [line.from_customer for line in thread.lines][-2:] == [False, False]


def test_refusals_sit_beside_their_field(qtbot: Any, organiser: Organiser) -> None:
    compose = screen_of(organiser).compose
    compose.to.setText("Z999")
    compose.message.setPlainText("hello")
    assert compose.cost.text() == "1 SMS (GSM-7) · 5 of 480"
    qtbot.mouseClick(compose.send_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(compose.to_error.isVisible, timeout=WAIT_MS)
    assert compose.to_error.text() == "✕ there is no order Z999 in this event"
    compose.to.setText("+61 400 000 009")
    compose.message.setPlainText("   ")
    qtbot.mouseClick(compose.send_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(compose.message_error.isVisible, timeout=WAIT_MS)
    assert compose.message_error.text() == "✕ type the text to send"
    assert not compose.to_error.isVisible()
    qtbot.waitUntil(organiser.idle, timeout=WAIT_MS)
    assert screen_of(organiser).model.rowCount() == 0


def test_a_texts_order_opens_the_orders_screen(qtbot: Any, organiser: Organiser) -> None:
    screen = screen_of(organiser)
    asked = order_from_phone(qtbot, screen, "flat white for Ann")
    at = screen.model.row_of(asked.id)
    assert at is not None
    screen.table.scrollTo(screen.model.index(at, ORDER))
    cell = screen.table.visualRect(screen.model.index(at, ORDER)).center()
    with qtbot.waitSignal(screen.open_order, timeout=WAIT_MS) as opened:
        qtbot.mouseClick(screen.table.viewport(), Qt.MouseButton.LeftButton, pos=cell)
    assert opened.args == [OpenOrder(asked.order_id or "", asked.order_number or "")]
    assert organiser.window.nav.current_key() == "orders"


def test_a_reply_goes_to_whoever_texted_without_showing_the_number(
    qtbot: Any, organiser: Organiser
) -> None:
    screen = screen_of(organiser)
    screen.simulator.phone.setText("+61400000042")
    asked = order_from_phone(qtbot, screen, "large latte for Bo")
    screen.table.selectRow(screen.model.row_of(asked.id) or 0)
    qtbot.mouseClick(screen.detail.reply_button, Qt.MouseButton.LeftButton)
    assert screen.compose.to.text() == asked.order_number  # with an order: to that order
    screen.compose.message.setPlainText("Two minutes")
    qtbot.mouseClick(screen.compose.send_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: any(t.body == "Two minutes" for t in rows(screen)), timeout=WAIT_MS)
    sent = next(t for t in rows(screen) if t.body == "Two minutes")
    assert (sent.number, sent.order_number) == ("+61 ••• ••• 042", asked.order_number)
    # A text with no order: the reply goes to its number, which stays masked.
    screen.simulator.phone.setText("+61400000043")
    phone = screen.simulator
    phone.message.setText("hello?")
    qtbot.mouseClick(phone.send_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: any(t.body == "hello?" for t in rows(screen)), timeout=WAIT_MS)
    hello = next(t for t in rows(screen) if t.body == "hello?")
    assert hello.order_number is None
    screen.table.selectRow(screen.model.row_of(hello.id) or 0)
    qtbot.mouseClick(screen.detail.reply_button, Qt.MouseButton.LeftButton)
    assert screen.compose.to.text() == "+61 ••• ••• 043"
    screen.compose.message.setPlainText("Hi! Text a drink to order")
    qtbot.mouseClick(screen.compose.send_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: any(t.body == "Hi! Text a drink to order" for t in rows(screen)), timeout=WAIT_MS
    )
    assert screen.compose.feedback.text().startswith("Queued for +61 ••• ••• 043;")
    with read_session(organiser.services.engine) as session:
        last = session.exec(select(SmsMessage).order_by(col(SmsMessage.id).desc())).first()
    assert last is not None and last.to_number == "+61400000043"


def test_the_test_phone_is_there_only_with_the_simulator(
    qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with running_organiser(qtbot, tmp_path / "simulated", "messages") as organiser:
        screen = screen_of(organiser)
        qtbot.waitUntil(organiser.idle, timeout=WAIT_MS)
        assert screen.simulator.isVisible() and not screen.mode_note.isVisible()
    # The Android phone chosen but not set up: the servers refuse to start, the screen says
    # what texts go through, and offers no phone that could only fail.
    monkeypatch.setenv(GATEWAY_ENV, "android")
    services = build_organiser_services(AppPaths(tmp_path / "android"))
    gui = build_organiser_gui(services, LOOPBACK)
    qtbot.addWidget(gui.window)
    gui.window.show()
    gui.window.nav.show_screen("messages")
    screen = gui.window.messages_screen
    try:
        with qtbot.waitSignal(gui.host.failed, timeout=WAIT_MS):
            gui.host.start()
        qtbot.waitUntil(screen.mode_note.isVisible, timeout=WAIT_MS)
        assert not screen.simulator.isVisible()
        assert screen.mode_note.text().startswith(
            "Texts go out through: The Android phone is chosen but not configured."
        )
    finally:
        gui.close()
        services.close()


def test_a_long_log_is_read_a_page_at_a_time(qtbot: Any, tmp_path: Path) -> None:
    now = utcnow()
    many = [
        {
            "direction": "in",
            "kind": "inbound",
            "from_number": f"+614{n:08d}",
            "to_number": "+15005550006",
            "body": f"latte {n}",
            "status": "received",
            "attempts": 0,
            "created_at": now,
            "updated_at": now,
        }
        for n in range(2 * PAGE + 50)
    ]

    def texts(tx: Tx) -> None:
        tx.session.connection().execute(sa.insert(SmsMessage.__table__), many)  # type: ignore[attr-defined]

    with running_organiser(qtbot, tmp_path, "messages", prepare=texts) as organiser:
        screen = screen_of(organiser)
        model = screen.model
        qtbot.waitUntil(lambda: model.rowCount() == PAGE, timeout=WAIT_MS)
        assert screen.shown.text() == f"Newest first · {PAGE} shown, scroll down for older ones"
        for expected in (2 * PAGE, 2 * PAGE + 50):
            screen.table.scrollToBottom()
            qtbot.waitUntil(lambda expected=expected: model.rowCount() == expected, timeout=WAIT_MS)
        assert not model.canFetchMore(QModelIndex())
        bodies = [t.body for t in rows(screen)]
        assert bodies == [f"latte {n}" for n in reversed(range(2 * PAGE + 50))]


def test_after_a_purge_elsewhere_the_log_shows_only_what_is_left(
    qtbot: Any, organiser: Organiser
) -> None:
    screen = screen_of(organiser)
    order_from_phone(qtbot, screen, "latte for Jo")
    organiser.window.nav.show_screen("reports")
    writer = organiser.services.writer
    # As the Reports screen runs it: off the GUI thread, its commits heard meanwhile.
    organiser.gui.ops.query(lambda: purge_customer_data(writer, initiator="ui:reports"))
    qtbot.waitUntil(organiser.idle, timeout=WAIT_MS)
    organiser.window.nav.show_screen("messages")
    qtbot.waitUntil(lambda: [t.body for t in rows(screen)] == ["", ""], timeout=WAIT_MS)
    assert [shown(screen, r, CUSTOMER) for r in range(2)] == [MASKED, MASKED]
