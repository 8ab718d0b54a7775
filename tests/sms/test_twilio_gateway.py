"""The Twilio gateway through the real ``twilio`` library against the local fake of Twilio."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from expresso_desktop.sms.credentials import TwilioConfig, load_twilio_config
from expresso_desktop.sms.gateway import SendError
from expresso_desktop.sms.twilio_gateway import TwilioGateway, WebhookError
from expresso_desktop.store.types import utcnow
from tests.sms.conftest import TWILIO_NUMBER
from tests.sms.fake_twilio import FakeTwilio

TO = "+61400123456"
PUBLIC = "https://coffee.example.net"


@pytest.fixture
async def gateway(twilio_env: FakeTwilio) -> AsyncIterator[TwilioGateway]:
    config = load_twilio_config()
    assert config is not None
    gw = TwilioGateway(config, public_url=PUBLIC + "/")
    await gw.start()
    yield gw
    await gw.close()


async def test_send_posts_the_message_with_auth_and_status_callback(
    gateway: TwilioGateway, fake_twilio: FakeTwilio
) -> None:
    result = await gateway.send(TO, "Sam, your latte is ready!", valid_for_s=600)
    assert result.sid.startswith("SM") and result.status == "queued"
    [request] = fake_twilio.sends()
    assert request.path == f"/2010-04-01/Accounts/{fake_twilio.account_sid}/Messages.json"
    assert request.auth == (fake_twilio.account_sid, fake_twilio.auth_token)
    assert request.form == {
        "To": TO,
        "From": TWILIO_NUMBER,
        "Body": "Sam, your latte is ready!",
        "StatusCallback": PUBLIC + "/sms/status",
        "ValidityPeriod": "600",
    }
    assert fake_twilio.messages[0]["sid"] == result.sid


async def test_api_key_and_secret_authenticate_sending(fake_twilio: FakeTwilio) -> None:
    fake_twilio.api_key, fake_twilio.api_secret = "SKfake" + "2" * 28, "key-secret"
    config = TwilioConfig(
        account_sid=fake_twilio.account_sid,
        number=TWILIO_NUMBER,
        api_key=fake_twilio.api_key,
        api_secret=fake_twilio.api_secret,
        api_base=fake_twilio.url,
    )
    gateway = TwilioGateway(config)  # no public URL: no status callback asked for
    await gateway.start()
    try:
        await gateway.send(TO, "hello")
    finally:
        await gateway.close()
    [request] = fake_twilio.sends()
    assert request.auth == (fake_twilio.api_key, "key-secret")
    assert "StatusCallback" not in request.form


@pytest.mark.parametrize(
    ("status", "code", "transient"),
    [(500, 20500, True), (503, None, True), (429, 20429, True), (400, 21211, False)],
)
async def test_errors_are_classified(
    gateway: TwilioGateway, fake_twilio: FakeTwilio, status: int, code: int | None, transient: bool
) -> None:
    fake_twilio.fail_next(status, code)
    with pytest.raises(SendError) as caught:
        await gateway.send(TO, "hello")
    assert caught.value.transient is transient
    assert caught.value.code == str(code if code is not None else status)
    assert TO not in caught.value.reason and fake_twilio.account_sid not in caught.value.reason


async def test_wrong_credentials_keep_texts_queued(fake_twilio: FakeTwilio) -> None:
    config = TwilioConfig(
        account_sid=fake_twilio.account_sid,
        number=TWILIO_NUMBER,
        auth_token="wrong",
        api_base=fake_twilio.url,
    )
    gateway = TwilioGateway(config)
    await gateway.start()
    try:
        with pytest.raises(SendError) as caught:
            await gateway.send(TO, "hello")
    finally:
        await gateway.close()
    assert caught.value.code == "20003" and caught.value.transient


async def test_unreachable_twilio_is_transient(unused_tcp_port: int) -> None:
    config = TwilioConfig(
        account_sid="ACfake" + "1" * 28,
        number=TWILIO_NUMBER,
        auth_token="t",
        api_base=f"http://127.0.0.1:{unused_tcp_port}",
    )
    gateway = TwilioGateway(config)
    await gateway.start()
    try:
        with pytest.raises(SendError) as caught:
            await gateway.send(TO, "hello")
    finally:
        await gateway.close()
    assert caught.value.transient and "cannot reach Twilio" in caught.value.reason


async def test_register_webhooks_sets_the_numbers_urls(
    gateway: TwilioGateway, fake_twilio: FakeTwilio
) -> None:
    result = await gateway.register_webhooks(PUBLIC + "/")
    assert result.sms_url == PUBLIC + "/sms"
    [number] = fake_twilio.numbers
    assert number.sms_url == PUBLIC + "/sms"
    assert number.sms_method == "POST"
    assert number.status_callback == PUBLIC + "/sms/status"
    lookup = next(r for r in fake_twilio.requests if r.path.endswith("IncomingPhoneNumbers.json"))
    assert lookup.query["PhoneNumber"] == TWILIO_NUMBER


async def test_register_webhooks_says_when_the_number_is_not_in_the_account(
    gateway: TwilioGateway, fake_twilio: FakeTwilio
) -> None:
    fake_twilio.numbers.clear()
    with pytest.raises(WebhookError, match=r"not in the Twilio account"):
        await gateway.register_webhooks(PUBLIC)


async def test_register_webhooks_says_when_twilio_refuses(fake_twilio: FakeTwilio) -> None:
    config = TwilioConfig(
        account_sid=fake_twilio.account_sid,
        number=TWILIO_NUMBER,
        auth_token="wrong",
        api_base=fake_twilio.url,
    )
    gateway = TwilioGateway(config)
    await gateway.start()
    try:
        with pytest.raises(WebhookError, match=r"could not set the Twilio webhooks.*20003"):
            await gateway.register_webhooks(PUBLIC)
    finally:
        await gateway.close()


async def test_find_sent_matches_recipient_body_and_time(
    gateway: TwilioGateway, fake_twilio: FakeTwilio
) -> None:
    since = utcnow()
    first = await gateway.send(TO, "ready!")
    await gateway.send(TO, "something else")
    await gateway.send("+61400000002", "ready!")
    assert await gateway.find_sent(TO, "ready!", since) == [first.sid]
    assert await gateway.find_sent(TO, "never sent", since) == []
