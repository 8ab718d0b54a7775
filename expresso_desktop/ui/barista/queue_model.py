"""The station's queue as list models of read-only ``StationOrder``s in queue order (VIPs still
to be made first, then oldest: ``StationOrder.queue_key``), updated incrementally: ``update``
brings it to a whole queue (start-up, after a snapshot), ``patch`` applies just the orders a
sync round or a tap changed — removed, changed in place or inserted where they belong — so the
other cards are not touched.

``QueueModel`` is the whole queue (the grid shows it); it feeds its three ``LaneModel``s (New,
Making, Ready) the same changes as it makes them: an order is inserted into or removed from
its lane by bisection, and a tap that moves a card on (New → Making) is a remove from one lane
and an insert into the next — no lane is re-filtered or re-sorted.

It also keeps the all-day counts (drinks still to make, by drink and milk) up to date as rows
come and go, so the strip above the queue never re-counts the whole queue."""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt

from expresso_desktop.core.orders import OrderStatus
from expresso_desktop.sync.station_service import StationOrder

_Index = QModelIndex | QPersistentModelIndex
ORDER_ROLE = Qt.ItemDataRole.UserRole + 1
PENDING = (OrderStatus.NEW, OrderStatus.IN_PROGRESS)
LANES = (OrderStatus.NEW, OrderStatus.IN_PROGRESS, OrderStatus.READY)

# A batch of drinks counted together: (drink, milk) as ordered ("none" for black).
DrinkKey = tuple[str, str]


def drink_keys(order: StationOrder) -> Counter[DrinkKey]:
    """The drinks ``order`` still needs made, by drink and milk (none once it is ready)."""
    out: Counter[DrinkKey] = Counter()
    if order.status in PENDING:
        for item in order.items:
            out[(item.drink, item.milk)] += item.quantity
    return out


class OrderList(QAbstractListModel):
    """Orders kept in queue order, one row each: found by id, placed by bisection."""

    def __init__(self) -> None:
        super().__init__()
        self._orders: list[StationOrder] = []
        self._keys: list[tuple[Any, ...]] = []  # queue_key of each row, for bisect
        self._by_id: dict[str, StationOrder] = {}

    def orders(self) -> list[StationOrder]:
        return list(self._orders)

    def order(self, key: str) -> StationOrder | None:
        return self._by_id.get(key)

    def order_at(self, row: int) -> StationOrder:
        return self._orders[row]

    def row_of(self, key: str) -> int | None:
        order = self._by_id.get(key)
        return None if order is None else bisect.bisect_left(self._keys, order.queue_key)

    def _insert(self, order: StationOrder) -> None:
        place = bisect.bisect_left(self._keys, order.queue_key)
        self.beginInsertRows(QModelIndex(), place, place)
        self._orders.insert(place, order)
        self._keys.insert(place, order.queue_key)
        self._by_id[order.id] = order
        self.endInsertRows()

    def _remove(self, row: int) -> None:
        self.beginRemoveRows(QModelIndex(), row, row)
        del self._by_id[self._orders[row].id]
        del self._orders[row]
        del self._keys[row]
        self.endRemoveRows()

    def _replace(self, row: int, order: StationOrder) -> None:
        """The same place in the queue, new contents: its card repainted."""
        self._orders[row] = self._by_id[order.id] = order
        index = self.index(row)
        self.dataChanged.emit(index, index)

    def touch(self, ids: Iterable[str]) -> None:
        """Repaint these orders' cards (their marks changed, not their data)."""
        for key in ids:
            row = self.row_of(key)
            if row is not None:
                index = self.index(row)
                self.dataChanged.emit(index, index)

    def touch_all(self) -> None:
        """Repaint every card, no data changed."""
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


class LaneModel(OrderList):
    """One lane of the queue: the orders in ``status``, in the queue's order (fed by its
    ``QueueModel``)."""

    def __init__(self, status: OrderStatus) -> None:
        super().__init__()
        self.status = status

    def add(self, order: StationOrder) -> None:
        self._insert(order)

    def drop(self, key: str) -> None:
        row = self.row_of(key)
        if row is not None:
            self._remove(row)

    def put(self, order: StationOrder) -> None:
        """``order`` changed in place (the same lane and place)."""
        row = self.row_of(order.id)
        if row is not None:
            self._replace(row, order)


class QueueModel(OrderList):
    def __init__(self) -> None:
        super().__init__()
        self.lanes = {status: LaneModel(status) for status in LANES}
        self.pending = Counter[DrinkKey]()  # the all-day counts

    def update(self, orders: Sequence[StationOrder]) -> None:
        """Become ``orders`` (a whole queue, in queue order): rows that stay keep their place
        and are repainted only if they changed."""
        wanted = {o.id: o for o in orders}
        for row in range(len(self._orders) - 1, -1, -1):  # bottom-up keeps indexes valid
            kept = wanted.get(self._orders[row].id)
            if kept is None or kept.queue_key != self._keys[row]:
                self._take(row)
        self.patch(wanted)

    def patch(self, changed: Mapping[str, StationOrder | None]) -> None:
        """Apply re-read orders: None = no longer in this queue."""
        for key, order in changed.items():
            at = self.row_of(key)
            if order is None:
                if at is not None:
                    self._take(at)
            elif at is not None and self._keys[at] == order.queue_key:
                if self._orders[at] != order:
                    self._change(at, order)
            else:
                if at is not None:  # its place in the queue moved: take it out first
                    self._take(at)
                self._add(order)

    def _add(self, order: StationOrder) -> None:
        self._count(order, +1)
        self._insert(order)
        if (lane := self.lanes.get(order.status)) is not None:
            lane.add(order)

    def _take(self, row: int) -> None:
        order = self._orders[row]
        self._count(order, -1)
        if (lane := self.lanes.get(order.status)) is not None:
            lane.drop(order.id)
        self._remove(row)

    def _change(self, row: int, order: StationOrder) -> None:
        before = self._orders[row]
        self._count(before, -1)
        self._count(order, +1)
        self._replace(row, order)
        if before.status is order.status:
            if (lane := self.lanes.get(order.status)) is not None:
                lane.put(order)
            return
        if (lane := self.lanes.get(before.status)) is not None:  # moved on: lane to lane
            lane.drop(order.id)
        if (lane := self.lanes.get(order.status)) is not None:
            lane.add(order)

    def _count(self, order: StationOrder, sign: int) -> None:
        for key, quantity in drink_keys(order).items():
            self.pending[key] += sign * quantity
            if self.pending[key] <= 0:
                del self.pending[key]

    def touch(self, ids: Iterable[str]) -> None:
        ids = list(ids)
        super().touch(ids)
        for lane in self.lanes.values():
            lane.touch(ids)

    def touch_all(self) -> None:
        super().touch_all()
        for lane in self.lanes.values():
            lane.touch_all()
