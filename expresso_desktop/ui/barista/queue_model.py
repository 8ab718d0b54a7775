"""The station's queue as a list model of read-only ``StationOrder``s in queue order (VIPs still
to be made first, then oldest: ``StationOrder.queue_key``), updated incrementally: ``update``
brings it to a whole queue (start-up, after a snapshot), ``patch`` applies just the orders a
sync round or a tap changed — removed, changed in place or inserted where they belong — so the
other cards are not touched. ``LaneFilter`` shows one lane (New, Making, Ready) of it.

It also keeps the all-day counts (drinks still to make, by drink and milk) up to date as rows
come and go, so the strip above the queue never re-counts the whole queue."""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QPersistentModelIndex,
    QSize,
    QSortFilterProxyModel,
    Qt,
)

from expresso_desktop.core.orders import OrderStatus
from expresso_desktop.sync.station_service import StationOrder

_Index = QModelIndex | QPersistentModelIndex
ORDER_ROLE = Qt.ItemDataRole.UserRole + 1
PENDING = (OrderStatus.NEW, OrderStatus.IN_PROGRESS)

# A batch of drinks counted together: (drink, milk) as ordered ("none" for black).
DrinkKey = tuple[str, str]


def drink_keys(order: StationOrder) -> Counter[DrinkKey]:
    """The drinks ``order`` still needs made, by drink and milk (none once it is ready)."""
    out: Counter[DrinkKey] = Counter()
    if order.status in PENDING:
        for item in order.items:
            out[(item.drink, item.milk)] += item.quantity
    return out


class QueueModel(QAbstractListModel):
    def __init__(self) -> None:
        super().__init__()
        self._orders: list[StationOrder] = []
        self._keys: list[tuple[Any, ...]] = []  # queue_key of each row, for bisect
        self._by_id: dict[str, StationOrder] = {}
        self.pending = Counter[DrinkKey]()  # the all-day counts
        self.sizer: Callable[[StationOrder], QSize] | None = None  # a card's cell, if set

    def orders(self) -> list[StationOrder]:
        return list(self._orders)

    def update(self, orders: Sequence[StationOrder]) -> None:
        """Become ``orders`` (a whole queue, in queue order): rows that stay keep their place
        and are repainted only if they changed."""
        wanted = {o.id: o for o in orders}
        for row in range(len(self._orders) - 1, -1, -1):  # bottom-up keeps indexes valid
            kept = wanted.get(self._orders[row].id)
            if kept is None or kept.queue_key != self._keys[row]:
                self._remove(row)
        self.patch({o.id: o for o in orders})

    def patch(self, changed: Mapping[str, StationOrder | None]) -> None:
        """Apply re-read orders: None = no longer in this queue."""
        for key, order in changed.items():
            at = self.row_of(key)
            if order is None:
                if at is not None:
                    self._remove(at)
            elif at is not None and self._keys[at] == order.queue_key:
                if self._orders[at] != order:
                    self._count(self._orders[at], -1)
                    self._count(order, +1)
                    self._orders[at] = self._by_id[key] = order
                    index = self.index(at)
                    self.dataChanged.emit(index, index)
            else:
                if at is not None:  # its place in the queue moved: take it out first
                    self._remove(at)
                place = bisect.bisect_left(self._keys, order.queue_key)
                self.beginInsertRows(QModelIndex(), place, place)
                self._orders.insert(place, order)
                self._keys.insert(place, order.queue_key)
                self._by_id[key] = order
                self._count(order, +1)
                self.endInsertRows()

    def _remove(self, row: int) -> None:
        self.beginRemoveRows(QModelIndex(), row, row)
        self._count(self._orders[row], -1)
        del self._by_id[self._orders[row].id]
        del self._orders[row]
        del self._keys[row]
        self.endRemoveRows()

    def _count(self, order: StationOrder, sign: int) -> None:
        for key, quantity in drink_keys(order).items():
            self.pending[key] += sign * quantity
            if self.pending[key] <= 0:
                del self.pending[key]

    def row_of(self, key: str) -> int | None:
        order = self._by_id.get(key)
        return None if order is None else bisect.bisect_left(self._keys, order.queue_key)

    def order(self, key: str) -> StationOrder | None:
        return self._by_id.get(key)

    def touch(self, ids: set[str]) -> None:
        """Repaint these orders' cards (their marks changed, not their data)."""
        for key in ids:
            row = self.row_of(key)
            if row is not None:
                index = self.index(row)
                self.dataChanged.emit(index, index)

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
        if role == Qt.ItemDataRole.SizeHintRole and self.sizer is not None:
            return self.sizer(order)
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{order.number} {order.customer_name}"
        return None


class LaneFilter(QSortFilterProxyModel):
    """One lane of the queue: the orders in ``status``, in the queue's order."""

    def __init__(self, source: QueueModel, status: OrderStatus) -> None:
        super().__init__()
        self.status = status
        self.setSourceModel(source)
        self.setDynamicSortFilter(True)

    def filterAcceptsRow(self, source_row: int, source_parent: _Index) -> bool:
        order = self.sourceModel().index(source_row, 0, source_parent).data(ORDER_ROLE)
        return isinstance(order, StationOrder) and order.status is self.status
