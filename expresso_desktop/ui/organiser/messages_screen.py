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

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QHideEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from expresso_desktop.services.writer import Tx, Writer
from expresso_desktop.sms.gateway_status import GatewayStatus, SmsMode
from expresso_desktop.sms.message_log import (
    LoggedText,
    LogQuery,
    MessageLog,
    QueueStats,
)
from expresso_desktop.sms.outbound.manual import TextQueued, queued, reply_to, text_to
from expresso_desktop.sms.phone import SimulatedPhone
from expresso_desktop.ui.common.bridge import ChangeBridge, ChangesCommitted
from expresso_desktop.ui.common.ops import OpRunner
from expresso_desktop.ui.common.widgets import fit_columns, plain_label
from expresso_desktop.ui.organiser.message_cards import ComposeBox, TextDetail
from expresso_desktop.ui.organiser.message_log_model import (
    ORDER,
    STATUS,
    TEXT,
    LogFeed,
    MessageLogModel,
)
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
        self._feed = LogFeed(ops, log, self)
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
        """Read once, as the servers start (the op waits for their loop): the gateway they run
        with until Expresso restarts, whatever Setup stores meanwhile."""
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
    table.horizontalHeader().resizeSection(STATUS, 150)
    fit_columns(table, stretch=TEXT, keep=(STATUS,))
    return table
