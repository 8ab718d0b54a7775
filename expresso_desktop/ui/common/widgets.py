"""Small shared widgets. Labels here never interpret customer text as rich text."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget


def plain_label(
    text: str = "", *, object_name: str | None = None, parent: QWidget | None = None
) -> QLabel:
    """A QLabel fixed to plain text: a customer called ``<img src=…>`` shows as those characters."""
    label = QLabel(parent)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setText(text)
    label.setWordWrap(True)
    if object_name:
        label.setObjectName(object_name)
    return label


# Columns sized to their contents measure this many rows, not all of them: a 1,000-row table
# sized on every change cost over a second of GUI time.
SIZE_SAMPLE_ROWS = 40
