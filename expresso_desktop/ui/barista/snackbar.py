"""The Undo bar: "A042 started — Undo" for 10 s after a tap (U on a keyboard or bump bar does
the same). Only the last tap (or batch) can be undone; a new tap replaces it.

Signals:
    undo_requested(UndoRequested) — the barista asked to take these taps back
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QPushButton, QWidget

from expresso_desktop.core.undo import UNDO_WINDOW
from expresso_desktop.sync.station_service import UndoTicket
from expresso_desktop.ui.common.widgets import plain_label

UNDO_FOR_MS = UNDO_WINDOW // timedelta(milliseconds=1)  # the organiser holds "ready" texts as long


@dataclass(frozen=True, slots=True)
class UndoRequested:
    tickets: tuple[UndoTicket, ...]


class UndoBar(QFrame):
    """Signals:
    undo_requested(UndoRequested) — Undo was pressed (or U) while the bar showed
    """

    undo_requested = Signal(UndoRequested)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("undoBar")
        self.text = plain_label(object_name="undoText")
        self.text.setWordWrap(False)
        self.button = QPushButton("Undo")
        self.button.setObjectName("undoButton")
        self.button.setMinimumSize(140, 56)
        self.button.clicked.connect(self.undo)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(18, 6, 8, 6)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.button)
        self.setMinimumHeight(68)
        self._tickets: tuple[UndoTicket, ...] = ()
        self._timer = QTimer(self, singleShot=True, interval=UNDO_FOR_MS)
        self._timer.timeout.connect(self.dismiss)
        self.hide()

    @property
    def tickets(self) -> tuple[UndoTicket, ...]:
        return self._tickets

    def offer(self, tickets: tuple[UndoTicket, ...]) -> None:
        if not tickets:
            return
        self._tickets = tickets
        if len(tickets) == 1:
            words = tickets[0].words
        else:
            words = f"{len(tickets)} orders {tickets[0].words.split(' ', 1)[1]}"
        self.text.setText(words)
        self.show()
        self._timer.start()

    def undo(self) -> bool:
        """Ask for the offered taps to be undone; False when there is nothing to undo."""
        if not self._tickets:
            return False
        tickets = self._tickets
        self.dismiss()
        self.undo_requested.emit(UndoRequested(tickets))
        return True

    def dismiss(self) -> None:
        self._timer.stop()
        self._tickets = ()
        self.hide()
