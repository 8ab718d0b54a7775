"""A ``KeyedTableModel`` whose rows show as one tuple of cells each: a subclass says what a
row's cells are (``cells``) and, for more than the text, what a cell gives for another role
(``cell``); the row's id under ``ID_ROLE`` and the index checks are here, once."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from expresso_desktop.ui.common.keyed_table import Index, KeyedTableModel, RowT


class CellsTableModel(KeyedTableModel[RowT]):
    def cells(self, row: RowT) -> tuple[Any, ...]:
        """The row's text, one value per column of ``HEADERS``."""
        raise NotImplementedError(f"{type(self).__name__} says what its cells are")

    def cell(self, row: RowT, column: int, role: int) -> Any:
        """What column ``column`` of ``row`` gives for ``role``: its text, nothing else."""
        return self.cells(row)[column] if role == Qt.ItemDataRole.DisplayRole else None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        if role == self.ID_ROLE:
            return row.id
        return self.cell(row, index.column(), role)
