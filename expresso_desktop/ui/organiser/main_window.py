"""The organiser's window: a sidebar of screens (orders, messages and the phone simulator, the
menu with the order-language tester, setup: pairing, devices, SMS) and a status bar. Built by the
composition root (``app.py``) from typed parts: the service host, the op runner, the change
bridge and the services the screens call."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtWidgets import QMainWindow

from expresso_desktop.core.menu import Menu
from expresso_desktop.services.dashboard import DashboardReader
from expresso_desktop.services.event_admin import EventAdmin
from expresso_desktop.services.group_views import GroupReads
from expresso_desktop.services.order_views import OrderReads
from expresso_desktop.services.pairing import PairingReads
from expresso_desktop.services.reports import ReportReader
from expresso_desktop.services.schedule_views import ScheduleReads
from expresso_desktop.services.staff_views import StaffReads
from expresso_desktop.services.station_admin_views import StationAdminReads
from expresso_desktop.services.stock_views import StockReads
from expresso_desktop.services.text_settings import LiveTexts
from expresso_desktop.services.writer import Writer
from expresso_desktop.sms.gateway_status import GatewayStatus
from expresso_desktop.sms.message_log import MessageLog
from expresso_desktop.sms.phone import SimulatedPhone
from expresso_desktop.ui.common.bridge import AlertRaised, ChangeBridge
from expresso_desktop.ui.common.ops import OpRunner
from expresso_desktop.ui.common.service_host import ServersStarted, ServiceFailure, ServiceHost
from expresso_desktop.ui.organiser.alerts import AlertsLine
from expresso_desktop.ui.organiser.groups_screen import GroupsScreen
from expresso_desktop.ui.organiser.inventory_screen import InventoryScreen
from expresso_desktop.ui.organiser.live_screen import AlertsShown, GoTo, LiveScreen
from expresso_desktop.ui.organiser.messages_screen import MessagesScreen, OpenOrder
from expresso_desktop.ui.organiser.navigation import Navigator
from expresso_desktop.ui.organiser.orders_screen import OrdersScreen
from expresso_desktop.ui.organiser.reports_screen import ReportsScreen
from expresso_desktop.ui.organiser.schedule_screen import ScheduleScreen
from expresso_desktop.ui.organiser.settings_screen import SettingsScreen
from expresso_desktop.ui.organiser.setup_panel import SetupPanel
from expresso_desktop.ui.organiser.staff_screen import StaffScreen
from expresso_desktop.ui.organiser.stations_screen import StationsScreen
from expresso_desktop.ui.organiser.status_line import StatusLine


@dataclass(frozen=True)
class OrganiserParts:
    """What the organiser's tabs call; built once by the composition root."""

    host: ServiceHost
    ops: OpRunner
    bridge: ChangeBridge
    writer: Writer
    menu: Menu
    orders: OrderReads  # the Orders screen's list and detail
    texts: LiveTexts  # what customer texts are written with now (the Orders screen's re-notify)
    pairing: PairingReads
    gateway: GatewayStatus
    phone: SimulatedPhone
    messages: MessageLog  # the SMS log and the outbound queue, for the Messages screen
    data_label: str  # where the event's data lives, for the status bar
    schedule: ScheduleReads
    staff: StaffReads
    settings: EventAdmin
    stations: StationAdminReads  # the Stations screen
    stock: StockReads  # the Inventory screen
    reports: ReportReader  # the event in figures and its orders as CSV, for Reports
    dashboard: DashboardReader  # the Live screen's tiles, chart and the stations online
    groups: GroupReads  # the Groups screen


