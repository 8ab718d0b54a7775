"""The History side panel: this station's collected and cancelled orders today, newest first,
with a search by number or name, and Recall (a collected order back to ready, e.g. a customer
who says it was taken by someone else). A cancelled order cannot come back: its row says why.

Reads ``sync.station_history`` through the op runner and follows ``replica_changed`` (orders
finishing at the station, a sync round, a download); no Refresh button."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from expresso_desktop.core.menu import Menu
from expresso_desktop.core.orders import OrderStatus
from expresso_desktop.sync import station_history
from expresso_desktop.sync.events import Notice, ReplicaChanged
from expresso_desktop.sync.replica import Replica
from expresso_desktop.sync.station_history import HistoryEntry
from expresso_desktop.ui.barista.main_window import SyncSignals
from expresso_desktop.ui.barista.side_panel import scrolled_column
from expresso_desktop.ui.common.ops import OpFailed, OpRunner, SerialRead
from expresso_desktop.ui.common.widgets import plain_label

ROW_PX = 56

_STYLE = """
QWidget#historyPanel QFrame#historyRow { background: #ffffff; border: 1px solid #e4d8cb;
    border-radius: 10px; }
QWidget#historyPanel QLabel#rowTitle { font-size: 19px; font-weight: 600; color: #2b1d14; }
QWidget#historyPanel QLabel#rowLine { font-size: 15px; color: #4a2c1a; }
QWidget#historyPanel QLabel#rowWhy { font-size: 14px; color: #6e5646; }
QWidget#historyPanel QLabel#historyEmpty { font-size: 16px; color: #6e5646; }
QWidget#historyPanel QLabel#historyError { font-size: 15px; font-weight: 600; color: #9b1c1c; }
QWidget#historyPanel QLineEdit { font-size: 17px; min-height: 38px; }
QWidget#historyPanel QPushButton#recall { font-size: 16px; padding: 6px 14px; min-height: 44px; }
"""

STATUS_WORDS = {OrderStatus.COLLECTED: "✓ Collected", OrderStatus.CANCELLED: "✗ Cancelled"}


@dataclass(frozen=True, slots=True)
class Recalled:
    """Recall was tapped on ``number``: back to ready."""

    order_id: str
    number: str


class HistoryPanel(QWidget):
    """Signals:
    recalled(Recalled) — a collected order was recalled (back to ready)
    """

    recalled = Signal(Recalled)

    def __init__(
        self, *, replica: Replica, menu: Menu, ops: OpRunner, signals: SyncSignals
    ) -> None:
        super().__init__()
        self.setObjectName("historyPanel")
        self.setStyleSheet(_STYLE)
        self._replica, self._menu, self._ops, self._signals = replica, menu, ops, signals
        self.entries: list[HistoryEntry] = []
        self._shown: tuple[str, list[HistoryEntry]] | None = None  # the search and rows shown

        self.search = QLineEdit()
        self.search.setPlaceholderText("Search by number or name")
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumHeight(ROW_PX)
        self.search.textChanged.connect(self._search_changed)
        self._wanted = ""  # the search as typed (kept here: reads run off the GUI thread)
        self.error = plain_label(object_name="historyError")
        self.error.hide()  # shown with a refusal only
        self.rows = QVBoxLayout()
        self.rows.setSpacing(8)
        layout = QVBoxLayout(self)
        layout.addWidget(self.search)
        layout.addWidget(self.error)
        layout.addWidget(scrolled_column(self.rows), 1)

        self.reads: SerialRead[str, list[HistoryEntry]] = SerialRead(
            ops, self._read, self._apply, label="Reading the history"
        )
        signals.replica_changed.connect(self.on_replica_changed)
        self.reads.want(None)

    def on_replica_changed(self, changed: ReplicaChanged) -> None:
        if changed.everything or changed.order_ids or "orders" in changed.entities:
            self.reads.want(None)

    def _search_changed(self, text: str) -> None:
        self._wanted = text
        self.reads.want(None)

    def _read(self, _keys: frozenset[str] | None) -> list[HistoryEntry]:
        return station_history.history(self._replica, self._menu, search=self._wanted)

    def _apply(self, _keys: frozenset[str] | None, entries: list[HistoryEntry]) -> None:
        shown = (self.search.text().strip(), entries)
        if shown == self._shown:
            return  # a new order, a start: nothing finished changed (rows cost a relayout)
        self._shown = shown
        self.entries = entries
        while (item := self.rows.takeAt(0)) is not None:
            if (widget := item.widget()) is not None:
                widget.deleteLater()
        for entry in entries:
            self.rows.addWidget(self._row(entry))
        if not entries:
            empty = (
                "Nothing matches." if self.search.text().strip() else "Nothing finished yet today."
            )
            self.rows.addWidget(plain_label(empty, object_name="historyEmpty"))

    def _row(self, entry: HistoryEntry) -> QFrame:
        frame = QFrame()
        frame.setObjectName("historyRow")
        text = QVBoxLayout()
        text.setSpacing(2)
        text.addWidget(plain_label(f"{entry.number}  {entry.name}".strip(), object_name="rowTitle"))
        when = entry.finished_at.astimezone().strftime("%H:%M")
        line = f"{STATUS_WORDS[entry.status]} {when}"
        if entry.cancel_reason:
            line += f" — {entry.cancel_reason}"
        text.addWidget(plain_label(line, object_name="rowLine"))
        text.addWidget(plain_label(entry.drinks, object_name="rowLine"))
        if entry.recall_blocked:
            text.addWidget(
                plain_label(f"Can't recall: {entry.recall_blocked}", object_name="rowWhy")
            )
        button = QPushButton("Recall")
        button.setObjectName("recall")
        button.setMinimumHeight(ROW_PX)
        button.setMinimumWidth(110)
        button.setEnabled(entry.recallable)
        button.clicked.connect(lambda _=False, e=entry: self.recall(e))
        row = QHBoxLayout(frame)
        row.addLayout(text, 1)
        row.addWidget(button, 0, Qt.AlignmentFlag.AlignVCenter)
        return frame

    def recall(self, entry: HistoryEntry) -> None:
        replica = self._replica
        self._ops.query(
            lambda: station_history.recall(replica, entry),
            on_done=lambda changed: self._recalled(entry, changed),
            on_error=self._failed,
            label=f"Recall {entry.number}",
        )

    def _recalled(self, entry: HistoryEntry, changed: ReplicaChanged) -> None:
        self.error.hide()
        self._signals.replica_changed.emit(changed)
        self._signals.notice.emit(Notice("done", f"{entry.number} recalled: ready again"))
        self.recalled.emit(Recalled(entry.order_id, entry.number))

    def _failed(self, failure: OpFailed) -> None:
        self.error.setText(failure.text)
        self.error.show()
