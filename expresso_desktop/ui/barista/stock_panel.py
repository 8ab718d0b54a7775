"""The Stock side panel: a bar per item this station tracks (its level against par, the unit),
LOW / OUT in words as well as colour, and "Mark out" / "Back in" — a tap through the outbox
(online or offline) after which routing stops (or starts again) sending drinks that need it here.

It follows the sync: a round that touched the stock (or any order: a Done takes its recipe) re-
reads the bars, as does a download; its own taps re-read at once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from expresso_desktop.sync import station_queries
from expresso_desktop.sync.events import ReplicaChanged
from expresso_desktop.sync.replica import Replica
from expresso_desktop.sync.station_stock import STOCK_ENTITIES, Level, StockBar, stock_bars
from expresso_desktop.ui.barista.main_window import SyncSignals
from expresso_desktop.ui.barista.side_panel import scrolled_column
from expresso_desktop.ui.common.ops import OpFailed, OpRunner, SerialRead
from expresso_desktop.ui.common.widgets import plain_label

BUTTON_PX = 52
AMOUNT_PX = 146
MIN_WIDTH = 400  # a bar, its amount and the button on one line
BAR_SCALE = 1000  # QProgressBar counts in whole steps

# (bar colour, word colour) by level: the word always says it too.
COLOURS = {
    Level.OK: ("#6b8e4e", "#2f5a31"),
    Level.LOW: ("#e0a030", "#8a5200"),
    Level.OUT: ("#b03a2e", "#9b1c1c"),
}

STYLE = """
QScrollArea, QWidget#stockInner { background: transparent; }
QFrame#stockRow { background: #ffffff; border-bottom: 1px solid #eee4d9; }
QLabel#stockName { font-size: 17px; font-weight: 600; color: #2b1d14; }
QLabel#stockAmount { font-size: 14px; color: #6e5646; }
QLabel#stockWord { font-size: 15px; font-weight: 700; }
QWidget#stockPanel QPushButton { min-height: 32px; }
QPushButton#markOut { background: #efe6dc; color: #4a2c1a; border: 1px solid #cdbba8; }
"""


class StockRow(QFrame):
    """One item: its name and amount, a bar with LOW/OUT beside it, and its button."""

    def __init__(self, on_mark: Callable[[StockBar], None]) -> None:
        super().__init__()
        self._on_mark = on_mark
        self.setObjectName("stockRow")
        self.bar_data: StockBar | None = None
        self.name = plain_label(object_name="stockName")
        self.amount = plain_label(object_name="stockAmount")
        self.word = plain_label(object_name="stockWord")
        self.word.setWordWrap(False)
        self.amount.setWordWrap(False)
        self.amount.setFixedWidth(AMOUNT_PX)  # every bar the same length: comparable at a glance
        self.amount.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.bar = QProgressBar()
        self.bar.setRange(0, BAR_SCALE)
        self.bar.setTextVisible(False)
        self.bar.setFixedHeight(18)
        self.button = QPushButton()
        self.button.setMinimumSize(100, BUTTON_PX)
        self.button.clicked.connect(self._clicked)
        top = QHBoxLayout()
        top.addWidget(self.name, 1)
        top.addWidget(self.word)
        gauge = QHBoxLayout()
        gauge.addWidget(self.bar, 1)
        gauge.addWidget(self.amount)
        grid = QGridLayout(self)
        grid.setContentsMargins(10, 8, 16, 8)
        grid.setHorizontalSpacing(12)
        grid.addLayout(top, 0, 0)
        grid.addLayout(gauge, 1, 0)
        grid.addWidget(self.button, 0, 1, 2, 1, Qt.AlignmentFlag.AlignVCenter)

    def _clicked(self) -> None:
        if self.bar_data is not None:
            self._on_mark(self.bar_data)

    def show_bar(self, bar: StockBar) -> None:
        """Show ``bar``: only what changed is touched (a new order re-reads every bar, and a
        restyled widget costs milliseconds)."""
        before, self.bar_data = self.bar_data, bar
        if bar == before:
            return
        self.name.setText(bar.label)
        self.amount.setText(bar.amount)
        self.bar.setValue(round(bar.fraction * BAR_SCALE))
        self.word.setText(bar.word)
        self.word.setVisible(bool(bar.word))
        if before is None or before.state != bar.state:
            fill, ink = COLOURS[bar.state]
            self.bar.setStyleSheet(
                "QProgressBar { background: #efe6dc; border: none; border-radius: 6px; }"
                f"QProgressBar::chunk {{ background: {fill}; border-radius: 6px; }}"
            )
            self.word.setStyleSheet(f"color: {ink};")
        if before is None or before.marked_out != bar.marked_out:
            self.button.setText("Back in" if bar.marked_out else "Mark out")
            self.button.setObjectName("" if bar.marked_out else "markOut")
            self.button.style().unpolish(self.button)  # its object name picks the look
            self.button.style().polish(self.button)


class StockPanel(QWidget):
    """This station's stock (a side panel beside the queue)."""

    def __init__(self, *, replica: Replica, ops: OpRunner, signals: SyncSignals) -> None:
        super().__init__()
        self.setObjectName("stockPanel")
        self.setMinimumWidth(MIN_WIDTH)
        self.setStyleSheet(STYLE)
        self._replica, self._ops, self._signals = replica, ops, signals
        self.rows: dict[int, StockRow] = {}
        self.summary = plain_label(object_name="subtitle")
        self.notice = plain_label(object_name="subtitle")
        self.empty = plain_label(
            "This station tracks no stock yet. The organiser adds items on the Inventory screen."
        )
        self._list = QVBoxLayout()
        self._list.setSpacing(0)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.notice)
        layout.addWidget(self.empty)
        layout.addWidget(scrolled_column(self._list, name="stockInner"), 1)
        self.notice.hide()
        self.reads: SerialRead[str, tuple[StockBar, ...]] = SerialRead(
            ops, self._read, self._apply, label="Reading the stock"
        )
        signals.replica_changed.connect(self.on_replica_changed)
        self.reads.want(None)

    def on_replica_changed(self, changed: ReplicaChanged) -> None:
        if changed.everything or changed.order_ids or changed.entities & STOCK_ENTITIES:
            self.reads.want(None)

    def _read(self, _keys: frozenset[str] | None) -> tuple[StockBar, ...]:
        return stock_bars(self._replica)

    def _apply(self, _keys: frozenset[str] | None, bars: tuple[StockBar, ...]) -> None:
        if [b.id for b in bars] != list(self.rows):
            self._rebuild(bars)
        for bar in bars:
            self.rows[bar.id].show_bar(bar)
        self.empty.setVisible(not bars)
        self.summary.setText(_summary(bars))

    def _rebuild(self, bars: Sequence[StockBar]) -> None:
        for row in self.rows.values():
            self._list.removeWidget(row)
            row.deleteLater()
        self.rows = {}
        for bar in bars:
            row = StockRow(self.mark)
            self._list.addWidget(row)
            self.rows[bar.id] = row

    def row(self, label: str) -> StockRow:
        """The row of ``Oat milk`` (tests, keyboard)."""
        return next(r for r in self.rows.values() if r.bar_data and r.bar_data.label == label)

    # -- taps ----------------------------------------------------------------------------------
    def mark(self, bar: StockBar) -> None:
        """Mark ``bar``'s item out, or back in when it is marked out (through the outbox)."""
        replica, out = self._replica, not bar.marked_out
        self._ops.query(
            lambda: station_queries.mark_out(replica, str(bar.id), out),
            on_done=self._marked,
            on_error=self._refused,
            label=f"Mark {bar.label} {'out' if out else 'back in'}",
        )

    def _marked(self, _line: str) -> None:
        self.notice.hide()
        # The replica changed here and now: every view of the stock (and of what the station
        # can make) hears it, not just this panel.
        self._signals.replica_changed.emit(ReplicaChanged(entities=frozenset({"stock_items"})))

    def _refused(self, failure: OpFailed) -> None:
        self.notice.setText(failure.text)
        self.notice.show()


def _summary(bars: Sequence[StockBar]) -> str:
    out = sum(1 for b in bars if b.state is Level.OUT)
    low = sum(1 for b in bars if b.state is Level.LOW)
    if not bars:
        return ""
    if not out and not low:
        return f"{len(bars)} items, none low"
    parts = [f"{out} out"] * bool(out) + [f"{low} low"] * bool(low)
    return f"{len(bars)} items: " + ", ".join(parts)
