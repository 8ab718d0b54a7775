"""Composition root: builds the services and the window for the chosen mode."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import partial
from types import TracebackType
from typing import TYPE_CHECKING

from expresso_desktop.lifecycle import Component, exit_promptly
from expresso_desktop.settings import AppPaths, Mode

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

    from expresso_desktop.server.headless import OrganiserRuntime
    from expresso_desktop.server.options import ServeOptions
    from expresso_desktop.services.organiser import OrganiserServices
    from expresso_desktop.sms.public_address import PublicAddress
    from expresso_desktop.sync.station_options import BoardOptions, StationOptions
    from expresso_desktop.ui.common.bridge import ChangeBridge
    from expresso_desktop.ui.common.ops import OpRunner
    from expresso_desktop.ui.common.service_host import ServersStarted, ServiceHost
    from expresso_desktop.ui.organiser.main_window import OrganiserWindow

log = logging.getLogger(__name__)
# When start-up is over (the window built, the servers up): what it made is frozen out of the
# garbage collector's full passes (ui/common/collector.py).
SETTLE_AFTER_MS = 5_000


def _crash_handler(
    exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None
) -> None:
    """Bugs: the traceback goes to the log; the user gets a short message, not a dead window."""
    log.critical("unhandled error", exc_info=(exc_type, exc, tb))
    from PySide6.QtWidgets import QApplication, QMessageBox

    if QApplication.instance() is not None:
        QMessageBox.critical(
            None,
            "Expresso hit a bug",
            f"{exc_type.__name__}: {exc}\n\nDetails are in the log. Your data is safe.",
        )


def run_gui(
    mode: Mode,
    paths: AppPaths,
    options: ServeOptions | StationOptions | BoardOptions | None = None,
) -> int:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from expresso_desktop.ui.common.collector import GuiThreadCollector
    from expresso_desktop.ui.common.theme import apply_theme

    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    app.setApplicationName("Expresso")
    apply_theme(app)
    collector = GuiThreadCollector(app)  # Qt objects are only ever collected on this thread
    QTimer.singleShot(SETTLE_AFTER_MS, collector.settle)  # start-up's objects: kept for good
    sys.excepthook = _crash_handler
    if mode is Mode.ORGANISER:
        from expresso_desktop.server.options import ServeOptions

        assert options is None or isinstance(options, ServeOptions)
        return _run_organiser(app, paths, options or ServeOptions())
    if mode is Mode.BOARD:
        from expresso_desktop.sync.station_options import BoardOptions

        assert isinstance(options, BoardOptions)
        return _run_board(app, paths.board, options)
    from expresso_desktop.sync.station_options import StationOptions

    assert options is None or isinstance(options, StationOptions)
    return _run_barista(app, paths, options or StationOptions())


def _run_organiser(app: QApplication, paths: AppPaths, options: ServeOptions) -> int:
    from PySide6.QtWidgets import QMessageBox

    from expresso_desktop.ui.organiser.main_window import OrganiserWindow

    # The window first (its first frame needs no service), then the event and the servers.
    window = OrganiserWindow()
    window.show()
    app.processEvents()

    from expresso_desktop.services.demo import seed_demo
    from expresso_desktop.services.organiser import build_organiser_services
    from expresso_desktop.store.errors import StoreError

    try:
        services = build_organiser_services(paths)
    except StoreError as exc:
        log.error("cannot open the event database: %s", exc)
        QMessageBox.critical(window, "Expresso cannot open the event database", str(exc))
        return 2
    if options.demo:  # before the screens read: nothing to keep responsive yet
        services.writer.run_sync(partial(seed_demo, event_id=services.event_id, menu=services.menu))
    gui = build_organiser_gui(services, options, window=window)
    gui.host.failed.connect(
        lambda failure: QMessageBox.critical(
            gui.window, "Expresso could not start its servers", failure.text
        )
    )
    gui.host.start()
    offer_setup(gui, services)  # a new data folder: the first-run wizard over the window
    try:
        return app.exec()
    finally:
        gui.close()  # the service thread stops within its deadline (stations told "going away")
        services.close()
        exit_promptly()


@dataclass
class OrganiserGui:
    """The organiser's window and what runs beside it, built once from its services."""

    host: ServiceHost
    ops: OpRunner
    bridge: ChangeBridge
    window: OrganiserWindow

    def close(self) -> None:
        self.ops.close()
        self.host.stop()
        self.bridge.close()


