"""A real organiser window for screen tests: the demo event in an SQLite file under tmp_path, the
real services, its servers on 127.0.0.1 (no mDNS), the window shown on one screen."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any

from expresso_desktop.app import OrganiserGui, build_organiser_gui
from expresso_desktop.server.options import ServeOptions
from expresso_desktop.services.demo import seed_demo
from expresso_desktop.services.organiser import OrganiserServices, build_organiser_services
from expresso_desktop.services.writer import Tx
from expresso_desktop.settings import AppPaths
from expresso_desktop.ui.organiser.main_window import OrganiserWindow

# Screens show texts as they go: no undo hold on "ready" (tests/sms/outbound test the hold).
LOOPBACK = ServeOptions(
    host="127.0.0.1",
    webhook_port=0,
    lan_host="127.0.0.1",
    lan_port=0,
    mdns=False,
    ready_hold=timedelta(0),
)


@dataclass
class Organiser:
    gui: OrganiserGui
    services: OrganiserServices

    @property
    def window(self) -> OrganiserWindow:
        return self.gui.window

    def idle(self) -> bool:
        """No op of the window's is in flight (waited on before asserting nothing happened)."""
        return self.gui.ops.busy == 0


@contextmanager
def running_organiser(
    qtbot: Any, tmp_path: Path, screen: str, prepare: Callable[[Tx], object] | None = None
) -> Iterator[Organiser]:
    """The demo event (plus ``prepare``'s rows), its window showing ``screen``, servers up."""
    services = build_organiser_services(AppPaths(tmp_path / "organiser"))
    services.writer.run_sync(partial(seed_demo, event_id=services.event_id, menu=services.menu))
    if prepare is not None:
        services.writer.run_sync(prepare)
    gui = build_organiser_gui(services, LOOPBACK)
    qtbot.addWidget(gui.window)
    gui.window.resize(1280, 800)
    gui.window.show()
    gui.window.nav.show_screen(screen)
    try:
        with qtbot.waitSignal(gui.host.started, timeout=15_000):
            gui.host.start()
        yield Organiser(gui, services)
    finally:
        gui.close()
        services.close()
