"""The Settings screen driven in the real organiser window (demo event, real servers on
127.0.0.1): a template edited is previewed with its SMS cost and, once saved, is the text the next
real order gets through the signed webhook; a wrong colour is refused beside its field with
nothing stored; a synonym added to the menu is understood at once, by the tester and by a real
text; changes made elsewhere appear without a refresh."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QMessageBox

from expresso_desktop.services import event_admin, event_settings
from expresso_desktop.store.engine import read_session
from expresso_desktop.store.tables import Event
from expresso_desktop.ui.organiser.settings_screen import SettingsScreen
from tests.ui.artifacts import save_screenshot
from tests.ui.organiser_gui import Organiser, running_organiser

WAIT_MS = 10_000
NEW_CONFIRMATION = (
    "☕ {name}, order #{number} is in: {drink}. Pick it up at {station} {location} in about "
    "{wait} min. {event}"
)


@pytest.fixture
def organiser(qtbot: Any, tmp_path: Path) -> Iterator[Organiser]:
    with running_organiser(qtbot, tmp_path, "settings") as running:
        screen = running.window.settings_screen
        qtbot.waitUntil(lambda: screen.page is not None, timeout=WAIT_MS)
        yield running


def screen_of(organiser: Organiser) -> SettingsScreen:
    return organiser.window.settings_screen


def stored_settings(organiser: Organiser) -> dict[str, Any]:
    services = organiser.services
    with read_session(services.engine) as session:
        return event_settings.current(session, services.menu)


def text_from_phone(qtbot: Any, organiser: Organiser, body: str, reply_part: str) -> str:
    """Send ``body`` from the Messages screen's phone; the phone's screen once it shows it."""
    window = organiser.window
    window.nav.setCurrentWidget(window.simulator)
    panel = window.simulator
    qtbot.waitUntil(panel.send_button.isEnabled, timeout=WAIT_MS)
    panel.message.setText(body)
    qtbot.mouseClick(panel.send_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: reply_part in panel.conversation.toPlainText(), timeout=WAIT_MS)
    return panel.conversation.toPlainText()


def test_an_edited_template_is_previewed_then_sent_with_the_next_order(
    qtbot: Any, organiser: Organiser, tmp_path: Path
) -> None:
    screen = screen_of(organiser)
    screen.show_section("messages")
    messages = screen.messages
    messages.select("confirmation")
    assert messages.preview.toPlainText().startswith(
        "Order #A042 confirmed: large oat latte for Sam."
    )
    assert messages.cost.text().startswith("1 SMS · GSM-7")
    assert not messages.save_button.isEnabled()

    messages.editor.setPlainText(NEW_CONFIRMATION)
    assert messages.preview.toPlainText().startswith("☕ Sam, order #A042 is in: large oat latte.")
    assert messages.cost.text().startswith("1 SMS · UCS-2") or "UCS-2" in messages.cost.text()
    assert "70 characters per SMS" in messages.cost_note.text()
    assert messages.template.currentText() == "Confirmation — edited"
    messages.editor.setPlainText(NEW_CONFIRMATION + " {nmae}")
    assert messages.template_error.text() == "⚠ unknown placeholder(s): {nmae}"
    messages.editor.setPlainText(NEW_CONFIRMATION)
    assert messages.template_error.isHidden()
    save_screenshot(organiser.window, "organiser-settings-messages-edited", tmp_path)

    qtbot.mouseClick(messages.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: messages.result.text() == "✓ Saved", timeout=WAIT_MS)
    assert stored_settings(organiser)["templates"] == {"confirmation": NEW_CONFIRMATION}

    phone = text_from_phone(qtbot, organiser, "flat white for Kim", "order #A001 is in")
    assert "☕ Kim, order #A001 is in: flat white. Pick it up at" in phone


def test_a_wrong_colour_is_refused_beside_its_field_and_nothing_is_stored(
    qtbot: Any, organiser: Organiser, tmp_path: Path
) -> None:
    screen = screen_of(organiser)
    screen.show_section("milks")
    milks = screen.milks
    before = stored_settings(organiser)["milk_colours"]
    oat = milks.fields["oat"]
    oat.hex.clear()
    qtbot.keyClicks(oat.hex, "#12")
    assert oat.swatch.text() == "?"  # not a colour: said by a mark, not a colour alone
    qtbot.mouseClick(milks.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: oat.error.isVisible(), timeout=WAIT_MS)
    assert oat.error.text() == "⚠ milk_colours.oat: a colour is #RRGGBB, e.g. #c8a165"
    assert milks.result.text().startswith("⚠ Not saved: milk_colours.oat")
    assert milks.fields["soy"].error.isHidden()
    assert stored_settings(organiser)["milk_colours"] == before

    screen.show_section("event")
    branding = screen.branding
    branding.primary.hex.clear()
    qtbot.keyClicks(branding.primary.hex, "brown")
    qtbot.mouseClick(branding.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: branding.primary.error.isVisible(), timeout=WAIT_MS)
    assert branding.primary.error.text() == "⚠ a colour is #RRGGBB, e.g. #6f4e37"
    with read_session(organiser.services.engine) as session:
        assert session.get(Event, organiser.services.event_id).primary_colour == "#6f4e37"
    save_screenshot(organiser.window, "organiser-settings-refused", tmp_path)
    qtbot.mouseClick(branding.revert_button, Qt.MouseButton.LeftButton)
    assert branding.primary.text() == "#6f4e37" and branding.primary.error.isHidden()


def test_a_synonym_added_is_understood_at_once(
    qtbot: Any, organiser: Organiser, tmp_path: Path
) -> None:
    screen = screen_of(organiser)
    screen.show_section("menu")
    menu = screen.menu
    qtbot.waitUntil(lambda: menu.try_result.text().startswith("Order for Sam"), timeout=WAIT_MS)
    menu.try_text.setText("large magic for Sam")
    qtbot.waitUntil(lambda: menu.try_result.text().startswith("Not an order"), timeout=WAIT_MS)

    menu.select("drink", "flat white")
    assert menu.selected_title.text() == "Drink: flat white"
    menu.synonyms.setPlainText(menu.synonyms.toPlainText() + ", magic")
    qtbot.mouseClick(menu.save_synonyms, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: menu.result.text().startswith("✓ Words for flat white"), timeout=WAIT_MS
    )
    qtbot.waitUntil(
        lambda: menu.try_result.text() == "Order for Sam: large flat white", timeout=WAIT_MS
    )
    save_screenshot(organiser.window, "organiser-settings-menu-synonym", tmp_path)
    phone = text_from_phone(qtbot, organiser, "large magic for Kim", "Order #A001 confirmed")
    assert "Order #A001 confirmed: large flat white for Kim." in phone

    organiser.window.nav.show_screen("settings")
    menu.synonyms.setPlainText("two")  # a word the order language already uses: refused in place
    qtbot.mouseClick(menu.save_synonyms, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: menu.synonyms_error.isVisible(), timeout=WAIT_MS)
    assert "'two' is a word customers' texts already use" in menu.synonyms_error.text()


def test_a_milk_added_gets_a_colour_and_can_be_taken_off_after_confirming(
    qtbot: Any, organiser: Organiser
) -> None:
    screen = screen_of(organiser)
    menu = screen.menu
    screen.show_section("menu")
    menu.add_kind.setCurrentIndex(menu.add_kind.findData("milk"))
    assert not menu.add_black.isEnabled()
    menu.add_name.setText("Pea")
    menu.add_synonyms.setText("pea milk")
    qtbot.mouseClick(menu.add_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: menu.model.row_of(("milk", "pea")) is not None, timeout=WAIT_MS)
    assert menu.add_result.text() == "✓ pea is on the menu — texts can order it now"
    assert menu.add_name.text() == ""
    assert "pea" in screen.milks.fields  # the Milks section follows at once

    menu.select("milk", "pea")
    qtbot.mouseClick(menu.remove, Qt.MouseButton.LeftButton)
    box = menu.confirm
    assert isinstance(box, QMessageBox) and box.isVisible()
    assert "Take pea off the menu?" in box.text()
    qtbot.mouseClick(box.button(QMessageBox.StandardButton.Yes), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: menu.model.row_of(("milk", "pea")) is None, timeout=WAIT_MS)
    assert "pea" not in screen.milks.fields


def test_changes_made_elsewhere_appear_and_unsaved_edits_are_kept(
    qtbot: Any, organiser: Organiser
) -> None:
    screen = screen_of(organiser)
    services = organiser.services
    services.writer.run_sync(
        lambda tx: event_admin.update_event(tx, services.event_id, {"name": "Winter Expo"}),
        initiator="lan:1",
    )
    qtbot.waitUntil(lambda: screen.branding.name.text() == "Winter Expo", timeout=WAIT_MS)

    limits = screen.limits
    screen.show_section("limits")
    limits.max_drinks.setValue(4)
    assert limits.save_button.isEnabled()
    services.writer.run_sync(
        lambda tx: event_settings.update(
            tx,
            {"max_drinks_per_order": 6, "vip_codes": ["speaker"]},
            services.menu,
            services.templates,
        ),
        initiator="lan:1",
    )
    qtbot.waitUntil(lambda: limits.result.text().startswith("⚠ Changed elsewhere"), timeout=WAIT_MS)
    assert limits.max_drinks.value() == 4  # the edit not saved yet is kept
    qtbot.mouseClick(limits.revert_button, Qt.MouseButton.LeftButton)
    assert limits.max_drinks.value() == 6
    assert limits.vip.toPlainText() == "SPEAKER"
    assert not limits.save_button.isEnabled()


def test_every_section_in_its_main_state(qtbot: Any, organiser: Organiser, tmp_path: Path) -> None:
    screen = screen_of(organiser)
    for key, section in screen.sections.items():
        screen.show_section(key)
        assert screen.stack.currentWidget() is section
        assert not section.dirty and section.page is screen.page
        path = save_screenshot(organiser.window, f"organiser-settings-{key}", tmp_path)
        assert path.stat().st_size > 0


def test_a_picked_colour_and_a_chosen_logo_are_saved_with_the_event(
    qtbot: Any, organiser: Organiser, tmp_path: Path
) -> None:
    screen = screen_of(organiser)
    screen.show_section("event")
    branding = screen.branding
    qtbot.mouseClick(branding.accent.swatch, Qt.MouseButton.LeftButton)
    picker = branding.accent.dialog
    assert picker is not None and picker.isVisible()
    picker.setCurrentColor(QColor("#336699"))
    picker.accept()
    assert branding.accent.text() == "#336699" and branding.save_button.isEnabled()

    image = QImage(64, 32, QImage.Format.Format_RGB32)
    image.fill(QColor("#aa5500"))
    source = tmp_path / "sponsor logo.png"
    assert image.save(str(source))
    qtbot.mouseClick(branding.choose_logo, Qt.MouseButton.LeftButton)
    dialog = branding.file_dialog
    assert dialog is not None and dialog.isVisible()
    dialog.selectFile(str(source))
    dialog.accept()
    qtbot.waitUntil(lambda: branding.logo.pixmap().width() > 0, timeout=WAIT_MS)
    assert branding.logo_note.text().startswith("Stored in the event's folder as branding/logo-")
    save_screenshot(organiser.window, "organiser-settings-event-logo", tmp_path)

    qtbot.mouseClick(branding.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: branding.result.text() == "✓ Saved", timeout=WAIT_MS)
    services = organiser.services
    with read_session(services.engine) as session:
        event = session.get(Event, services.event_id)
        assert event is not None and event.accent_colour == "#336699"
        assert event.logo_path is not None and event.logo_path.startswith("branding/logo-")
    assert (services.paths.data_dir / event.logo_path).read_bytes() == source.read_bytes()
