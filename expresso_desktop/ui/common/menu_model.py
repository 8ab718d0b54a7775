"""A read-only table of the menu's drinks: name, kind, default milk, synonyms customers use."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from expresso_desktop.core.menu import Menu

_Index = QModelIndex | QPersistentModelIndex


class MenuTableModel(QAbstractTableModel):
    HEADERS = ("Drink", "Kind", "Default milk", "Customers may write")

    def __init__(self, menu: Menu) -> None:
        super().__init__()
        self._menu = menu
        self._rows = [
            (
                d.name,
                "black" if d.black else ("no coffee" if not d.shots else "milk coffee"),
                menu.default_milk_for(d.name),
                ", ".join(d.synonyms[:6]),
            )
            for d in menu.drinks
        ]

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role != Qt.ItemDataRole.DisplayRole:
            return None
        return self._rows[index.row()][index.column()]

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.HEADERS[section]
        return None
