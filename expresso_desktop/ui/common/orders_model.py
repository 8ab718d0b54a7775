"""The live order list: rows are read-only ``OrderRow``s, updated in place as orders change."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import Qt

from expresso_desktop.core.orders import status_label
from expresso_desktop.services.order_views import OrderRow
from expresso_desktop.ui.common.cells_model import CellsTableModel


class OrdersTableModel(CellsTableModel[OrderRow]):
    HEADERS = ("Order", "Name", "Drinks", "Station", "Status", "Age")
    NEW_ROWS_FIRST = True  # the newest order on top

    def upsert(self, rows: Iterable[OrderRow], *, older: bool = False) -> None:
        """New orders go on top, newest first; ``older`` ones (the rest of the list, read in
        its own order) at the end."""
        if older:
            super().upsert(rows, older=True)
        else:
            super().upsert(sorted(rows, key=lambda r: r.created_at, reverse=True))

    def touch_ages(self) -> None:
        self.repaint_column(len(self.HEADERS) - 1)

    def cell(self, row: OrderRow, column: int, role: int) -> Any:
        """One cell's text, worked out alone: a screenful repaints on every new order, and
        building the whole row (``cells``) for each of its cells costs half as much again."""
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if column == 0:
            return row.number + (" ★VIP" if row.vip else "")
        if column == 1:
            return row.customer_name
        if column == 2:
            return row.summary
        if column == 3:
            return row.station
        if column == 4:
            return status_label(row.status)
        minutes = int((datetime.now(UTC) - row.created_at).total_seconds() // 60)
        return f"{minutes} min"
