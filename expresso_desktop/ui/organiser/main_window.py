"""The organiser's window. For now: the order-language tester and the event's menu; the event
screens (dashboard, stations, inventory, SMS console...) arrive with their issues."""

from __future__ import annotations

from PySide6.QtWidgets import QHeaderView, QMainWindow, QTableView, QTabWidget

from expresso_desktop.core.menu import Menu
from expresso_desktop.settings import AppPaths
from expresso_desktop.ui.common.menu_model import MenuTableModel
from expresso_desktop.ui.organiser.parser_panel import ParserPanel


class OrganiserWindow(QMainWindow):
    def __init__(self, *, menu: Menu, paths: AppPaths) -> None:
        super().__init__()
        self.setWindowTitle("Expresso — Organiser")
        self.resize(1100, 720)
        tabs = QTabWidget()
        self.parser_panel = ParserPanel(menu)
        tabs.addTab(self.parser_panel, "Order language")
        self.menu_view = QTableView()
        self.menu_view.setModel(MenuTableModel(menu))
        self.menu_view.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents
        )
        self.menu_view.horizontalHeader().setStretchLastSection(True)
        self.menu_view.verticalHeader().setVisible(False)
        tabs.addTab(self.menu_view, "Menu")
        self.setCentralWidget(tabs)
        self.statusBar().showMessage(f"Event data: {paths.master_db}")
