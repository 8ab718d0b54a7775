"""Choosing the SMS gateway from a form: read what is stored (never a secret), check each field,
store secrets exactly where the command line does, and ask the (fake) phone with the real
client whether it answers and takes the login."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from expresso_desktop.sms import android_config, credentials
from expresso_desktop.sms.android_config import load_android_config
from expresso_desktop.sms.credentials import load_gateway_choice, load_twilio_config
from expresso_desktop.sms.gateway_setup import (
    PhoneForm,
    TwilioForm,
    check_phone,
    read_settings,
    save,
)
from tests.sms.conftest import MemoryKeyring
from tests.sms.fake_android import FakeAndroid

SID = "ACfake" + "0" * 24 + "1234"
TOKEN = "token-0123456789abcdef"
KEY = "SKfake" + "0" * 24 + "5678"
SECRET = "secret-0123456789abcdef"


@pytest.fixture
async def phone() -> AsyncIterator[FakeAndroid]:
    fake = FakeAndroid()
    await fake.start()
    yield fake
    await fake.stop()


def test_nothing_stored_reads_as_auto_and_not_set_up(memory_keyring: MemoryKeyring) -> None:
    settings = read_settings({})
    assert settings.chosen is None and settings.effective == "simulator"
    assert settings.twilio.state == settings.android.state == "not set up"
    assert "not set up" in settings.status("android")


def test_saving_the_phone_stores_it_as_the_cli_does(memory_keyring: MemoryKeyring) -> None:
    form = PhoneForm(
        url="http://192.168.1.20:8080/", user="sms", password="pw-123", number="+61 400 000 777"
    )
    result = save("android", phone=form)
    assert result.saved, result.problems
    assert load_gateway_choice() == "android"
    config = load_android_config()
    assert config is not None
    assert (config.url, config.user, config.password, config.number) == (
        "http://192.168.1.20:8080",
        "sms",
        "pw-123",
        "+61400000777",
    )
    key = config.signing_key
    assert len(key) >= 32
    assert memory_keyring.store[(android_config.KEYRING_SERVICE, "password")] == "pw-123"
    # What a form reads back: values, never the secrets.
    settings = result.settings
    assert settings is not None and settings.chosen == "android"
    assert settings.android.state == "configured"
    assert settings.android.value("url") == "http://192.168.1.20:8080"
    assert settings.android.secrets_set == {"password", "signing_key"}
    assert "pw-123" not in repr(settings) and key not in repr(settings)
    assert any("webhook" in note.lower() for note in result.notes)  # none given: said so

    # A blank password keeps the stored one; the signing key the phone has is kept too.
    again = save("android", phone=PhoneForm(url="http://192.168.1.21:8080", user="sms"))
    assert again.saved
    kept = load_android_config()
    assert kept is not None and kept.password == "pw-123" and kept.signing_key == key


def test_each_wrong_field_is_named_and_nothing_is_stored(memory_keyring: MemoryKeyring) -> None:
    form = PhoneForm(url="192.168.1.20", user="", number="0400 000 777", webhook_url="ftp://x")
    result = save("android", phone=form)
    assert not result.saved
    assert set(result.problems) == {"url", "user", "password", "number", "webhook_url"}
    assert "http://" in result.problems["url"]
    assert memory_keyring.store == {}  # neither settings nor the choice

    twilio = save("twilio", twilio=TwilioForm(account_sid="SK123", number="+61400000999"))
    assert set(twilio.problems) == {"account_sid", "auth_token"}
    assert memory_keyring.store == {}


def test_twilio_with_an_api_key_and_the_token_kept(memory_keyring: MemoryKeyring) -> None:
    form = TwilioForm(account_sid=SID, number="+61400000999", auth_token=TOKEN)
    assert save("twilio", twilio=form).saved
    assert memory_keyring.store[(credentials.KEYRING_SERVICE, "auth_token")] == TOKEN
    with_key = TwilioForm(account_sid=SID, number="+61400000999", api_key=KEY)
    assert save("twilio", twilio=with_key).problems == {"api_secret": "needed with an API key"}
    with_key = TwilioForm(account_sid=SID, number="+61400000999", api_key=KEY, api_secret=SECRET)
    result = save("twilio", twilio=with_key)
    assert result.saved
    config = load_twilio_config({})
    assert config is not None
    assert config.rest_auth == (KEY, SECRET) and config.auth_token == TOKEN  # token kept
    assert load_gateway_choice() == "twilio"
    settings = read_settings({})
    assert settings.twilio.values["api_key"] == KEY
    assert settings.twilio.secrets_set == {"auth_token", "api_secret"}
    assert "configured" in settings.status("twilio") and TOKEN not in settings.status("twilio")


def test_the_environment_wins_and_the_result_says_so(
    memory_keyring: MemoryKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EXPRESSO_SMS_GATEWAY", "twilio")
    monkeypatch.setenv("EXPRESSO_ANDROID_URL", "http://10.0.0.9:8080")
    result = save("simulator")
    assert result.saved and memory_keyring.store[(credentials.GATEWAY_SERVICE, "kind")]
    assert any("EXPRESSO_SMS_GATEWAY" in note for note in result.notes)
    settings = read_settings()
    assert settings.chosen == "twilio" and settings.chosen_source == "environment"
    assert settings.android.sources["url"] == "environment"
    assert settings.android.from_environment == ("url",)
    assert settings.android.state == "incomplete"


async def test_check_phone_with_the_real_client(
    memory_keyring: MemoryKeyring, phone: FakeAndroid
) -> None:
    good = await check_phone(PhoneForm(url=phone.url, user=phone.user, password=phone.password))
    assert good.ok and "Connected" in good.text
    assert ("GET", "/webhooks") in phone.requests  # the login was really tried

    wrong = await check_phone(PhoneForm(url=phone.url, user=phone.user, password="nope"))
    assert wrong.reachable and wrong.login_ok is False and "refused the login" in wrong.text

    await phone.take_down()
    down = await check_phone(PhoneForm(url=phone.url, user=phone.user, password=phone.password))
    assert not down.reachable and "No answer" in down.text

    invalid = await check_phone(PhoneForm(url="phone", user="u"))
    assert set(invalid.problems) == {"url", "password"} and not invalid.reachable


def test_the_phone_is_described_without_any_part_of_its_password() -> None:
    from expresso_desktop.sms.android_config import AndroidConfig

    config = AndroidConfig(
        url="http://10.0.0.5:8080",
        user="sms",
        password="fairly-long-password",
        signing_key="k" * 32,
    )
    text = config.describe
    assert "http://10.0.0.5:8080" in text and "password set" in text
    assert not any(part in text for part in ("fa", "ong-", "cret", "k" * 4)), text
