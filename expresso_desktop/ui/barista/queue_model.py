"""The station's queue as a list model of read-only ``StationOrder``s, oldest first, updated
incrementally: ``update`` brings it to a whole queue (start-up, after a snapshot), ``patch``
applies just the orders a sync round or a tap changed — removed, changed in place or inserted
where they belong — so the other cards are not touched."""

from __future__ import annotations

import bisect
from collections.abc import Mapping, Sequence
from datetime import datetime
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

    def patch(self, changed: Mapping[str, StationOrder | None]) -> None:
        """Apply re-read orders: None = no longer in this queue."""
        for key, order in changed.items():
            at = self.row_of(key)
            if order is None:
                if at is not None:
                    self.beginRemoveRows(QModelIndex(), at, at)
                    del self._orders[at]
                    self.endRemoveRows()
            elif at is not None and _key(self._orders[at]) == _key(order):
                if self._orders[at] != order:
                    self._orders[at] = order
                    index = self.index(at)
                    self.dataChanged.emit(index, index)
            else:
                if at is not None:  # its place in the queue moved: take it out first
                    self.beginRemoveRows(QModelIndex(), at, at)
                    del self._orders[at]
                    self.endRemoveRows()
                place = bisect.bisect_left([_key(o) for o in self._orders], _key(order))
                self.beginInsertRows(QModelIndex(), place, place)
                self._orders.insert(place, order)
                self.endInsertRows()

    def row_of(self, key: str) -> int | None:
        return next((i for i, o in enumerate(self._orders) if o.id == key), None)

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


def _key(order: StationOrder) -> tuple[datetime, str]:
    """The queue's order: oldest first, ties by id (as the replica query sorts)."""
    return order.created_at, order.id
