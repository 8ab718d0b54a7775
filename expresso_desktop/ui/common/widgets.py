"""Small shared widgets. Labels here never interpret customer text as rich text."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QFrame, QHeaderView, QLabel, QScrollArea, QTableView, QWidget


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


def vertical_scroll(inner: QWidget) -> QScrollArea:
    """``inner`` in a frameless area that scrolls up and down only, over the panel's own
    background (side panels, lists of rows)."""
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QFrame.Shape.NoFrame)
    scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    scroll.setWidget(inner)
    scroll.viewport().setAutoFillBackground(False)
    return scroll


# Columns sized to their contents measure this many rows, not all of them: a 1,000-row table
# sized on every change cost over a second of GUI time.
SIZE_SAMPLE_ROWS = 40


def fit_columns(table: QTableView, *, stretch: int, keep: tuple[int, ...] = ()) -> None:
    """Columns sized to their contents when the rows are loaded (a reset, or the first rows of an
    empty table), then left to the user: a header that re-sized on every inserted row measured a
    screenful of rows each time (some 600 ``data`` calls per new order on the Orders screen).
    ``stretch`` takes the room left; ``keep`` columns keep the width they were given."""
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.setResizeContentsPrecision(SIZE_SAMPLE_ROWS)
    header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    model = table.model()

    def fit() -> None:
        for column in range(model.columnCount()):
            if column != stretch and column not in keep:
                table.resizeColumnToContents(column)

    def first_rows(_parent: QModelIndex | QPersistentModelIndex, first: int, last: int) -> None:
        if model.rowCount() == last - first + 1:  # the table was empty
            fit()

    model.modelReset.connect(fit)
    model.rowsInserted.connect(first_rows)
    table.installEventFilter(_OnRestyle(table, fit))
    fit()


class _OnRestyle(QObject):
    """Calls ``then`` when its widget's style or font changes (a theme applied: wider text)."""

    def __init__(self, parent: QWidget, then: Callable[[], None]) -> None:
        super().__init__(parent)
        self._then = then

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.StyleChange, QEvent.Type.FontChange):
            self._then()
        return False
