"""A delegate for big read-only tables whose models give only text (``DisplayRole``).

Qt's standard delegate asks a model for eight roles per cell on every paint (font, colours,
alignment, check state, icon, text…); from a Python model each ask is a call across the
binding. A new order on top of the Orders screen repaints a screenful of cells: some 600 calls,
most of them answered ``None``. This one asks for the text alone."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QStyledItemDelegate, QStyleOptionViewItem

TEXT = QStyleOptionViewItem.ViewItemFeature.HasDisplay
LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
DISPLAY = Qt.ItemDataRole.DisplayRole


class TextOnlyDelegate(QStyledItemDelegate):
    """The view's font and palette, the model's text, left-aligned (flags made once: an enum
    operation from Python costs more than the text)."""

    def initStyleOption(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        option.text = str(index.data(DISPLAY) or "")
        option.features = TEXT
        option.displayAlignment = LEFT
