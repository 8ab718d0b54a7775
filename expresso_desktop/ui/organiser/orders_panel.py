"""The organiser's live order list: search, status filter, updated as orders commit."""

from __future__ import annotations

from PySide6.QtCore import QSortFilterProxyModel, Qt, QTimer
from PySide6.QtWidgets import QHeaderView, QLineEdit, QTableView, QVBoxLayout, QWidget

from expresso_desktop.services.order_views import load_order_rows
from expresso_desktop.services.organiser import OrganiserServices
from expresso_desktop.ui.common.bridge import ChangeBridge, ChangesCommitted
from expresso_desktop.ui.common.orders_model import OrdersTableModel
from expresso_desktop.ui.common.widgets import plain_label


class OrdersPanel(QWidget):
    def __init__(
        self, services: OrganiserServices, bridge: ChangeBridge, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._services = services
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
        self.model.reset_rows(load_order_rows(services.engine, services.event_id, services.menu))
        bridge.committed.connect(self._on_committed)
        # Ages are display only: repaint them each half minute; orders arrive by push.
        self._clock = QTimer(self, interval=30_000)
        self._clock.timeout.connect(self.model.touch_ages)
        self._clock.start()

    def _on_committed(self, event: ChangesCommitted) -> None:
        ids = event.ids_of("orders")
        ids |= {
            str(c.data["order_id"])
            for c in event.changes
            if c.entity == "order_items" and c.data and "order_id" in c.data
        }
        if ids:
            s = self._services
            self.model.upsert(load_order_rows(s.engine, s.event_id, s.menu, ids=ids))