def build_organiser_gui(
    services: OrganiserServices, options: ServeOptions, *, window: OrganiserWindow | None = None
) -> OrganiserGui:
    """The organiser's GUI composition: the service host (its servers and the screens' ops),
    the change bridge, and the window (``window``, already shown, or a new one) with the
    services its screens call. ``host.start()`` is the caller's."""
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
    from expresso_desktop.sms.gateway_status import GatewayStatus
    from expresso_desktop.sms.message_log import MessageLog
    from expresso_desktop.sms.phone import SimulatedPhone
    from expresso_desktop.sms.public_address import PublicAddress
    from expresso_desktop.ui.common.bridge import ChangeBridge
    from expresso_desktop.ui.common.ops import OpRunner
    from expresso_desktop.ui.common.service_host import ServiceHost
    from expresso_desktop.ui.organiser.main_window import OrganiserParts, OrganiserWindow

    bridge = ChangeBridge(services.bus)
    address = PublicAddress()  # the Setup screen's public address, tunnel and registration
    host = ServiceHost(
        partial(organiser_runtime, services, options, address), describe=describe_organiser
    )
    ops = OpRunner(host)
    parts = OrganiserParts(
        host=host,
        ops=ops,
        bridge=bridge,
        writer=services.writer,
        menu=services.menu,
        orders=OrderReads(services.engine, services.event_id, services.menus.current_menu),
        texts=services.texts,
        pairing=PairingReads(services.engine, services.event_id),
        gateway=GatewayStatus(services.engine),
        phone=SimulatedPhone(services.engine, services.paths.data_dir),
        messages=MessageLog(services.engine, services.event_id),
        data_label=str(services.paths.master_db),
        schedule=ScheduleReads(services.engine, services.event_id),
        staff=StaffReads(services.engine),
        settings=EventAdmin(
            services.engine,
            event_id=services.event_id,
            bundled=services.templates,
            data_dir=services.paths.data_dir,
            menus=services.menus,
        ),
        reports=ReportReader(services.engine, services.event_id, services.menus),
        stations=StationAdminReads(services.engine, services.event_id),
        stock=StockReads(services.engine, services.event_id),
        dashboard=DashboardReader(services.engine, services.event_id),
        groups=GroupReads(services.engine, services.event_id, services.menus),
        chat=ChatReads(services.engine, services.event_id),
        public_address=address,
    )
    if window is None:
        return OrganiserGui(host, ops, bridge, OrganiserWindow(parts))
    window.attach(parts)
    return OrganiserGui(host, ops, bridge, window)


def organiser_runtime(
    services: OrganiserServices, options: ServeOptions, address: PublicAddress
) -> OrganiserRuntime:
    """``build_components`` with the Setup screen's public address attached to the webhook's
    signature check and the Twilio gateway, and started last (so stopped first: its tunnel)."""
    from expresso_desktop.server.headless import build_components
    from expresso_desktop.sms.outbound.notifier import WebhookRegistrar

    runtime = build_components(services, options)
    registrar = next((c for c in runtime if isinstance(c, WebhookRegistrar)), None)
    address.attach(
        auth=runtime.webhook_auth,
        listener_url=lambda: runtime.webhook_listener.url,
        gateway=runtime.gateway,
        registrar=registrar,
    )
    return replace(runtime, components=(*runtime.components, address))


def offer_setup(gui: OrganiserGui, services: OrganiserServices) -> None:
    """The first-run wizard over the shown window when the data folder is new (never after
    ``--demo``, which seeded it, nor once finished or skipped); then the Live screen."""
    from expresso_desktop.services.first_run import FirstRun
    from expresso_desktop.ui.organiser.first_run import offer_first_run

    offer_first_run(
        gui.window,
        gui.ops,
        services.writer,
        FirstRun(services.engine, services.event_id, services.menus),
        lambda _finished: gui.window.nav.show_screen("live"),
    )


def describe_organiser(runtime: Iterable[Component]) -> ServersStarted:
    """What the organiser's started runtime means for its screens: the listeners, where
    stations reach us and the certificate they pin, and the SMS side's lines."""
    from expresso_desktop.server.headless import OrganiserRuntime
    from expresso_desktop.ui.common.service_host import Listener, ServersStarted

    assert isinstance(runtime, OrganiserRuntime)
    lan = runtime.lan_listener
    webhook = runtime.webhook_listener
    listeners = (Listener(webhook.name, webhook.url), Listener(lan.name, lan.url))
    reports = [(c, str(line)) for c in runtime if (line := getattr(c, "status_line", None))]
    lan_side = {lan.name, "mdns"}  # the LAN listener's and its advert's lines are not SMS's
    sms = [
        f"{webhook.name} on {webhook.url}",
        *(line for c, line in reports if c.name not in lan_side),
    ]
    return ServersStarted(
        listeners=listeners,
        lan_url=lan.url,
        fingerprint=lan.identity.fingerprint_hex,
        ca_url=lan.ca_url,
        sms_lines=tuple(sms),
        status_lines=tuple(
            [f"{entry.name} on {entry.url}" for entry in listeners] + [line for _, line in reports]
        ),
    )


def _run_board(app: QApplication, paths: AppPaths, options: BoardOptions) -> int:
    from expresso_desktop.ui.barista.opening import OpeningBoard

    # "Opening the board…" on the display first, then the board (its replica, its sync).
    opening = OpeningBoard(fullscreen=options.fullscreen)
    app.processEvents()

    from expresso_desktop.ui.barista.board_app import run_board

    return run_board(app, paths, options, opening=opening)


def _run_barista(app: QApplication, paths: AppPaths, options: StationOptions) -> int:
    from expresso_desktop.ui.barista.main_window import BaristaWindow

    # The window first ("Opening the station…": its first frame needs no replica, no sync),
    # then the station on it, the service loop and the sync.
    window = BaristaWindow()
    window.show()
    app.processEvents()

    from expresso_desktop.ui.barista.station_app import StationApp

    station = StationApp(paths, options, window=window)
    station.start()
    try:
        return app.exec()
    finally:
        station.close()
