"""The organiser's window: live orders, the phone simulator, the order-language tester, the
menu and setup (pairing, devices, SMS). Built by the composition root with the services, the
service host and the change bridge."""

from __future__ import annotations

from PySide6.QtWidgets import QHeaderView, QMainWindow, QTableView, QTabWidget

from expresso_desktop.services.organiser import OrganiserServices
from expresso_desktop.sms.simulator import Target
from expresso_desktop.ui.common.bridge import ChangeBridge, ChangesCommitted
from expresso_desktop.ui.common.menu_model import MenuTableModel
from expresso_desktop.ui.common.service_host import ServiceHost
from expresso_desktop.ui.organiser.orders_panel import OrdersPanel
from expresso_desktop.ui.organiser.parser_panel import ParserPanel
from expresso_desktop.ui.organiser.setup_panel import SetupPanel
from expresso_desktop.ui.organiser.simulator_panel import SimulatorPanel


class OrganiserWindow(QMainWindow):
    def __init__(
        self, *, services: OrganiserServices, host: ServiceHost, bridge: ChangeBridge
    ) -> None:
        super().__init__()
        self.setWindowTitle("Expresso — Organiser")
        self.resize(1180, 760)
        data_dir = services.paths.data_dir
        self.tabs = QTabWidget()
        self.orders_panel = OrdersPanel(services, bridge)
        self.tabs.addTab(self.orders_panel, "Orders")
        self.simulator = SimulatorPanel(
            host, services.engine, lambda: Target.for_data_dir(data_dir)
        )
        self.tabs.addTab(self.simulator, "Phone simulator")
        self.parser_panel = ParserPanel(services.menu)
        self.tabs.addTab(self.parser_panel, "Order language")
        self.menu_view = QTableView()
        self.menu_view.setModel(MenuTableModel(services.menu))
        header = self.menu_view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.menu_view.verticalHeader().setVisible(False)
        self.tabs.addTab(self.menu_view, "Menu")
        self.setup_panel = SetupPanel(services, host, bridge)
        self.tabs.addTab(self.setup_panel, "Setup")
        self.setCentralWidget(self.tabs)
        self.statusBar().showMessage(f"Starting servers… Event data: {services.paths.master_db}")
        host.started.connect(self._on_started)
        bridge.committed.connect(self._on_committed)
        self.tabs.currentChanged.connect(self._on_tab)

    def _on_started(self, lines: list[str]) -> None:
        # The listeners' addresses fit the status bar; the rest (certificate, SMS mode) is on
        # the Setup tab and in the tooltip.
        short = [line for line in lines if " on http" in line]
        self.statusBar().showMessage("  ·  ".join(short or lines))
        self.statusBar().setToolTip("\n".join(lines))
        self.simulator.refresh()

    def _on_tab(self, _index: int) -> None:
        if self.tabs.currentWidget() is self.simulator:
            self.simulator.refresh()

    def _on_committed(self, event: ChangesCommitted) -> None:
        if self.tabs.currentWidget() is self.simulator and "sms_messages" in event.touched:
            self.simulator.refresh()
