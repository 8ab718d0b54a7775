"""The organiser window with its real servers: a text typed into the phone simulator travels the
signed webhook, becomes an order, and shows up in the live order list."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from expresso_desktop.app import build_organiser_gui
from expresso_desktop.server.options import ServeOptions
from expresso_desktop.services.demo import seed_demo
from expresso_desktop.services.organiser import OrganiserServices, build_organiser_services
from expresso_desktop.settings import AppPaths
from expresso_desktop.ui.common.service_host import ServersStarted
from expresso_desktop.ui.organiser.main_window import OrganiserWindow

LOOPBACK = ServeOptions(
    host="127.0.0.1", webhook_port=0, lan_host="127.0.0.1", lan_port=0, mdns=False
)


@pytest.fixture
def organiser(qtbot, tmp_path: Path) -> Iterator[tuple[OrganiserWindow, OrganiserServices]]:  # type: ignore[no-untyped-def]
    services = build_organiser_services(AppPaths(tmp_path))
    services.writer.run_sync(partial(seed_demo, event_id=services.event_id, menu=services.menu))
    gui = build_organiser_gui(services, LOOPBACK)
    qtbot.addWidget(gui.window)
    with qtbot.waitSignal(gui.host.started, timeout=15_000) as started:
        gui.host.start()
    event = started.args[0]
    assert isinstance(event, ServersStarted)
    assert (event.url_of("webhook") or "").startswith("http://127.0.0.1:")
    assert event.lan_url == event.url_of("lan") and (event.lan_url or "").startswith("https://")
    yield gui.window, services
    gui.close()
    services.close()


def test_simulated_text_becomes_a_live_order(qtbot, organiser) -> None:  # type: ignore[no-untyped-def]
    window, _services = organiser
    window.nav.setCurrentWidget(window.simulator)
    panel = window.simulator
    panel.message.setText("large oat flat white for Sam at station 2")
    qtbot.mouseClick(panel.send_button, Qt.MouseButton.LeftButton)
    model = window.orders_panel.model
    qtbot.waitUntil(lambda: model.rowCount() == 1, timeout=10_000)
    row = model.row_at(0)
    assert (row.number, row.customer_name, row.summary, row.status) == (
        "A001",
        "Sam",
        "large oat flat white",
        "new",
    )
    assert row.station.startswith("Station 2")
    # the phone's screen shows the text and the confirmation, as plain text
    qtbot.waitUntil(
        lambda: "Order #A001 confirmed" in panel.conversation.toPlainText(), timeout=10_000
    )
    assert "You: large oat flat white for Sam at station 2" in panel.conversation.toPlainText()
    assert panel.error.text() == ""


def test_search_filters_the_order_list(qtbot, organiser) -> None:  # type: ignore[no-untyped-def]
    window, _services = organiser
    panel = window.simulator
    for text in ("latte for Mia", "long black"):
        qtbot.waitUntil(panel.send_button.isEnabled, timeout=10_000)
        panel.message.setText(text)
        panel.send()
    qtbot.waitUntil(lambda: window.orders_panel.model.rowCount() == 2, timeout=10_000)
    window.orders_panel.search.setText("long black")
    assert window.orders_panel.proxy.rowCount() == 1