class OrganiserWindow(QMainWindow):
    def __init__(self, parts: OrganiserParts) -> None:
        super().__init__()
        self.setWindowTitle("Expresso — Organiser")
        self.resize(1180, 760)
        self.nav = Navigator()
        self.live_screen = LiveScreen(parts.ops, parts.dashboard, parts.bridge, parts.host)
        self.nav.add("live", "Live", self.live_screen)
        self.live_screen.go_to.connect(self._go_to)
        self.orders_panel = OrdersScreen(
            parts.ops, parts.writer, parts.orders, parts.messages, parts.texts, parts.bridge
        )
        self.nav.add("orders", "Orders", self.orders_panel)
        self.messages_screen = MessagesScreen(
            parts.ops, parts.writer, parts.messages, parts.gateway, parts.phone, parts.bridge
        )
        self.simulator = self.messages_screen.simulator
        self.nav.add("messages", "Messages", self.messages_screen)
        # The Orders screen shows the order a text belongs to.
        self.messages_screen.open_order.connect(self._open_order)
        self.stations_screen = StationsScreen(
            parts.ops, parts.writer, parts.stations, parts.pairing, parts.host, parts.bridge
        )
        self.nav.add("stations", "Stations", self.stations_screen)
        self.inventory_screen = InventoryScreen(parts.ops, parts.writer, parts.stock, parts.bridge)
        self.nav.add("inventory", "Inventory", self.inventory_screen)
        self.schedule_screen = ScheduleScreen(parts.ops, parts.writer, parts.schedule, parts.bridge)
        self.nav.add("schedule", "Schedule", self.schedule_screen)
        self.staff_screen = StaffScreen(parts.ops, parts.writer, parts.staff, parts.bridge)
        self.nav.add("staff", "Staff", self.staff_screen)
        self.groups_screen = GroupsScreen(parts.ops, parts.writer, parts.groups, parts.bridge)
        self.nav.add("groups", "Groups", self.groups_screen)
        self.settings_screen = SettingsScreen(parts.ops, parts.writer, parts.settings, parts.bridge)
        self.nav.add("settings", "Settings", self.settings_screen)
        self.setup_panel = SetupPanel(
            ops=parts.ops,
            writer=parts.writer,
            reads=parts.pairing,
            gateway=parts.gateway,
            host=parts.host,
            bridge=parts.bridge,
        )
        self.nav.add("setup", "Setup", self.setup_panel)
        self.reports_screen = ReportsScreen(parts.ops, parts.writer, parts.reports, parts.bridge)
        self.nav.add("reports", "Reports", self.reports_screen)
        self.setCentralWidget(self.nav)
        self.alerts = AlertsLine()
        self.status_line = StatusLine(parts.ops, parts.gateway, parts.bridge, parts.host)
        self.statusBar().addWidget(self.status_line, 1)  # hidden while a message is shown
        self.statusBar().addPermanentWidget(self.alerts)
        self.live_screen.dashboard_read.connect(self.status_line.show_dashboard)
        self.live_screen.alerts_shown.connect(self._on_alerts_shown)
        self.statusBar().showMessage(f"Starting servers… Event data: {parts.data_label}")
        parts.host.started.connect(self._on_started)
        parts.host.failed.connect(self._on_failed)
        parts.bridge.alert_raised.connect(self._on_alert)

    def _on_started(self, started: ServersStarted) -> None:
        # The status line takes the bar back (SMS mode, webhook, stations online…); the
        # listeners' addresses and the rest are in the tooltip and on the Setup screen.
        self.statusBar().clearMessage()
        self.statusBar().setToolTip("\n".join(started.status_lines))

    def _on_failed(self, failure: ServiceFailure) -> None:
        self.statusBar().showMessage(f"The servers did not start: {failure.message}")

    def _on_alert(self, alert: AlertRaised) -> None:
        self.alerts.add(alert)

    def _open_order(self, order: OpenOrder) -> None:
        self.nav.show_screen("orders")
        self.orders_panel.select_order(order.order_id)

    def _go_to(self, target: GoTo) -> None:
        """The Live screen's "Go to …": the screen that fixes an alert."""
        if target.key in self.nav.keys:
            self.nav.show_screen(target.key)

    def _on_alerts_shown(self, shown: AlertsShown) -> None:
        self.status_line.show_alerts(shown.count)
        self.nav.set_badge("live", f"⚠ {shown.count}" if shown.count else "")
