"""The live order list: rows are read-only ``OrderRow``s, updated in place as orders change."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from expresso_desktop.services.order_views import OrderRow

_Index = QModelIndex | QPersistentModelIndex

STATUS_LABELS = {
    "new": "New",
    "in_progress": "Making",
    "ready": "Ready",
    "collected": "Collected",
    "cancelled": "Cancelled",
}


class OrdersTableModel(QAbstractTableModel):
    HEADERS = ("Order", "Name", "Drinks", "Station", "Status", "Age")
    ID_ROLE = Qt.ItemDataRole.UserRole + 1

    def __init__(self) -> None:
        super().__init__()
        self._rows: list[OrderRow] = []
        self._index: dict[str, int] = {}

    # -- feeding ------------------------------------------------------------------------------
    def reset_rows(self, rows: Iterable[OrderRow]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self._reindex()
        self.endResetModel()

    def upsert(self, rows: Iterable[OrderRow]) -> None:
        """Changed orders update their row; new ones are inserted at the top (newest first)."""
        fresh = []
        for row in rows:
            at = self._index.get(row.id)
            if at is None:
                fresh.append(row)
                continue
            self._rows[at] = row
            self.dataChanged.emit(self.index(at, 0), self.index(at, len(self.HEADERS) - 1))
        if fresh:
            fresh.sort(key=lambda r: r.created_at, reverse=True)
            self.beginInsertRows(QModelIndex(), 0, len(fresh) - 1)
            self._rows[:0] = fresh
            self._reindex()
            self.endInsertRows()

    def touch_ages(self) -> None:
        if self._rows:
            age = len(self.HEADERS) - 1
            self.dataChanged.emit(self.index(0, age), self.index(len(self._rows) - 1, age))

    def row_at(self, row: int) -> OrderRow:
        return self._rows[row]

    def _reindex(self) -> None:
        self._index = {r.id: i for i, r in enumerate(self._rows)}

    # -- Qt model interface -------------------------------------------------------------------
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
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        column = index.column()
        if column == 0:
            return row.number + (" ★VIP" if row.vip else "")
        if column == 1:
            return row.customer_name
        if column == 2:
            return row.summary
        if column == 3:
            return row.station
        if column == 4:
            return STATUS_LABELS.get(row.status, row.status)
        minutes = int((datetime.now(UTC) - row.created_at).total_seconds() // 60)
        return f"{minutes} min"

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.HEADERS[section]
        return None
