"""A delegate for big read-only tables whose models give only text (``DisplayRole``).

Qt's standard delegate asks a model for seven roles per cell on every paint (font, colours,
alignment, check state, icon, text…), each a call across the binding, then lays the text out
twice (to size it, to draw it) through the style. A new order on top of the Orders screen
repaints a screenful of cells. This one asks for the text alone and draws it elided in one
call; selection and the view's palette and font are kept."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QPainter, QPalette
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

DISPLAY = Qt.ItemDataRole.DisplayRole
LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
SELECTED = QStyle.StateFlag.State_Selected
ELIDE = Qt.TextElideMode.ElideRight


class TextOnlyDelegate(QStyledItemDelegate):
    def __init__(self, view: QWidget) -> None:
        super().__init__(view)
        # The room the style leaves each side of a cell's text (what column sizing assumes).
        self._pad = (
            view.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, view) + 1
        )

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        text = index.data(DISPLAY)
        rect = option.rect
        palette = option.palette
        if option.state & SELECTED:
            painter.fillRect(rect, palette.brush(QPalette.ColorRole.Highlight))
            painter.setPen(palette.color(QPalette.ColorRole.HighlightedText))
        else:
            painter.setPen(palette.color(QPalette.ColorRole.Text))
        if text:
            room = rect.adjusted(self._pad, 0, -self._pad, 0)
            metrics = option.fontMetrics
            painter.drawText(room, LEFT, metrics.elidedText(str(text), ELIDE, room.width()))
