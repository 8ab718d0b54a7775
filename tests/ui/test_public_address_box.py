"""The Setup screen's public address against a real organiser whose Twilio account is the local
fake (real ``twilio`` library, 127.0.0.1): "Start tunnel" runs a stand-in ``cloudflared`` (a
third-party binary, first on the PATH), its address fills the field, "Register webhook" sets
the number's webhooks and says so, the status bar follows, "Stop tunnel" ends the process.
Without a tunnel program the section says where to get one."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from expresso_desktop.lifecycle import process_alive
from expresso_desktop.sms.public_address import NO_ADDRESS
from expresso_desktop.ui.organiser.public_address_box import PublicAddressBox
from tests.sms.fake_tunnel import QUICK_URL, fake_run, install_fake_cloudflared, no_tunnel_tools
from tests.sms.fake_twilio import FakeTwilio
from tests.ui.artifacts import save_screenshot
from tests.ui.organiser_gui import Organiser, running_organiser

TWILIO_NUMBER = "+61400000999"


@pytest.fixture
def fake_twilio(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeTwilio]:
    """The fake Twilio REST API on its own loop and thread (the test's thread runs Qt), and
    the environment of an organiser whose account it is."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="fake-twilio", daemon=True)
    thread.start()
    fake = FakeTwilio()
    fake.add_number(TWILIO_NUMBER)
    asyncio.run_coroutine_threadsafe(fake.start(), loop).result(10)
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", fake.account_sid)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", fake.auth_token)
    monkeypatch.setenv("EXPRESSO_TWILIO_NUMBER", TWILIO_NUMBER)
    monkeypatch.setenv("EXPRESSO_TWILIO_API_BASE", fake.url)
    try:
        yield fake
    finally:
        asyncio.run_coroutine_threadsafe(fake.stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
        loop.close()


@pytest.fixture
def twilio_organiser(qtbot: Any, tmp_path: Path, fake_twilio: FakeTwilio) -> Iterator[Organiser]:
    with running_organiser(qtbot, tmp_path, "setup") as org:
        yield org


def _box(org: Organiser) -> PublicAddressBox:
    return org.window.setup_panel.public_address


def test_tunnel_register_and_stop_from_the_setup_screen(
    qtbot: Any,
    twilio_organiser: Organiser,
    fake_twilio: FakeTwilio,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    org = twilio_organiser
    install_fake_cloudflared(tmp_path / "bin", monkeypatch)
    box, status = _box(org), org.window.status_line
    box.reload()  # the PATH changed after the screen first looked
    qtbot.waitUntil(lambda: box.start_button.isEnabled(), timeout=10_000)
    assert box.webhook_line.text() == NO_ADDRESS
    qtbot.waitUntil(lambda: status.webhook.text() == "Webhook: not registered yet")
    assert not box.how_to_get.isVisible()

    box.start_button.click()
    qtbot.waitUntil(lambda: box.url_edit.text() == QUICK_URL, timeout=10_000)
    assert box.stop_button.isVisible() and not box.start_button.isVisible()
    assert box.tunnel_line.text().startswith("✓ cloudflared tunnel running (pid ")

    box.register_button.click()
    qtbot.waitUntil(lambda: box.webhook_line.text().startswith("✓ Registered"), timeout=10_000)
    assert box.webhook_line.text().startswith(f"✓ Registered {QUICK_URL}/sms on +61 ••• ••• 999")
    [number] = fake_twilio.numbers
    assert number.sms_url == QUICK_URL + "/sms"
    assert number.status_callback == QUICK_URL + "/sms/status"
    qtbot.waitUntil(lambda: status.webhook.text() == "Webhook: ✓ Registered")
    assert status.webhook.toolTip() == box.webhook_line.text()
    qtbot.waitUntil(org.idle)

    save_screenshot(org.window, "organiser-setup", tmp_path)
    pairing = org.window.setup_panel.pairing
    pairing.show_button.click()
    qtbot.waitUntil(lambda: pairing.qr_label.isVisible(), timeout=5_000)
    save_screenshot(org.window, "organiser-setup-pairing-code", tmp_path)

    pid = fake_run(tmp_path / "bin")["pid"]
    assert isinstance(pid, int) and process_alive(pid)
    box.stop_button.click()
    qtbot.waitUntil(lambda: box.start_button.isVisible(), timeout=10_000)
    assert not process_alive(pid)
    assert box.url_edit.text() == ""
    assert box.webhook_line.text() == "The address changed: register the webhook again"
    qtbot.waitUntil(lambda: status.webhook.text() == "Webhook: ✕ NOT registered")


def test_a_typed_address_is_checked_and_used(
    qtbot: Any, twilio_organiser: Organiser, fake_twilio: FakeTwilio
) -> None:
    box = _box(twilio_organiser)
    qtbot.waitUntil(lambda: box.use_button.isEnabled(), timeout=10_000)
    box.register_button.click()
    qtbot.waitUntil(lambda: twilio_organiser.idle() and box.register_button.isEnabled())
    assert box.webhook_line.text() == NO_ADDRESS

    box.url_edit.setText("coffee.example.net")
    box.use_button.click()
    qtbot.waitUntil(lambda: box.url_error.isVisibleTo(box), timeout=5_000)
    assert box.url_error.text().startswith("⚠ Public address: “coffee.example.net”")

    box.url_edit.setText("https://coffee.example.net/")
    box.use_button.click()
    qtbot.waitUntil(lambda: box.url_edit.text() == "https://coffee.example.net", timeout=5_000)
    box.register_button.click()
    qtbot.waitUntil(lambda: box.webhook_line.text().startswith("✓ Registered"), timeout=10_000)
    assert fake_twilio.numbers[0].sms_url == "https://coffee.example.net/sms"


def test_without_a_tunnel_program_the_section_says_where_to_get_one(
    qtbot: Any, fake_twilio: FakeTwilio, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    no_tunnel_tools(tmp_path / "empty", monkeypatch)
    with running_organiser(qtbot, tmp_path, "setup") as org:
        box = _box(org)
        qtbot.waitUntil(lambda: box.use_button.isEnabled(), timeout=10_000)
        assert not box.start_button.isEnabled()
        assert "Neither cloudflared nor ngrok" in box.start_button.toolTip()
        assert box.how_to_get.isVisibleTo(box)
        lines = box.how_to_get.text().splitlines()
        assert lines[1].startswith("• cloudflared") and "github.com/cloudflare" in lines[1]
        assert lines[2].startswith("• ngrok") and "https://ngrok.com/download" in lines[2]
        qtbot.waitUntil(org.idle)
        save_screenshot(org.window, "organiser-setup-no-tunnel-program", tmp_path)


def test_with_the_simulator_the_section_says_it_is_not_needed(qtbot: Any, tmp_path: Path) -> None:
    with running_organiser(qtbot, tmp_path, "setup") as org:
        box = _box(org)
        qtbot.waitUntil(lambda: "simulator" in box.explain.text(), timeout=10_000)
        assert not box.start_button.isEnabled() and not box.register_button.isEnabled()
        assert not box.how_to_get.isVisibleTo(box)
        assert org.window.status_line.webhook.text() == "Webhook: not needed"
