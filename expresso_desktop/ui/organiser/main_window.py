"""The organiser's window: a sidebar of screens (orders, messages and the phone simulator, the
menu with the order-language tester, setup: pairing, devices, SMS) and a status bar. Built by the
composition root (``app.py``) from typed parts: the service host, the op runner, the change
bridge and the services the screens call."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from PySide6.QtWidgets import QMainWindow, QWidget

from expresso_desktop.ui.common.widgets import plain_label
from expresso_desktop.ui.organiser.navigation import Navigator

if TYPE_CHECKING:  # the screens and services load after the first frame (``attach``)
    from expresso_desktop.core.menu import Menu
    from expresso_desktop.services.chat import ChatReads
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
    from expresso_desktop.sms.public_address import PublicAddress
    from expresso_desktop.ui.common.bridge import AlertRaised, ChangeBridge
    from expresso_desktop.ui.common.chat_view import UnreadChanged
    from expresso_desktop.ui.common.ops import OpRunner
    from expresso_desktop.ui.common.service_host import (
        ServersStarted,
        ServiceFailure,
        ServiceHost,
    )
    from expresso_desktop.ui.organiser.groups_screen import GroupsScreen
    from expresso_desktop.ui.organiser.inventory_screen import InventoryScreen
    from expresso_desktop.ui.organiser.live_screen import AlertsShown, GoTo
    from expresso_desktop.ui.organiser.messages_screen import MessagesScreen, OpenOrder
    from expresso_desktop.ui.organiser.orders_screen import OrdersScreen
    from expresso_desktop.ui.organiser.reports_screen import ReportsScreen
    from expresso_desktop.ui.organiser.schedule_screen import ScheduleScreen
    from expresso_desktop.ui.organiser.settings_screen import SettingsScreen
    from expresso_desktop.ui.organiser.setup_panel import SetupPanel
    from expresso_desktop.ui.organiser.simulator_panel import SimulatorPanel
    from expresso_desktop.ui.organiser.staff_screen import StaffScreen
    from expresso_desktop.ui.organiser.stations_screen import StationsScreen

# The sidebar, in order; every screen but Live is built when first shown.
SCREENS = (
    ("live", "Live"),
    ("orders", "Orders"),
    ("messages", "Messages"),
    ("stations", "Stations"),
    ("inventory", "Inventory"),
    ("schedule", "Schedule"),
    ("staff", "Staff"),
    ("groups", "Groups"),
    ("chat", "Chat"),
    ("settings", "Settings"),
    ("setup", "Setup"),
    ("reports", "Reports"),
)


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
    chat: ChatReads  # the Chat screen: channels, messages, what the organiser has read
    public_address: PublicAddress  # the Setup screen's public URL, tunnel and webhook


class OrganiserWindow(QMainWindow):
    """The sidebar and the status bar, shown before the event is open (its first frame costs
    no service import); ``attach`` then builds the Live screen, the status line and, on first
    use, every other screen."""

    def __init__(self, parts: OrganiserParts | None = None) -> None:
        super().__init__()
        self.setWindowTitle("Expresso — Organiser")
        self.resize(1280, 800)  # three station tiles side by side on a laptop screen
        self.nav = Navigator()
        self.nav.add("live", "Live", plain_label("Opening the event…", object_name="subtitle"))
        self.setCentralWidget(self.nav)
        self.statusBar().showMessage("Opening the event…")
        self.parts: OrganiserParts | None = None
        if parts is not None:
            self.attach(parts)

    def attach(self, parts: OrganiserParts) -> None:
        """Build the screens on the event's services (once)."""
        from expresso_desktop.ui.organiser.alerts import AlertsLine
        from expresso_desktop.ui.organiser.chat_screen import ChatScreen
        from expresso_desktop.ui.organiser.live_screen import LiveScreen
        from expresso_desktop.ui.organiser.status_line import StatusLine

        self.parts = parts
        self.live_screen = LiveScreen(parts.ops, parts.dashboard, parts.bridge, parts.host)
        self.nav.replace("live", self.live_screen)
        self.live_screen.go_to.connect(self._go_to)
        # Built now, not when first shown: its unread badge follows the change feed from the start.
        self.chat_screen = ChatScreen(parts.ops, parts.writer, parts.chat, parts.bridge)
        self.chat_screen.view.unread_changed.connect(self._on_chat_unread)
        builders = {
            "orders": self._build_orders,
            "messages": self._build_messages,
            "stations": self._build_stations,
            "inventory": self._build_inventory,
            "schedule": self._build_schedule,
            "staff": self._build_staff,
            "groups": self._build_groups,
            "chat": lambda: self.chat_screen,
            "settings": self._build_settings,
            "setup": self._build_setup,
            "reports": self._build_reports,
        }
        for key, title in SCREENS[1:]:
            self.nav.add_lazy(key, title, builders[key])
        self.alerts = AlertsLine()
        self.status_line = StatusLine(
            parts.ops, parts.gateway, parts.bridge, parts.host, parts.public_address
        )
        # Added while "Opening the event…" shows, it would stay hidden for good (Qt hides a
        # widget added under a message explicitly): clear the message first.
        self.statusBar().clearMessage()
        self.statusBar().addWidget(self.status_line, 1)  # hidden while a message is shown
        self.statusBar().addPermanentWidget(self.alerts)
        self.live_screen.dashboard_read.connect(self.status_line.show_dashboard)
        self.live_screen.alerts_shown.connect(self._on_alerts_shown)
        self.statusBar().showMessage(f"Starting servers… Event data: {parts.data_label}")
        parts.host.started.connect(self._on_started)
        parts.host.failed.connect(self._on_failed)
        parts.bridge.alert_raised.connect(self._on_alert)

    def _parts(self) -> OrganiserParts:
        assert self.parts is not None, "attach() first"
        return self.parts

    # -- the screens, built on first use ---------------------------------------------------------
    def _build_orders(self) -> QWidget:
        from expresso_desktop.ui.organiser.orders_screen import OrdersScreen

        p = self._parts()
        return OrdersScreen(p.ops, p.writer, p.orders, p.messages, p.texts, p.bridge)

    def _build_messages(self) -> QWidget:
        from expresso_desktop.ui.organiser.messages_screen import MessagesScreen

        p = self._parts()
        screen = MessagesScreen(p.ops, p.writer, p.messages, p.gateway, p.phone, p.bridge)
        screen.open_order.connect(self._open_order)  # the Orders screen shows a text's order
        return screen

    def _build_stations(self) -> QWidget:
        from expresso_desktop.ui.organiser.stations_screen import StationsScreen

        p = self._parts()
        return StationsScreen(p.ops, p.writer, p.stations, p.pairing, p.host, p.bridge)

    def _build_inventory(self) -> QWidget:
        from expresso_desktop.ui.organiser.inventory_screen import InventoryScreen

        p = self._parts()
        return InventoryScreen(p.ops, p.writer, p.stock, p.bridge)

    def _build_schedule(self) -> QWidget:
        from expresso_desktop.ui.organiser.schedule_screen import ScheduleScreen

        p = self._parts()
        return ScheduleScreen(p.ops, p.writer, p.schedule, p.bridge)

    def _build_staff(self) -> QWidget:
        from expresso_desktop.ui.organiser.staff_screen import StaffScreen

        p = self._parts()
        return StaffScreen(p.ops, p.writer, p.staff, p.bridge)

    def _build_groups(self) -> QWidget:
        from expresso_desktop.ui.organiser.groups_screen import GroupsScreen

        p = self._parts()
        return GroupsScreen(p.ops, p.writer, p.groups, p.bridge)

    def _build_settings(self) -> QWidget:
        from expresso_desktop.ui.organiser.settings_screen import SettingsScreen

        p = self._parts()
        return SettingsScreen(p.ops, p.writer, p.settings, p.bridge)

    def _build_setup(self) -> QWidget:
        from expresso_desktop.ui.organiser.setup_panel import SetupPanel

        p = self._parts()
        panel = SetupPanel(
            ops=p.ops, writer=p.writer, reads=p.pairing, gateway=p.gateway, host=p.host,
            bridge=p.bridge, address=p.public_address,
        )  # fmt: skip
        panel.webhook_changed.connect(self.status_line.show_webhook)
        return panel

    def _build_reports(self) -> QWidget:
        from expresso_desktop.ui.organiser.reports_screen import ReportsScreen

        p = self._parts()
        return ReportsScreen(p.ops, p.writer, p.reports, p.bridge)

    # -- each screen by name (built if it was not yet) --------------------------------------------
    @property
    def orders_panel(self) -> OrdersScreen:
        return cast("OrdersScreen", self.nav.screen_for("orders"))

    @property
    def messages_screen(self) -> MessagesScreen:
        return cast("MessagesScreen", self.nav.screen_for("messages"))

    @property
    def simulator(self) -> SimulatorPanel:
        return self.messages_screen.simulator

    @property
    def stations_screen(self) -> StationsScreen:
        return cast("StationsScreen", self.nav.screen_for("stations"))

    @property
    def inventory_screen(self) -> InventoryScreen:
        return cast("InventoryScreen", self.nav.screen_for("inventory"))

    @property
    def schedule_screen(self) -> ScheduleScreen:
        return cast("ScheduleScreen", self.nav.screen_for("schedule"))

    @property
    def staff_screen(self) -> StaffScreen:
        return cast("StaffScreen", self.nav.screen_for("staff"))

    @property
    def groups_screen(self) -> GroupsScreen:
        return cast("GroupsScreen", self.nav.screen_for("groups"))

    @property
    def settings_screen(self) -> SettingsScreen:
        return cast("SettingsScreen", self.nav.screen_for("settings"))

    @property
    def setup_panel(self) -> SetupPanel:
        return cast("SetupPanel", self.nav.screen_for("setup"))

    @property
    def reports_screen(self) -> ReportsScreen:
        return cast("ReportsScreen", self.nav.screen_for("reports"))

    # -- news ------------------------------------------------------------------------------------
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

    def _on_chat_unread(self, unread: UnreadChanged) -> None:
        self.nav.set_badge("chat", f"{unread.total} new" if unread.total else "")
