"""What the station's side panels (Stock, Today, History) share: their contents in a column
that scrolls, top-aligned, clear of the scroll bar."""

from __future__ import annotations

from PySide6.QtWidgets import QLayout, QScrollArea, QVBoxLayout, QWidget

from expresso_desktop.ui.common.widgets import vertical_scroll

SCROLL_BAR_ROOM = 12  # the column's right margin: text never runs under the scroll bar


def scrolled_column(*parts: QWidget | QLayout, name: str = "") -> QScrollArea:
    """``parts`` (widgets or layouts) top to bottom in a scrolling column; ``name``: the
    column's object name (the panel's style sheet may set its background)."""
    inner = QWidget()
    if name:
        inner.setObjectName(name)
    column = QVBoxLayout(inner)
    column.setContentsMargins(0, 0, SCROLL_BAR_ROOM, 0)
    for part in parts:
        if isinstance(part, QLayout):
            column.addLayout(part)
        else:
            column.addWidget(part)
    column.addStretch(1)
    return vertical_scroll(inner)
