"""The stations as a read-only table: number, name, location, status (a mark and a word),
what each makes, its device's connection, measured make time and the drinks waiting.

Rows are ``StationRow``s keyed by id and updated in place. "Online" depends on the time as well
as the row: the screen moves ``now`` on and repaints that column."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QObject, Qt

from expresso_desktop.services.station_admin_views import StationRow
from expresso_desktop.ui.common.keyed_table import Index, KeyedTableModel
from expresso_desktop.ui.organiser.staff_screen import make_time
from expresso_desktop.ui.organiser.station_form import KIND_TITLES, KINDS


class StationTableModel(KeyedTableModel[StationRow]):
    HEADERS = ("No.", "Name", "Location", "Status", "Makes", "Device", "Make time", "Waiting")
    CONNECTION = 5

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.now: datetime = datetime.now(UTC)  # what "online" is measured against

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        column = index.column()
        if role == self.ID_ROLE:
            return row.id
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (0, 6, 7):
            return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        if role == Qt.ItemDataRole.ToolTipRole:
            return _tooltip(row, column)
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        return (
            str(row.number),
            row.name or f"Station {row.number}",
            row.location or "—",
            row.status_word,
            row.makes,
            row.connection(self.now),
            make_time(row.make_time_s),
            str(row.waiting),
        )[column]


def _tooltip(row: StationRow, column: int) -> str | None:
    if column == 4:
        return "\n".join(
            f"{KIND_TITLES[kind]}: {', '.join(names) or 'none'}"
            for kind, names in zip(KINDS, (row.drinks, row.milks, row.extras), strict=True)
        )
    if column == 5:
        return f"{row.devices} device(s) paired for this station"
    if column == 7:
        return "Drinks not yet made there (new and in progress)"
    return None
