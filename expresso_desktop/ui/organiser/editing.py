"""Pieces the organiser's table + form editors (Schedule, Staff) share: a read-only table of a
keyed model picked by click or Enter, a confirmation asked without blocking, how a verdict
looks (a mark and words, never colour alone), and wall-clock times between Qt's editors and the
event's zone."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QDate, QDateTime, QModelIndex, Qt, QTime, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateTimeEdit,
    QHeaderView,
    QMessageBox,
    QTableView,
    QTimeEdit,
    QWidget,
)

from expresso_desktop.ui.common.keyed_table import KeyedTableModel
from expresso_desktop.ui.common.widgets import SIZE_SAMPLE_ROWS

ERROR_STYLE = "color: #a1261c; font-weight: 600;"
OK_STYLE = "color: #2f5a31; font-weight: 600;"
INVALID_FIELD = "border: 2px solid #a1261c;"
ROW_HEIGHT = 40


def capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def read_only_table(model: KeyedTableModel[Any], picked: Callable[[Any], None]) -> QTableView:
    """A table of ``model``'s rows; a click or Enter on a row calls ``picked(row)``. Only the
    user picks: a selection that moves because rows came or went picks nothing."""
    table = QTableView()
    table.setModel(model)
    table.verticalHeader().setVisible(False)
    table.verticalHeader().setDefaultSectionSize(ROW_HEIGHT)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setWordWrap(False)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setResizeContentsPrecision(SIZE_SAMPLE_ROWS)  # measure a screenful, not every row
    header.setStretchLastSection(True)

    def pick(index: QModelIndex) -> None:
        if index.isValid():
            picked(model.row_at(index.row()))

    table.clicked.connect(pick)
    table.activated.connect(pick)
    return table


def select_row(table: QTableView, model: KeyedTableModel[Any], key: object) -> None:
    """Show ``key``'s row as the selected one (or none)."""
    at = model.row_of(key) if key is not None else None
    if at is None:
        table.clearSelection()
    elif table.currentIndex().row() != at or not table.selectionModel().hasSelection():
        table.selectRow(at)


def ask(parent: QWidget, title: str, text: str, then: Callable[[], None]) -> QMessageBox:
    """A Yes/Cancel question (Cancel the default) that calls ``then`` on Yes; shown with
    ``open()``, so the GUI thread keeps running. Returned so a test can answer it."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle(title)
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setText(text)
    box.setStandardButtons(QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.accepted.connect(then)
    box.open()
    return box


def wall_time(value: QTime) -> time:
    return time(value.hour(), value.minute())


def in_zone(value: QDateTime, zone: ZoneInfo) -> datetime:
    """An editor's wall-clock time, in the event's zone (never the laptop's)."""
    day = value.date()
    return datetime.combine(date(day.year(), day.month(), day.day()), wall_time(value.time()), zone)


def wall_clock(moment: datetime) -> QDateTime:
    """``moment``'s wall-clock time as it reads in its own zone, for an editor."""
    day = QDate(moment.year, moment.month, moment.day)
    return QDateTime(day, QTime(moment.hour, moment.minute))


def combo(name: str) -> QComboBox:
    box = QComboBox()
    box.setAccessibleName(name)
    return box


def datetime_edit(name: str) -> QDateTimeEdit:
    edit = QDateTimeEdit()
    edit.setDisplayFormat("ddd d MMM yyyy  HH:mm")
    edit.setCalendarPopup(True)
    edit.setAccessibleName(name)
    return edit


def time_edit(name: str) -> QTimeEdit:
    edit = QTimeEdit()
    edit.setDisplayFormat("HH:mm")
    edit.setAccessibleName(name)
    return edit


def single_shot(parent: QWidget, interval_ms: int, then: Callable[[], None]) -> QTimer:
    timer = QTimer(parent)
    timer.setSingleShot(True)
    timer.setInterval(interval_ms)
    timer.timeout.connect(then)
    return timer
