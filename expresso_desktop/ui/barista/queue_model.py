"""The station's queue as a list model of read-only ``StationOrder``s, updated incrementally:
orders that left the queue are removed, changed ones updated in place, new ones inserted."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt

from expresso_desktop.sync.station_service import StationOrder

_Index = QModelIndex | QPersistentModelIndex
ORDER_ROLE = Qt.ItemDataRole.UserRole + 1


class QueueModel(QAbstractListModel):
    def __init__(self) -> None:
        super().__init__()
        self._orders: list[StationOrder] = []

    def orders(self) -> list[StationOrder]:
        return list(self._orders)

    def update(self, orders: Sequence[StationOrder]) -> None:
        wanted = {o.id for o in orders}
        for row in range(len(self._orders) - 1, -1, -1):  # bottom-up keeps indexes valid
            if self._orders[row].id not in wanted:
                self.beginRemoveRows(QModelIndex(), row, row)
                del self._orders[row]
                self.endRemoveRows()
        for position, order in enumerate(orders):
            current = self._orders[position] if position < len(self._orders) else None
            if current is not None and current.id == order.id:
                if current != order:
                    self._orders[position] = order
                    index = self.index(position)
                    self.dataChanged.emit(index, index)
                continue
            existing = next(
                (i for i in range(position, len(self._orders)) if self._orders[i].id == order.id),
                None,
            )
            if existing is not None:  # re-ordered: move it up to where it now belongs
                self.beginMoveRows(QModelIndex(), existing, existing, QModelIndex(), position)
                self._orders.insert(position, self._orders.pop(existing))
                self.endMoveRows()
                self._orders[position] = order
                index = self.index(position)
                self.dataChanged.emit(index, index)
            else:
                self.beginInsertRows(QModelIndex(), position, position)
                self._orders.insert(position, order)
                self.endInsertRows()

    def touch_all(self) -> None:
        """Ages changed (a clock tick): repaint every card, no data changed."""
        if self._orders:
            self.dataChanged.emit(self.index(0), self.index(len(self._orders) - 1))

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._orders)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        order = self._orders[index.row()]
        if role == ORDER_ROLE:
            return order
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{order.number} {order.customer_name}"
        return None
