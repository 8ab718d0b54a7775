"""The paired devices as a read-only table: name, role, station, last seen, status (and when it
was paired, as the name's tooltip).

Rows are ``DeviceRow``s keyed by id and updated in place, so a refresh keeps the selection.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from expresso_desktop.ui.organiser.setup_actions import DeviceRow

_Index = QModelIndex | QPersistentModelIndex

ROLE_LABELS = {"barista": "Barista", "display": "Display", "runner": "Runner"}
REVOKED_COLOUR = QColor("#9a8676")


def when(moment: datetime | None, *, now: datetime | None = None) -> str:
    """Local time; today's as HH:MM, older ones with the date."""
    if moment is None:
        return "never"
    local = moment.astimezone()
    today = (now or datetime.now(UTC)).astimezone().date()
    return local.strftime("%H:%M") if local.date() == today else local.strftime("%d %b %H:%M")


class DevicesTableModel(QAbstractTableModel):
    HEADERS = ("Name", "Role", "Station", "Last seen", "Status")
    ID_ROLE = Qt.ItemDataRole.UserRole + 1

    def __init__(self) -> None:
        super().__init__()
        self._rows: list[DeviceRow] = []
        self._index: dict[int, int] = {}

    # -- feeding ----------------------------------------------------------------------------------
    def set_rows(self, rows: Iterable[DeviceRow]) -> None:
        """Bring the table to ``rows`` (in their order): changed rows update in place, new ones
        are appended, vanished ones removed. Devices are never deleted, so that last is rare."""
        wanted = list(rows)
        keep = {r.id for r in wanted}
        for gone in reversed(range(len(self._rows))):
            if self._rows[gone].id not in keep:
                self.beginRemoveRows(QModelIndex(), gone, gone)
                del self._rows[gone]
                self.endRemoveRows()
        self._reindex()
        fresh: list[DeviceRow] = []
        for row in wanted:
            at = self._index.get(row.id)
            if at is None:
                fresh.append(row)
            elif self._rows[at] != row:
                self._rows[at] = row
                self.dataChanged.emit(self.index(at, 0), self.index(at, len(self.HEADERS) - 1))
        if fresh:
            start = len(self._rows)
            self.beginInsertRows(QModelIndex(), start, start + len(fresh) - 1)
            self._rows.extend(fresh)
            self._reindex()
            self.endInsertRows()

    def row_at(self, row: int) -> DeviceRow:
        return self._rows[row]

    def row_of(self, device_id: int) -> int | None:
        return self._index.get(device_id)

    def _reindex(self) -> None:
        self._index = {r.id: i for i, r in enumerate(self._rows)}

    # -- Qt model interface -----------------------------------------------------------------------
    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        if role == self.ID_ROLE:
            return row.id
        if role == Qt.ItemDataRole.ForegroundRole and not row.active:
            return REVOKED_COLOUR
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == 0:
            return f"Paired {when(row.paired_at)}"
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        column = index.column()
        if column == 0:
            return row.name
        if column == 1:
            return ROLE_LABELS.get(row.role, row.role)
        if column == 2:
            return row.station or "—"
        if column == 3:
            return when(row.last_seen)
        return "active" if row.active else "revoked"

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.HEADERS[section]
        return None
