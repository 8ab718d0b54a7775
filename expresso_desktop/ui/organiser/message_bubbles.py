"""A phone's conversation as a phone shows it: bubbles, the phone owner's on the right, the
event's on the left, each with who and when under it (the side is never the only cue).

Bodies are customer text: plain-text labels only. A conversation that grew is appended to (the
bubbles already shown stay, the view follows the newest); any other change redraws it.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QFrame, QScrollArea, QVBoxLayout, QWidget

from expresso_desktop.sms.phone import PhoneLine
from expresso_desktop.ui.common.bubble import Bubble
from expresso_desktop.ui.common.widgets import plain_label


class PhoneBubble(Bubble):
    """One text: the bubble and its caption ("You · 10:42"), on its side."""

    def __init__(self, line: PhoneLine, parent: QWidget | None = None) -> None:
        super().__init__(line.body, mine=line.from_customer, parent=parent)
        self.line = line
        who = "You" if line.from_customer else "Expresso"
        self.caption.setText(f"{who} · {line.at.astimezone().strftime('%H:%M')}")
        self.setAccessibleName(f"{who}: {line.body}")


class MessageThread(QScrollArea):
    """Bubbles, oldest at the top; the empty state says what to do."""

    def __init__(self, empty_text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("thread")
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        inner = QWidget()
        inner.setObjectName("threadInner")
        self._column = QVBoxLayout(inner)
        self._column.setContentsMargins(10, 10, 10, 10)
        self._column.setSpacing(8)
        self.empty = plain_label(empty_text, object_name="subtitle")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._column.addWidget(self.empty)
        self._column.addStretch(1)
        self.setWidget(inner)
        self._bubbles: list[PhoneBubble] = []
        # New bubbles grow the scroll range once laid out: follow them to the newest.
        self.verticalScrollBar().rangeChanged.connect(self._to_newest)

    @property
    def lines(self) -> tuple[PhoneLine, ...]:
        return tuple(bubble.line for bubble in self._bubbles)

    def toPlainText(self) -> str:
        """The thread as text, one line per bubble ("10:42  You: latte"), like a text view."""
        return "\n".join(bubble.line.text for bubble in self._bubbles)

    def show_lines(self, lines: Sequence[PhoneLine]) -> None:
        lines = tuple(lines)
        shown = self.lines
        if lines == shown:
            return
        if lines[: len(shown)] == shown:
            fresh = lines[len(shown) :]
        else:
            for bubble in self._bubbles:
                bubble.deleteLater()
            self._bubbles = []
            fresh = lines
        for line in fresh:
            bubble = PhoneBubble(line)
            # before the stretch that keeps bubbles at the top
            self._column.insertWidget(self._column.count() - 1, bubble)
            bubble.fit(self.viewport().width())
            self._bubbles.append(bubble)
        self.empty.setVisible(not self._bubbles)

    def _to_newest(self, _low: int, high: int) -> None:
        self.verticalScrollBar().setValue(high)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        width = self.viewport().width()
        for bubble in self._bubbles:
            bubble.fit(width)
