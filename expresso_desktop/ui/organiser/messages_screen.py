"""The organiser's Messages screen (the SMS console): the live log of texts in and out with their
delivery state, the outbound queue's depth and pace, a form to send a text, and — when the
built-in simulator is the SMS gateway — the test phone as a phone shows it.

Reads go through ``sms.message_log.MessageLog`` and writes through ``sms.outbound.manual``, both
by the op runner. The log follows the change feed: a commit that touched SMS rows re-reads only
the texts above the newest shown and those still on their way (``MessageLog.changes``); older
texts are read a page at a time as the table scrolls down.

The test phone is shown only while the simulator is the gateway: with Twilio or the Android
phone the webhook refuses the simulator's signature, so the phone could only fail.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Literal

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QHideEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from expresso_desktop.core.sms.segments import measure
from expresso_desktop.services.writer import Tx, Writer
from expresso_desktop.sms.gateway_status import GatewayStatus, SmsMode
from expresso_desktop.sms.message_log import (
    LogChanges,
    LoggedText,
    LogPage,
    LogQuery,
    MessageLog,
    QueueStats,
)
from expresso_desktop.sms.outbound.manual import MAX_LENGTH, TextQueued, queued, reply_to, text_to
from expresso_desktop.sms.phone import SimulatedPhone
from expresso_desktop.ui.common.bridge import ChangeBridge, ChangesCommitted
from expresso_desktop.ui.common.ops import OpFailed, OpRunner
from expresso_desktop.ui.common.widgets import plain_label
from expresso_desktop.ui.organiser.message_log_model import ORDER, STATUS, TEXT, MessageLogModel
from expresso_desktop.ui.organiser.simulator_panel import SimulatorPanel

INITIATOR = "ui:messages"
TOUCH = 48
PHONE_WIDTH = 350
SEARCH_DELAY_MS = 250  # typing pauses this long before the log is searched again
STATS_EVERY_MS = 30_000  # "sent in the last 5 min" moves with the clock, not with commits
AGE_TICK_MS = 1_000
PURGE_INITIATOR = "purge"  # the command line's purge rewrites texts shown: read them again
SHOW = (
    ("All", "All texts", LogQuery()),
    ("↓ In", "Customers' texts", LogQuery(direction="in")),
    ("↑ Out", "Texts we sent", LogQuery(direction="out")),
    ("✕ Not delivered", "Texts that did not reach the customer", LogQuery(problems_only=True)),
)
CHOSEN = "✓ "  # the filter shown is marked, not only coloured


@dataclass(frozen=True)
class OpenOrder:
    """The organiser chose a text's order: the window shows that order."""

    order_id: str
    number: str


