"""A message bubble as a phone or a chat shows it: the body on its writer's side (right for
"you"), and under it who wrote it and when (the side is never the only cue). Bodies are plain
text. Used by the organiser's test phone and by the chat of both windows."""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

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
