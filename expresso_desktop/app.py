"""Composition root: builds the services and the window for the chosen mode."""

from __future__ import annotations

import logging
import sys
from types import TracebackType

from expresso_desktop.settings import AppPaths, Mode

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


def run_gui(mode: Mode, paths: AppPaths) -> int:
    from PySide6.QtWidgets import QApplication

    from expresso_desktop.core.menu import load_default_menu
    from expresso_desktop.ui.common.theme import apply_theme

    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    app.setApplicationName("Expresso")
    apply_theme(app)
    sys.excepthook = _crash_handler
    menu = load_default_menu()
    if mode is Mode.ORGANISER:
        from expresso_desktop.services.organiser import build_organiser_services
        from expresso_desktop.store.errors import StoreError
        from expresso_desktop.ui.organiser.main_window import OrganiserWindow

        try:
            services = build_organiser_services(paths)
        except StoreError as exc:
            from PySide6.QtWidgets import QMessageBox

            log.error("cannot open the event database: %s", exc)
            QMessageBox.critical(None, "Expresso cannot open the event database", str(exc))
            return 2
        window = OrganiserWindow(menu=menu, paths=paths)
        app.aboutToQuit.connect(services.close)
    else:
        from expresso_desktop.ui.barista.main_window import BaristaWindow

        window = BaristaWindow(menu=menu, paths=paths)
    window.show()
    return app.exec()
