"""Pieces the organiser's list + form screens (Staff, Stations, Groups) build with: the heading
(title, its one action, a line saying what the screen is for), a field's error line (hidden
while the field is right) and a field with the lines under it."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLayout,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from expresso_desktop.ui.common.widgets import plain_label
from expresso_desktop.ui.organiser.editing import ERROR_STYLE


def screen_layout(screen: QWidget, title: str, subtitle: str, action: QPushButton) -> QVBoxLayout:
    """``screen``'s layout, headed by its title with ``action`` at the right and the subtitle
    under them; the screen adds its body."""
    row = QHBoxLayout()
    row.addWidget(plain_label(title, object_name="title"))
    row.addStretch(1)
    row.addWidget(action)
    layout = QVBoxLayout(screen)
    layout.addLayout(row)
    layout.addWidget(plain_label(subtitle, object_name="subtitle"))
    return layout


def list_beside(table: QWidget, empty: QLabel, side: QWidget, side_width: int) -> QHBoxLayout:
    """The list (``table``, its empty state under it) taking the room, ``side`` (the form or
    detail of the row picked) at its right, ``side_width`` wide."""
    left = QVBoxLayout()
    left.addWidget(table, 1)
    left.addWidget(empty)
    side.setFixedWidth(side_width)
    columns = QHBoxLayout()
    columns.addLayout(left, 1)
    columns.addWidget(side)
    return columns


def error_label() -> QLabel:
    """A field's error line (a "⚠" and words, never colour alone): hidden until set."""
    label = plain_label("")
    label.setStyleSheet(ERROR_STYLE)
    label.setVisible(False)
    return label


def add_field(
    form: QFormLayout, label: str, field: QWidget | QLayout, *under: QWidget | QLayout
) -> None:
    """``field`` on a row of ``form`` with ``label``; each of ``under`` (its error line, a
    note) on a row of its own below it."""
    form.addRow(label, field)
    for line in under:
        form.addRow("", line)
