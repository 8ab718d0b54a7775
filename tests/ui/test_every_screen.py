"""Every screen of the organiser's sidebar in its main state, saved as a PNG (``organiser-screen-
<key>.png`` under ``EXPRESSO_TEST_ARTIFACTS``): the demo event with orders texted from the test
phone through the real webhook, one of them started, so Live, Orders and Messages show work in
progress. Each screen is opened by its sidebar row as a person would, built then (screens are
built on first use) and grabbed once its reads have landed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from expresso_desktop.ui.organiser.main_window import SCREENS
from expresso_desktop.ui.organiser.messages_screen import MessagesScreen
from tests.ui.artifacts import save_screenshot
from tests.ui.organiser_gui import running_organiser

WAIT_MS = 20_000
TEXTS = ("large oat flat white for Sam", "2 lattes for Alex", "small soy cappuccino for Jo")


def text_from_phone(qtbot: Any, screen: MessagesScreen, body: str) -> None:
    phone = screen.simulator
    qtbot.waitUntil(phone.send_button.isEnabled, timeout=WAIT_MS)
    phone.message.setText(body)
    qtbot.mouseClick(phone.send_button, Qt.MouseButton.LeftButton)
    model = screen.model
    qtbot.waitUntil(
        lambda: any(model.row_at(r).body == body for r in range(model.rowCount())),
        timeout=WAIT_MS,
    )


def test_every_screen_is_saved_in_its_main_state(qtbot: Any, tmp_path: Path) -> None:
    with running_organiser(qtbot, tmp_path, "live") as org:
        window = org.window
        assert window.nav.keys == tuple(key for key, _ in SCREENS)
        window.nav.show_screen("messages")
        messages = window.messages_screen
        for body in TEXTS:
            text_from_phone(qtbot, messages, body)
        orders = window.orders_panel
        qtbot.waitUntil(lambda: orders.model.rowCount() == len(TEXTS), timeout=WAIT_MS)
        orders.table.selectRow(0)  # its detail pane: items, timeline, thread, actions
        seen: dict[str, QImage] = {}
        for row, key in enumerate(window.nav.keys):
            window.nav.sidebar.setCurrentRow(row)  # the sidebar row a person clicks
            assert window.nav.current_key() == key
            screen = window.nav.screen_for(key)
            assert window.nav.currentWidget() is screen
            qtbot.waitUntil(org.idle, timeout=WAIT_MS)  # its first reads landed
            path = save_screenshot(window, f"organiser-screen-{key}", tmp_path)
            image = QImage(str(path))
            assert image.width() == 1280 and image.height() >= 800, key
            seen[key] = image
        # Every screen drew something of its own: no two grabs are the same picture.
        assert len({bytes(img.constBits()) for img in seen.values()}) == len(seen)
