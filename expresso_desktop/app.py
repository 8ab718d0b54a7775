"""Composition root: builds the services and the window for the chosen mode."""

from __future__ import annotations

import logging
import sys
from functools import partial
from types import TracebackType
from typing import TYPE_CHECKING

from expresso_desktop.settings import AppPaths, Mode

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

    from expresso_desktop.server.headless import ServeOptions
    from expresso_desktop.sync.station import StationOptions

log = logging.getLogger(__name__)


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
    mode: Mode, paths: AppPaths, options: ServeOptions | StationOptions | None = None
) -> int:
    from PySide6.QtWidgets import QApplication

    from expresso_desktop.ui.common.theme import apply_theme

    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    app.setApplicationName("Expresso")
    apply_theme(app)
    sys.excepthook = _crash_handler
    if mode is Mode.ORGANISER:
        from expresso_desktop.server.headless import ServeOptions

        assert options is None or isinstance(options, ServeOptions)
        return _run_organiser(app, paths, options or ServeOptions())
    from expresso_desktop.sync.station import StationOptions

    assert options is None or isinstance(options, StationOptions)
    return _run_barista(app, paths, options or StationOptions())


def _run_organiser(app: QApplication, paths: AppPaths, options: ServeOptions) -> int:
    from PySide6.QtWidgets import QMessageBox

    from expresso_desktop.server.headless import build_components
    from expresso_desktop.services.demo import seed_demo
    from expresso_desktop.services.organiser import build_organiser_services
    from expresso_desktop.store.errors import StoreError
    from expresso_desktop.ui.common.bridge import ChangeBridge
    from expresso_desktop.ui.common.service_host import ServiceHost
    from expresso_desktop.ui.organiser.main_window import OrganiserWindow

    try:
        services = build_organiser_services(paths)
    except StoreError as exc:
        log.error("cannot open the event database: %s", exc)
        QMessageBox.critical(None, "Expresso cannot open the event database", str(exc))
        return 2
    if options.demo:
        services.writer.run_sync(partial(seed_demo, event_id=services.event_id, menu=services.menu))
    bridge = ChangeBridge(services.bus)
    host = ServiceHost(partial(build_components, services, options))
    window = OrganiserWindow(services=services, host=host, bridge=bridge)
    host.failed.connect(
        lambda message: QMessageBox.critical(
            window, "Expresso could not start its servers", message
        )
    )
    window.show()
    host.start()
    try:
        return app.exec()
    finally:
        host.stop()
        bridge.close()
        services.close()


def _run_barista(app: QApplication, paths: AppPaths, options: StationOptions) -> int:
    from expresso_desktop.ui.barista.station_app import StationApp

    station = StationApp(paths, options)
    station.start()
    station.window.show()
    try:
        return app.exec()
    finally:
        station.close()