class MessagesScreen(QWidget):
    """The SMS console.

    Signals:
        open_order(OpenOrder) — the organiser picked the order of a text (the window routes it)
    """

    open_order = Signal(OpenOrder)

    def __init__(
        self,
        ops: OpRunner,
        writer: Writer,
        log: MessageLog,
        gateway: GatewayStatus,
        phone: SimulatedPhone,
        bridge: ChangeBridge,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("messagesScreen")
        self._ops, self._writer, self._log, self._gateway = ops, writer, log, gateway
        self._feed = _LogFeed(ops, log)
        self.model = self._feed.model
        self._stats: QueueStats | None = None
        self._stats_reading = self._stats_again = False
        self._stale_while_hidden = False
        self._reply_to: int | None = None  # the text a reply answers, when "To" shows it

        self.queue_waiting = plain_label(object_name="queueLine")
        self.queue_flow = plain_label(object_name="subtitle")
        self.queue_failed = plain_label(object_name="fieldError")
        self.search = QLineEdit(placeholderText="Search texts, order numbers, numbers")
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumHeight(TOUCH)
        self.show_only = QButtonGroup(self)
        for number, (title, tip, _) in enumerate(SHOW):
            button = QPushButton(title)
            button.setCheckable(True)
            button.setObjectName("segment")
            button.setToolTip(tip)
            button.setMinimumHeight(TOUCH)
            self.show_only.addButton(button, number)
        self.show_only.button(0).setChecked(True)
        self._mark_filter()
        self.shown = plain_label(object_name="subtitle")
        self.empty = plain_label(object_name="subtitle")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.table = _log_table(self.model)
        self.detail = TextDetail()
        self.compose = ComposeBox()
        self.simulator = SimulatorPanel(ops, phone)
        self.simulator.setFixedWidth(PHONE_WIDTH)
        self.mode_note = plain_label(object_name="subtitle")
        self.mode_note.hide()
        self._layout()

        self._search_timer = QTimer(self, singleShot=True, interval=SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self._query_changed)
        self.search.textChanged.connect(lambda _text: self._search_timer.start())
        self.show_only.idToggled.connect(self._filter_toggled)
        self.table.clicked.connect(self._clicked)
        self.table.activated.connect(self._clicked)
        self.table.selectionModel().currentRowChanged.connect(self._selected)
        for signal in (self.model.modelReset, self.model.rowsInserted, self.model.dataChanged):
            signal.connect(self._model_changed)
        self._kept_selection: int | None = None
        self.model.modelAboutToBeReset.connect(self._keep_selection)
        self.model.modelReset.connect(self._restore_selection)
        self.detail.open_button.clicked.connect(self._open_selected)
        self.detail.reply_button.clicked.connect(self._reply)
        self.compose.to.textEdited.connect(self._to_edited)
        self.compose.send_button.clicked.connect(self.send)
        bridge.committed.connect(self._on_committed)
        self._stats_timer = QTimer(self, interval=STATS_EVERY_MS)
        self._stats_timer.timeout.connect(self._read_stats)
        self._age_timer = QTimer(self, interval=AGE_TICK_MS)
        self._age_timer.timeout.connect(self._show_stats)

        self._feed.reload(LogQuery())
        self._read_stats()
        self._read_mode()
        self.simulator.refresh()
        self._model_changed()

    def _layout(self) -> None:
        header = QHBoxLayout()
        header.addWidget(plain_label("Messages", object_name="title"))
        header.addStretch(1)
        queue = QVBoxLayout()
        queue.setSpacing(0)
        for label in (self.queue_waiting, self.queue_flow, self.queue_failed):
            label.setAlignment(Qt.AlignmentFlag.AlignRight)
            label.setWordWrap(False)
            queue.addWidget(label)
        header.addLayout(queue)
        filters = QHBoxLayout()
        filters.addWidget(self.search, 1)
        for button in self.show_only.buttons():
            filters.addWidget(button)
        bottom = QHBoxLayout()
        bottom.addWidget(self.detail, 1)
        bottom.addWidget(self.compose, 1)
        log = QVBoxLayout()
        log.addLayout(filters)
        log.addWidget(self.shown)
        log.addWidget(self.empty)
        log.addWidget(self.table, 1)
        log.addLayout(bottom)
        body = QHBoxLayout()
        body.addLayout(log, 1)
        body.addWidget(self.simulator)
        layout = QVBoxLayout(self)
        layout.addLayout(header)
        layout.addWidget(self.mode_note)
        layout.addLayout(body, 1)

    # -- following the change feed ------------------------------------------------------------
    def _on_committed(self, event: ChangesCommitted) -> None:
        if not event.messages_touched:
            return
        if not self.isVisible():
            # Read once when shown again, from the newest page: whatever happened meanwhile
            # (the Reports screen's purge rewrites texts already shown) is then on screen.
            self._stale_while_hidden = True
            return
        if event.initiator == PURGE_INITIATOR:
            self._feed.reload(self._feed.query)
        else:
            self._feed.pull()
        self._read_stats()
        self.simulator.refresh()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._read_mode()  # the gateway may have been changed on Setup
        self._stats_timer.start()
        self._age_timer.start()
        if self._stale_while_hidden:
            self._stale_while_hidden = False
            self._feed.reload(self._feed.query)
            self._read_stats()
            self.simulator.refresh()

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        self._stats_timer.stop()
        self._age_timer.stop()

    def _query_changed(self) -> None:
        _, _, query = SHOW[self.show_only.checkedId()]
        self._feed.reload(LogQuery(query.direction, query.problems_only, self.search.text()))

    def _filter_toggled(self, _id: int, checked: bool) -> None:
        if checked:
            self._mark_filter()
            self._query_changed()

    def _mark_filter(self) -> None:
        for number, (title, _, _) in enumerate(SHOW):
            button = self.show_only.button(number)
            button.setText(CHOSEN + title if button.isChecked() else title)

    def _model_changed(self, *_: object) -> None:
        count = self.model.rowCount()
        more = ", scroll down for older ones" if self.model.has_more else ""
        self.shown.setText(f"Newest first · {count} shown{more}" if count else "")
        self.shown.setVisible(bool(count))
        self.table.setVisible(bool(count))
        self.empty.setVisible(not count)
        if self._feed.query != LogQuery():
            self.empty.setText("No texts match. Clear the search or show all texts.")
        else:
            self.empty.setText(
                "No texts yet. They appear here as customers text the event's number"
                " — or text it from the test phone."
            )
        self._selected(self.table.currentIndex())

    # -- the queue ----------------------------------------------------------------------------
    def _read_stats(self) -> None:
        if self._stats_reading:
            self._stats_again = True
            return
        self._stats_reading = True
        self._ops.query(
            self._log.queue,
            on_done=self._got_stats,
            on_finally=self._stats_read,
            label="Reading the outbound queue",
        )

    def _stats_read(self) -> None:
        self._stats_reading = False
        if self._stats_again:
            self._stats_again = False
            self._read_stats()

    def _got_stats(self, stats: QueueStats) -> None:
        self._stats = stats
        self._show_stats()

    def _show_stats(self) -> None:
        stats = self._stats
        if stats is None:
            return
        self.queue_waiting.setText(stats.waiting_text(datetime.now(UTC)))
        self.queue_flow.setText(stats.flow_text)
        self.queue_failed.setText(stats.failed_text)
        self.queue_failed.setVisible(bool(stats.failed_text))

    # -- the gateway --------------------------------------------------------------------------
    def _read_mode(self) -> None:
        self._ops.query(self._gateway.mode, on_done=self._got_mode, label="Reading the SMS mode")

    def _got_mode(self, mode: SmsMode) -> None:
        simulated = mode.kind == "simulator"
        self.simulator.setVisible(simulated)
        self.mode_note.setVisible(not simulated)
        self.mode_note.setText(
            f"Texts go out through: {mode.text}. The test phone is here while the built-in "
            "simulator is the SMS gateway (Setup)."
        )

    # -- a text and its order -----------------------------------------------------------------
    def selected_text(self) -> LoggedText | None:
        index = self.table.currentIndex()
        return self.model.row_at(index.row()) if index.isValid() else None

    def _selected(self, index: QModelIndex, _previous: QModelIndex | None = None) -> None:
        self.detail.show_text(self.model.row_at(index.row()) if index.isValid() else None)

    def _keep_selection(self) -> None:
        text = self.selected_text()
        self._kept_selection = text.id if text is not None else None

    def _restore_selection(self) -> None:
        at = self.model.row_of(self._kept_selection) if self._kept_selection else None
        if at is not None:
            self.table.selectRow(at)

    def _clicked(self, index: QModelIndex) -> None:
        if index.column() == ORDER:
            self._open(self.model.row_at(index.row()))

    def _open_selected(self) -> None:
        text = self.selected_text()
        if text is not None:
            self._open(text)

    def _open(self, text: LoggedText) -> None:
        if text.order_id is not None and text.order_number:
            self.open_order.emit(OpenOrder(text.order_id, text.order_number))

    # -- sending ------------------------------------------------------------------------------
    def _reply(self) -> None:
        text = self.selected_text()
        if text is None:
            return
        self._reply_to = None if text.order_number else text.id
        self.compose.to.setText(text.order_number or text.number)
        self.compose.message.setFocus()

    def _to_edited(self, _text: str) -> None:
        self._reply_to = None

    def send(self) -> None:
        compose = self.compose
        if not compose.send_button.isEnabled():
            return
        compose.clear_errors()
        body, to, answering = compose.message.toPlainText(), compose.to.text(), self._reply_to
        event_id = self._log.event_id

        def write(tx: Tx) -> TextQueued:
            if answering is not None:
                return queued(tx, reply_to(tx, message_id=answering, body=body))
            return queued(tx, text_to(tx, event_id=event_id, to=to, body=body))

        compose.send_button.setEnabled(False)
        self._ops.write(
            self._writer,
            write,
            initiator=INITIATOR,
            on_done=self._sent,
            on_error=compose.show_error,
            on_finally=partial(compose.send_button.setEnabled, True),
            label="Send a text",
        )

    def _sent(self, done: TextQueued) -> None:
        self.compose.message.clear()
        self.compose.say(done.text, ok=done.status == "pending")


class _LogFeed:
    """The model's reads, one at a time: a full page (``reload``: a new filter, a purge, too
    many new texts at once) or what moved (``pull``); older pages as the table scrolls."""

    def __init__(self, ops: OpRunner, log: MessageLog) -> None:
        self._ops, self._log = ops, log
        self.model = MessageLogModel()
        self.model.fetch_older = self.older
        self.query = LogQuery()
        self._generation = 0  # bumped by each reload: reads for an older query are dropped
        self._head = 0
        self._read_at = datetime.now(UTC)
        self._busy = False
        self._wanted: Literal["pull", "reload"] | None = None
        self._older_busy = False

    def reload(self, query: LogQuery) -> None:
        self.query = query
        self._generation += 1
        self._wanted = "reload"
        self._next()

    def pull(self) -> None:
        if self._wanted != "reload":
            self._wanted = "pull"
        self._next()

    def _next(self) -> None:
        if self._busy or self._wanted is None:
            return
        wanted, self._wanted, self._busy = self._wanted, None, True
        log, query, generation = self._log, self.query, self._generation
        if wanted == "reload":
            self._ops.query(
                lambda: log.page(query),
                on_done=lambda page: self._got_page(generation, page),
                on_finally=self._settled,
                label="Reading the SMS log",
            )
            return
        after, open_ids, since = self._head, self.model.open_ids, self._read_at
        self._ops.query(
            lambda: log.changes(query, after_id=after, open_ids=open_ids, since=since),
            on_done=lambda changes: self._got_changes(generation, changes),
            on_finally=self._settled,
            label="Reading new texts",
        )

    def _settled(self) -> None:
        self._busy = False
        self._next()

    def _got_page(self, generation: int, page: LogPage) -> None:
        if generation != self._generation:
            return
        self._head, self._read_at = page.head_id, page.read_at
        self.model.has_more = page.more
        self.model.reset_rows(page.rows)

    def _got_changes(self, generation: int, changes: LogChanges) -> None:
        if generation != self._generation:
            return
        if changes.overflow:
            self.reload(self.query)
            return
        self._head, self._read_at = changes.head_id, changes.read_at
        self.model.upsert(changes.updated)
        self.model.upsert(changes.new)

    def older(self) -> None:
        before = self.model.oldest_id
        if self._older_busy or before is None:
            return
        self._older_busy = True
        log, query, generation = self._log, self.query, self._generation

        def done(page: LogPage) -> None:
            if generation == self._generation and self.model.oldest_id == before:
                self.model.has_more = page.more
                self.model.append_older(page.rows)

        self._ops.query(
            lambda: log.page(query, before_id=before),
            on_done=done,
            on_finally=self._older_done,
            label="Reading older texts",
        )

    def _older_done(self) -> None:
        self._older_busy = False


def _log_table(model: MessageLogModel) -> QTableView:
    table = QTableView()
    table.setModel(model)
    table.setAccessibleName("Texts in and out, newest first")
    table.verticalHeader().setVisible(False)
    table.verticalHeader().setDefaultSectionSize(36)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setWordWrap(False)
    table.setTextElideMode(Qt.TextElideMode.ElideRight)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(TEXT, QHeaderView.ResizeMode.Stretch)
    header.setSectionResizeMode(STATUS, QHeaderView.ResizeMode.Interactive)
    header.resizeSection(STATUS, 150)
    return table


class TextDetail(QFrame):
    """The selected text in full: who, when, what kind, its whole body, its delivery state with
    the reason, and what can be done with it (open its order, reply)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("card")
        self.heading = plain_label()
        self.body = QPlainTextEdit(readOnly=True)  # plain text: customer input never renders
        self.body.setAccessibleName("The whole text")
        self.body.setMaximumHeight(96)
        self.status = plain_label()
        self.open_button = QPushButton("Open order")
        self.reply_button = QPushButton("Reply")
        self.reply_button.setObjectName("secondary")
        for button in (self.open_button, self.reply_button):
            button.setMinimumHeight(TOUCH)
        self.hint = plain_label(
            "Select a text to read all of it, open its order, or reply.", object_name="subtitle"
        )
        actions = QHBoxLayout()
        actions.addWidget(self.open_button)
        actions.addWidget(self.reply_button)
        actions.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(plain_label("Selected text", object_name="section"))
        layout.addWidget(self.hint)
        layout.addWidget(self.heading)
        layout.addWidget(self.body)
        layout.addWidget(self.status)
        layout.addLayout(actions)
        layout.addStretch(1)
        self.show_text(None)

    def show_text(self, text: LoggedText | None) -> None:
        self.hint.setVisible(text is None)
        for widget in (self.heading, self.body, self.status, self.reply_button):
            widget.setVisible(text is not None)
        self.open_button.setVisible(text is not None and bool(text.order_number))
        if text is None:
            return
        arrow, side = ("↓ From", text.number) if text.direction == "in" else ("↑ To", text.number)
        when = text.created_at.astimezone().strftime("%H:%M:%S")
        order = f" · order {text.order_number}" if text.order_number else ""
        self.heading.setText(f"{arrow} {side} · {when} · {text.kind_label}{order}")
        if self.body.toPlainText() != text.body:
            self.body.setPlainText(text.body)
        self.status.setText(text.delivery.text)
        self.status.setObjectName("fieldError" if text.delivery.problem else "")
        self.status.style().polish(self.status)
        self.open_button.setText(f"Open order {text.order_number}")


class ComposeBox(QFrame):
    """Send a text: to an order's customer or a number typed in full; the message with its SMS
    cost; what happened (queued for the masked number, or why not, beside the field)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("card")
        self.to = QLineEdit(placeholderText="Order (A042) or phone number (+61…)")
        self.to.setAccessibleName("Send to")
        self.to.setMinimumHeight(TOUCH)
        self.to_error = plain_label(object_name="fieldError")
        self.message = QPlainTextEdit()
        self.message.setPlaceholderText("Your text…")
        self.message.setAccessibleName("Text to send")
        self.message.setMaximumHeight(84)
        self.cost = plain_label(object_name="subtitle")
        self.message_error = plain_label(object_name="fieldError")
        self.feedback = plain_label()
        self.send_button = QPushButton("Send text")
        self.send_button.setMinimumHeight(TOUCH)
        row = QHBoxLayout()
        row.addWidget(self.feedback, 1)
        row.addWidget(self.send_button)
        layout = QVBoxLayout(self)
        layout.addWidget(plain_label("Send a text", object_name="section"))
        layout.addWidget(self.to)
        layout.addWidget(self.to_error)
        layout.addWidget(self.message)
        layout.addWidget(self.cost)
        layout.addWidget(self.message_error)
        layout.addLayout(row)
        self.message.textChanged.connect(self._count)
        self.clear_errors()
        self._count()

    def _count(self) -> None:
        text = self.message.toPlainText().strip()
        if not text:
            self.cost.setText(f"Up to {MAX_LENGTH} characters")
            return
        info = measure(text)
        sms = "1 SMS" if info.single else f"{info.segments} SMS"
        over = f" — {len(text) - MAX_LENGTH} too many" if len(text) > MAX_LENGTH else ""
        self.cost.setText(f"{sms} ({info.encoding}) · {len(text)} of {MAX_LENGTH}{over}")

    def clear_errors(self) -> None:
        for label in (self.to_error, self.message_error):
            label.clear()
            label.hide()
        self.say("")

    def say(self, text: str, *, ok: bool = True) -> None:
        self.feedback.setText(text)
        self.feedback.setObjectName("" if ok else "fieldError")
        self.feedback.style().polish(self.feedback)

    def show_error(self, failure: OpFailed) -> None:
        """Beside the field it names, else under the form; always with a mark and words."""
        label: QLabel | None = {"to": self.to_error, "text": self.message_error}.get(
            failure.field or ""
        )
        if label is None:
            self.say(f"✕ Not sent: {failure.text}", ok=False)
            return
        label.setText(f"✕ {failure.text}")
        label.show()
