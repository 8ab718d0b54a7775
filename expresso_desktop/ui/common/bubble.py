"""A message bubble as a phone or a chat shows it: the body on its writer's side (right for
"you"), and under it who wrote it and when (the side is never the only cue). Bodies are plain
text. Used by the organiser's test phone and by the chat of both windows."""

from __future__ import annotations

from typing import Generic, TypeVar

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QScrollArea, QVBoxLayout, QWidget

from expresso_desktop.ui.common.widgets import plain_label

BUBBLE_SHARE = 0.78  # of the thread's width: the other side's margin shows whose bubble it is
MIN_WIDTH = 120
PAD_X, PAD_Y = 12, 8  # inside a bubble, around its text


class Bubble(QWidget):
    """One message: its bubble on ``mine``'s side and a caption under it (set by the caller)."""

    def __init__(self, body: str, *, mine: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.text = body
        self.body = plain_label(body, object_name="bubbleMine" if mine else "bubbleTheirs")
        self.body.setContentsMargins(PAD_X, PAD_Y, PAD_X, PAD_Y)
        self.body.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.caption = plain_label(object_name="bubbleCaption")
        self.caption.setAlignment(
            Qt.AlignmentFlag.AlignRight if mine else Qt.AlignmentFlag.AlignLeft
        )
        side = QHBoxLayout()
        side.setContentsMargins(0, 0, 0, 0)
        if mine:
            side.addStretch(1)
        side.addWidget(self.body)
        if not mine:
            side.addStretch(1)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addLayout(side)
        column.addWidget(self.caption)

    def fit(self, width: int) -> None:
        """As wide as its text needs, up to its share of ``width``; a fixed width lets the
        wrapped text take the height it needs."""
        room = max(MIN_WIDTH, int(width * BUBBLE_SHARE))
        self.body.ensurePolished()
        wrapped = self.body.fontMetrics().boundingRect(
            QRect(0, 0, room - 2 * PAD_X, 100_000), Qt.TextFlag.TextWordWrap, self.text
        )
        self.body.setFixedWidth(min(room, wrapped.width() + 2 * PAD_X + 2))


B = TypeVar("B", bound=Bubble)


class BubbleThread(QScrollArea, Generic[B]):
    """Bubbles, oldest at the top, following the newest as they come; ``empty`` says what to
    do when there are none. ``at_bottom``: few bubbles sit by the compose line (a chat) rather
    than at the top (a phone)."""

    def __init__(
        self, empty_text: str = "", *, at_bottom: bool = False, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("thread")
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        inner = QWidget()
        inner.setObjectName("threadInner")
        self._column = QVBoxLayout(inner)
        self._column.setContentsMargins(12, 12, 12, 12)
        self._column.setSpacing(10)
        self.empty = plain_label(empty_text, object_name="subtitle")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        if at_bottom:
            self._column.addStretch(1)
            self._column.addWidget(self.empty)
        else:
            self._column.addWidget(self.empty)
            self._column.addStretch(1)
        self._at_bottom = at_bottom
        self.setWidget(inner)
        self.bubbles: list[B] = []
        # New bubbles grow the scroll range once laid out: follow them to the newest.
        self.verticalScrollBar().rangeChanged.connect(self._to_newest)

    def clear_bubbles(self) -> None:
        for bubble in self.bubbles:
            bubble.deleteLater()
        self.bubbles = []

    def append(self, bubble: B) -> None:
        """``bubble`` after the others (above the empty note or the stretch), fitted."""
        self._column.insertWidget(self._column.count() - 1, bubble)
        bubble.fit(self.viewport().width())
        self.bubbles.append(bubble)

    def settled(self) -> None:
        self.empty.setVisible(not self.bubbles)

    def _to_newest(self, _low: int, high: int) -> None:
        self.verticalScrollBar().setValue(high)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        width = self.viewport().width()
        for bubble in self.bubbles:
            bubble.fit(width)
