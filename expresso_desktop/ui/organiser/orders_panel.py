"""The organiser's live order list: search, status filter, updated as orders commit.

Only the orders a commit touched are re-read (off the GUI thread, through the op runner); the
first read fetches the newest orders."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from PySide6.QtCore import QSortFilterProxyModel, Qt, QTimer
from PySide6.QtWidgets import QHeaderView, QLineEdit, QTableView, QVBoxLayout, QWidget

from expresso_desktop.services.order_views import OrderRow
from expresso_desktop.ui.common.bridge import ChangeBridge, ChangesCommitted
from expresso_desktop.ui.common.ops import OpRunner, SerialRead
from expresso_desktop.ui.common.orders_model import OrdersTableModel
from expresso_desktop.ui.common.widgets import plain_label

# Reads order rows: the newest (None) or just these ids. Blocking; run through the op runner.
OrderReader = Callable[[Iterable[str] | None], list[OrderRow]]


class OrdersPanel(QWidget):
    def __init__(
        self,
        ops: OpRunner,
        read_orders: OrderReader,
        bridge: ChangeBridge,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.model = OrdersTableModel()
        self.proxy = QSortFilterProxyModel()
        self.proxy.setSourceModel(self.model)
        self.proxy.setFilterKeyColumn(-1)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.search = QLineEdit(placeholderText="Search orders: number, name, drink, station…")
        self.search.textChanged.connect(self.proxy.setFilterFixedString)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(False)
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        layout = QVBoxLayout(self)
        layout.addWidget(plain_label("Orders", object_name="title"))
        layout.addWidget(self.search)
        layout.addWidget(self.table, 1)
        self.reads = SerialRead(ops, read_orders, self._apply, label="Reading orders")
        self.reads.want(None)
        bridge.committed.connect(self._on_committed)
        # Ages are display only: repaint them each half minute; orders arrive by push.
        self._clock = QTimer(self, interval=30_000)
        self._clock.timeout.connect(self.model.touch_ages)
        self._clock.start()

    def _on_committed(self, event: ChangesCommitted) -> None:
        if event.order_ids:
            self.reads.want(event.order_ids)

    def _apply(self, ids: frozenset[str] | None, rows: list[OrderRow]) -> None:
        if ids is None:
            self.model.reset_rows(rows)
        else:
            self.model.upsert(rows)
