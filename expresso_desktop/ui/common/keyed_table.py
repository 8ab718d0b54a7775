"""A read-only table of frozen rows keyed by ``id``, updated in place: changed rows emit
``dataChanged``, new rows are inserted (at the top or the bottom), so views keep their selection
and scroll position. Subclasses give the headers and ``data``.

A new row costs O(1) bookkeeping wherever it goes: each key maps to a serial number and a row
is its serial less ``_base``, so a row put on top lowers ``_base`` instead of renumbering the
thousand rows below it. Only removals renumber."""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import Any, ClassVar, Generic, Protocol, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt

Index = QModelIndex | QPersistentModelIndex


class _Keyed(Protocol):
    @property
    def id(self) -> Hashable: ...


RowT = TypeVar("RowT", bound=_Keyed)


class KeyedTableModel(QAbstractTableModel, Generic[RowT]):
    HEADERS: ClassVar[tuple[str, ...]] = ()
    NEW_ROWS_FIRST: ClassVar[bool] = False
    ID_ROLE = Qt.ItemDataRole.UserRole + 1

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[RowT] = []
        self._serial: dict[Hashable, int] = {}  # key → serial; its row is serial - _base
        self._base = 0

    # -- feeding ------------------------------------------------------------------------------
    def reset_rows(self, rows: Iterable[RowT]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self._reindex()
        self.endResetModel()

    def upsert(self, rows: Iterable[RowT], *, older: bool = False) -> None:
        """Changed rows update in place; unknown ones are inserted in the order given: where new
        rows go (``NEW_ROWS_FIRST``), or at the far end when they are ``older`` (the rest of a
        list read a page at a time)."""
        fresh: list[RowT] = []
        for row in rows:
            at = self.row_of(row.id)
            if at is None:
                fresh.append(row)
            elif self._rows[at] != row:
                self._rows[at] = row
                self.dataChanged.emit(self.index(at, 0), self.index(at, len(self.HEADERS) - 1))
        if not fresh:
            return
        on_top = older is not self.NEW_ROWS_FIRST
        start = 0 if on_top else len(self._rows)
        first_serial = self._base - len(fresh) if on_top else self._base + len(self._rows)
        self.beginInsertRows(QModelIndex(), start, start + len(fresh) - 1)
        self._rows[start:start] = fresh
        for k, row in enumerate(fresh):
            self._serial[row.id] = first_serial + k
        if on_top:
            self._base -= len(fresh)
        self.endInsertRows()

    def set_rows(self, rows: Iterable[RowT]) -> None:
        """Bring the table to exactly ``rows``: vanished rows are removed, the rest upserted."""
        wanted = list(rows)
        keep = {r.id for r in wanted}
        for gone in reversed(range(len(self._rows))):
            if self._rows[gone].id not in keep:
                self.beginRemoveRows(QModelIndex(), gone, gone)
                del self._rows[gone]
                self.endRemoveRows()
        self._reindex()
        self.upsert(wanted)

    def repaint_column(self, column: int) -> None:
        """A derived value (an age) moved on: repaint one column, no data changed."""
        if self._rows:
            self.dataChanged.emit(self.index(0, column), self.index(len(self._rows) - 1, column))

    def row_at(self, row: int) -> RowT:
        return self._rows[row]

    def row_of(self, key: Hashable) -> int | None:
        serial = self._serial.get(key)
        return None if serial is None else serial - self._base

    def _reindex(self) -> None:
        self._serial = {r.id: i for i, r in enumerate(self._rows)}
        self._base = 0

    # -- Qt model interface -------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.HEADERS[section]
        return None
