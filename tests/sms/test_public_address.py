"""The public address on a real organiser runtime (the composition root's, Twilio being the
fake on 127.0.0.1): a tunnel (a stand-in ``cloudflared``) sets what signatures are checked
against and where delivery reports go; "Register" sets the fake number's webhooks; refusals
and a missing address are said in words; stopping the runtime ends the tunnel."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from twilio.request_validator import RequestValidator

from expresso_desktop.app import organiser_runtime
from expresso_desktop.core.errors import ValidationError
from expresso_desktop.lifecycle import process_alive
from expresso_desktop.server.headless import OrganiserRuntime
from expresso_desktop.server.options import ServeOptions
from expresso_desktop.services.organiser import OrganiserServices
from expresso_desktop.sms.public_address import NO_ADDRESS, PublicAddress
from expresso_desktop.sms.twilio_gateway import TwilioGateway
from tests.sms.fake_tunnel import QUICK_URL, fake_run, install_fake_cloudflared, no_tunnel_tools
from tests.sms.fake_twilio import FakeTwilio

LOOPBACK = ServeOptions(
    host="127.0.0.1", webhook_port=0, lan_host="127.0.0.1", lan_port=0, mdns=False
)


async def _running(
    services: OrganiserServices, address: PublicAddress
) -> AsyncIterator[OrganiserRuntime]:
    runtime = organiser_runtime(services, LOOPBACK, address)
    started = []
    try:
        for component in runtime:
            await component.start()
            started.append(component)
        yield runtime
    finally:
        for component in reversed(started):
            await component.stop()


@pytest.fixture
async def twilio_runtime(
    services: OrganiserServices, twilio_env: FakeTwilio
) -> AsyncIterator[tuple[PublicAddress, OrganiserRuntime]]:
    address = PublicAddress()
    async for runtime in _running(services, address):
        yield address, runtime


async def _text_in(runtime: OrganiserRuntime, fake: FakeTwilio, signed_for: str) -> int:
    """A customer's text as Twilio posts it through the tunnel: signed for the public URL."""
    params = {"MessageSid": "SM" + "1" * 32, "AccountSid": fake.account_sid,
              "From": "+61400000001", "To": "+61400000999", "Body": "flat white"}  # fmt: skip
    signature = RequestValidator(fake.auth_token).compute_signature(signed_for, params)
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            runtime.webhook_listener.url + "/sms",
            data=params,
            headers={"X-Twilio-Signature": signature},
        ) as resp,
    ):
        return resp.status


async def test_a_tunnel_then_register_points_twilio_here_and_stopping_ends_it(
    twilio_runtime: tuple[PublicAddress, OrganiserRuntime],
    twilio_env: FakeTwilio,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    address, runtime = twilio_runtime
    install_fake_cloudflared(tmp_path / "bin", monkeypatch)
    before = await address.state()
    assert before.needed and before.tool == "cloudflared" and before.url is None
    assert before.webhook.registered is None and before.webhook.text == NO_ADDRESS

    state = await address.start_tunnel()

    assert state.url == QUICK_URL and state.source == "tunnel" and state.tunnel_running
    port = int(runtime.webhook_listener.url.rsplit(":", 1)[1])
    argv = fake_run(tmp_path / "bin")["argv"]
    assert isinstance(argv, list) and argv[-1] == f"http://127.0.0.1:{port}"
    assert runtime.webhook_auth.public_url == QUICK_URL
    gateway = runtime.gateway
    assert isinstance(gateway, TwilioGateway)
    assert gateway.status_callback == QUICK_URL + "/sms/status"  # delivery reports too
    assert await _text_in(runtime, twilio_env, QUICK_URL + "/sms") == 200
    assert await _text_in(runtime, twilio_env, "http://127.0.0.1/sms") == 403

    state = await address.register()

    [number] = twilio_env.numbers
    assert number.sms_url == QUICK_URL + "/sms" and number.sms_method == "POST"
    assert number.status_callback == QUICK_URL + "/sms/status"
    assert state.webhook.registered and state.webhook.status == "Webhook: ✓ Registered"
    assert re.fullmatch(
        rf"✓ Registered {re.escape(QUICK_URL)}/sms on \+61 ••• ••• 999 at \d\d:\d\d",
        state.webhook.text,
    )

    pid = fake_run(tmp_path / "bin")["pid"]
    assert isinstance(pid, int) and process_alive(pid)
    await runtime.components[-1].stop()  # the organiser stops: the address first
    assert not process_alive(pid)


async def test_stop_tunnel_clears_its_address_and_asks_to_register_again(
    twilio_runtime: tuple[PublicAddress, OrganiserRuntime],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    address, runtime = twilio_runtime
    install_fake_cloudflared(tmp_path / "bin", monkeypatch)
    await address.start_tunnel()
    await address.register()
    pid = fake_run(tmp_path / "bin")["pid"]

    state = await address.stop_tunnel()

    assert isinstance(pid, int) and not process_alive(pid)
    assert state.url is None and not state.tunnel_running and state.source == "none"
    assert runtime.webhook_auth.public_url is None
    assert state.webhook.registered is False
    assert state.webhook.text == "The address changed: register the webhook again"


async def test_register_without_an_address_or_refused_is_said_in_words(
    twilio_runtime: tuple[PublicAddress, OrganiserRuntime], twilio_env: FakeTwilio
) -> None:
    address, _runtime = twilio_runtime
    state = await address.register()
    assert state.webhook.registered is False and state.webhook.text == NO_ADDRESS
    assert not [r for r in twilio_env.requests if "IncomingPhoneNumbers" in r.path]

    with pytest.raises(ValidationError) as bad:
        await address.set_url("coffee.example.net")
    assert bad.value.field == "public_url"

    state = await address.set_url(" https://coffee.example.net/ ")
    assert state.url == "https://coffee.example.net" and state.source == "typed"
    twilio_env.numbers.clear()  # the number is not in this account
    state = await address.register()
    assert state.webhook.status == "Webhook: ✕ NOT registered"
    assert state.webhook.text.startswith("✕ Twilio refused: the number +61 ••• ••• 999 is not in")


async def test_without_a_tool_the_state_says_how_to_get_one(
    twilio_runtime: tuple[PublicAddress, OrganiserRuntime],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    address, _runtime = twilio_runtime
    no_tunnel_tools(tmp_path / "empty", monkeypatch)
    state = await address.state()
    assert state.tool is None and len(state.how_to_get) == 2
    with pytest.raises(Exception, match="Neither cloudflared nor ngrok is installed"):
        await address.start_tunnel()


async def test_with_the_simulator_no_address_is_needed(services: OrganiserServices) -> None:
    address = PublicAddress()
    async for runtime in _running(services, address):
        state = await address.state()
        assert not state.needed and "simulator" in state.not_needed
        assert state.webhook.status == "Webhook: not needed"
        assert runtime.webhook_auth.public_url == runtime.webhook_listener.url  # untouched
