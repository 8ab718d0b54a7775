"""The barista station's window. Until pairing and sync land (their own issues) it shows the
station's local data folder and what the default menu offers."""

from __future__ import annotations

from PySide6.QtWidgets import QHeaderView, QMainWindow, QTableView, QVBoxLayout, QWidget

from expresso_desktop.core.menu import Menu
from expresso_desktop.settings import AppPaths
from expresso_desktop.ui.common.menu_model import MenuTableModel
from expresso_desktop.ui.common.widgets import plain_label


class BaristaWindow(QMainWindow):
    def __init__(self, *, menu: Menu, paths: AppPaths) -> None:
        super().__init__()
        self.setWindowTitle("Expresso — Barista station")
        self.resize(1024, 700)
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.addWidget(plain_label("Barista station", object_name="title"))
        self.status = plain_label(
            "Not paired with an organiser yet. Pairing arrives with the LAN server.",
            object_name="subtitle",
        )
        layout.addWidget(self.status)
        self.menu_view = table = QTableView()
        table.setModel(MenuTableModel(menu))
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        table.horizontalHeader().setStretchLastSection(True)
        table.verticalHeader().setVisible(False)
        layout.addWidget(table, 1)
        self.setCentralWidget(body)
        self.statusBar().showMessage(f"Station data: {paths.replica_db}")
