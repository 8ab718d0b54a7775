"""The SMS gateway form, driven as the organiser would: pick the Android phone, type its settings,
Save → the keyring holds them and the choice; wrong fields are named in place; "Test connection"
asks the fake phone with the real client; and the Setup tab opens the form and says a restart
switches the servers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import keyring
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QLineEdit

from expresso_desktop.sms import android_config, credentials
from expresso_desktop.sms.android_config import load_android_config
from expresso_desktop.sms.credentials import load_gateway_choice, load_twilio_config
from expresso_desktop.sms.gateway_setup import GatewaySetup
from expresso_desktop.ui.common.ops import OpRunner
from expresso_desktop.ui.common.service_host import ServiceHost
from expresso_desktop.ui.organiser.gateway_box import GatewayBox, GatewaySaved
from tests.sms.conftest import MemoryKeyring
from tests.sms.fake_android import FakeAndroid
from tests.ui.test_setup_panel import Organiser, organiser

__all__ = ["organiser"]

SID = "ACfake" + "0" * 24 + "1234"
TOKEN = "token-0123456789abcdef"


@pytest.fixture
def memory() -> Iterator[MemoryKeyring]:
    backend = MemoryKeyring()
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def host() -> Iterator[ServiceHost]:
    service_host = ServiceHost()
    service_host.start()
    yield service_host
    service_host.stop()


@pytest.fixture
def ops(host: ServiceHost) -> Iterator[OpRunner]:
    runner = OpRunner(host)
    yield runner
    runner.close()


@pytest.fixture
def box(qtbot: Any, ops: OpRunner, memory: MemoryKeyring) -> GatewayBox:
    widget = GatewayBox(ops, GatewaySetup())
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitUntil(widget.save_button.isEnabled, timeout=5_000)  # the stored settings are read
    return widget


@pytest.fixture
def phone(host: ServiceHost) -> Iterator[FakeAndroid]:
    fake = FakeAndroid()
    host.submit(fake.start()).result(timeout=10)
    yield fake
    host.submit(fake.stop()).result(timeout=10)


def _type(qtbot: Any, edit: QLineEdit, text: str) -> None:
    edit.clear()
    qtbot.keyClicks(edit, text)


def _choose(qtbot: Any, box: GatewayBox, kind: str) -> None:
    radio = box.radios[kind]  # on its indicator: a radio takes clicks on its label, not beyond
    qtbot.mouseClick(radio, Qt.MouseButton.LeftButton, pos=QPoint(8, radio.height() // 2))
    assert radio.isChecked()


def _fill_phone(qtbot: Any, box: GatewayBox, url: str, user: str, password: str) -> None:
    _choose(qtbot, box, "android")
    assert box.current_page.isAncestorOf(box.phone) and box.phone.isVisibleTo(box)
    _type(qtbot, box.phone.edits["url"], url)
    _type(qtbot, box.phone.edits["user"], user)
    _type(qtbot, box.phone.edits["password"], password)


def _settled(box: GatewayBox) -> bool:
    return box.save_button.isEnabled() and box.test_button.isEnabled()


def test_choose_the_phone_type_its_settings_and_save(
    qtbot: Any, box: GatewayBox, memory: MemoryKeyring
) -> None:
    assert box.radios["simulator"].isChecked()  # nothing stored: the simulator runs
    assert "not set up" in box.statuses["android"].text()
    _fill_phone(qtbot, box, "http://192.168.1.20:8080", "sms", "pw-secret-1")
    _type(qtbot, box.phone.edits["number"], "+61 400 000 777")
    password = box.phone.edits["password"]
    assert password.echoMode() == QLineEdit.EchoMode.Password
    with qtbot.waitSignal(box.saved, timeout=5_000) as saved:
        qtbot.mouseClick(box.save_button, Qt.MouseButton.LeftButton)
    event = saved.args[0]
    assert isinstance(event, GatewaySaved) and event.kind == "android"

    assert load_gateway_choice() == "android"
    config = load_android_config()
    assert config is not None
    assert (config.url, config.user, config.password, config.number) == (
        "http://192.168.1.20:8080",
        "sms",
        "pw-secret-1",
        "+61400000777",
    )
    assert memory.store[(android_config.KEYRING_SERVICE, "password")] == "pw-secret-1"
    assert "✓ Saved" in box.result.text() and "restart Expresso" in box.result.text()
    # Read back: the settings shown, the secret not; its field says one is kept.
    qtbot.waitUntil(lambda: box.statuses["android"].text().startswith("configured"))
    assert box.choice_line.text() == "Chosen: Android phone on the LAN (from the keyring)"
    assert password.text() == "" and "leave blank to keep" in password.placeholderText()
    assert "pw-secret-1" not in box.result.text() + box.statuses["android"].text()


def test_wrong_fields_are_named_in_place_and_nothing_is_stored(
    qtbot: Any, box: GatewayBox, memory: MemoryKeyring
) -> None:
    _fill_phone(qtbot, box, "192.168.1.20", "", "")
    _type(qtbot, box.phone.edits["number"], "0400 000 777")
    qtbot.mouseClick(box.save_button, Qt.MouseButton.LeftButton)
    errors = box.phone.errors
    qtbot.waitUntil(lambda: errors["url"].isVisible(), timeout=5_000)
    assert errors["url"].text().startswith("⚠ Phone URL: looks like http://")
    assert errors["user"].text().startswith("⚠ Username: needed")
    assert errors["password"].text().startswith("⚠ Password: needed")
    assert errors["number"].text().startswith("⚠ Phone's number: international form")
    assert not errors["webhook_url"].isVisible()
    assert "Not saved" in box.result.text()
    assert memory.store == {}
    # Typing in a field clears its own error.
    qtbot.keyClicks(box.phone.edits["user"], "sms")
    assert not errors["user"].isVisible() and errors["url"].isVisible()


def test_test_connection_asks_the_phone(
    qtbot: Any, box: GatewayBox, phone: FakeAndroid, memory: MemoryKeyring
) -> None:
    _fill_phone(qtbot, box, phone.url, phone.user, "not-the-password")
    qtbot.mouseClick(box.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "refused the login" in box.test_result.text(), timeout=10_000)
    _type(qtbot, box.phone.edits["password"], phone.password)
    qtbot.waitUntil(lambda: _settled(box))
    qtbot.mouseClick(box.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: box.test_result.text().startswith("✓ Connected"), timeout=10_000)
    assert ("GET", "/webhooks") in phone.requests
    assert memory.store == {}  # testing stores nothing


def test_twilio_saved_then_shown_without_its_secret(
    qtbot: Any, box: GatewayBox, memory: MemoryKeyring
) -> None:
    _choose(qtbot, box, "twilio")
    _type(qtbot, box.twilio.edits["account_sid"], SID)
    _type(qtbot, box.twilio.edits["number"], "+61400000999")
    _type(qtbot, box.twilio.edits["auth_token"], TOKEN)
    assert box.twilio.edits["auth_token"].echoMode() == QLineEdit.EchoMode.Password
    with qtbot.waitSignal(box.saved, timeout=5_000):
        qtbot.mouseClick(box.save_button, Qt.MouseButton.LeftButton)
    config = load_twilio_config({})
    assert config is not None and config.auth_token == TOKEN
    assert memory.store[(credentials.GATEWAY_SERVICE, "kind")] == "twilio"
    qtbot.waitUntil(lambda: box.statuses["twilio"].text().startswith("configured"))
    assert box.twilio.edits["account_sid"].text() == SID
    assert box.twilio.edits["auth_token"].text() == ""
    assert TOKEN not in box.statuses["twilio"].text()


def test_the_setup_tab_opens_the_form_and_says_to_restart(
    qtbot: Any, memory: MemoryKeyring, organiser: Organiser
) -> None:
    panel = organiser.panel
    qtbot.mouseClick(panel.gateway_button, Qt.MouseButton.LeftButton)
    dialog = panel.gateway_dialog
    assert dialog is not None
    qtbot.waitUntil(dialog.isVisible)
    box = dialog.box
    qtbot.waitUntil(box.save_button.isEnabled, timeout=5_000)
    assert box.running.text().startswith("Running now: Built-in simulator")
    # Where a phone downloads the CA to trust: the running LAN listener's /ca.crt.
    assert not box.ca_line.isHidden() and "https://127.0.0.1:" in box.ca_line.text()
    assert "/ca.crt" in box.ca_line.text() and not box.ca_qr.pixmap().isNull()
    _choose(qtbot, box, "simulator")
    with qtbot.waitSignal(box.saved, timeout=5_000):
        qtbot.mouseClick(box.save_button, Qt.MouseButton.LeftButton)
    assert load_gateway_choice() == "simulator"
    assert panel.sms_saved.isVisibleTo(panel)
    assert "Restart Expresso" in panel.sms_saved.text()
    dialog.reject()


def test_the_ca_download_line_and_qr_code(box: GatewayBox) -> None:
    assert box.ca_line.isHidden() and box.ca_qr.isHidden()
    box.set_ca_url("https://192.168.1.20:8443/ca.crt")
    assert "https://192.168.1.20:8443/ca.crt" in box.ca_line.text()
    assert "Install a certificate" in box.ca_line.text()
    assert not box.ca_qr.pixmap().isNull()
    box.set_ca_url(None)
    assert box.ca_qr.isHidden()
