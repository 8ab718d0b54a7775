"""Twilio credentials: environment over keyring, nothing means the simulator, no secret shown."""

from __future__ import annotations

import io
import subprocess
import sys

import pytest

from expresso_desktop.cli.main import build_parser
from expresso_desktop.cli.twilio import run_twilio
from expresso_desktop.sms.credentials import (
    KEYRING_SERVICE,
    TwilioConfig,
    TwilioConfigError,
    clear_keyring,
    load_twilio_config,
    save_to_keyring,
)
from tests.conftest import REPO
from tests.sms.conftest import MemoryKeyring

SID = "ACfake" + "0" * 24 + "1234"
TOKEN = "token-0123456789abcdef"
KEY = "SKfake" + "0" * 24 + "5678"
SECRET = "secret-0123456789abcdef"
NUMBER = "+61400000999"


def test_nothing_configured_means_the_simulator(memory_keyring: MemoryKeyring) -> None:
    assert load_twilio_config({}) is None


def test_the_environment_alone_is_enough(memory_keyring: MemoryKeyring) -> None:
    env = {
        "TWILIO_ACCOUNT_SID": SID,
        "TWILIO_AUTH_TOKEN": TOKEN,
        "EXPRESSO_TWILIO_NUMBER": NUMBER,
        "EXPRESSO_TWILIO_API_BASE": "http://127.0.0.1:9/",
    }
    config = load_twilio_config(env)
    assert config == TwilioConfig(SID, NUMBER, auth_token=TOKEN, api_base="http://127.0.0.1:9")
    assert config.rest_auth == (SID, TOKEN) and config.can_check_signatures
    assert set(config.sources.values()) == {"environment"}


def test_keyring_fills_in_and_the_environment_wins(memory_keyring: MemoryKeyring) -> None:
    save_to_keyring(account_sid=SID, number=NUMBER, auth_token=TOKEN)
    config = load_twilio_config({"EXPRESSO_TWILIO_NUMBER": "+61400000111"})
    assert config is not None
    assert (config.account_sid, config.auth_token, config.number) == (SID, TOKEN, "+61400000111")
    assert config.sources["number"] == "environment" and config.sources["auth_token"] == "keyring"


def test_an_api_key_sends_and_the_auth_token_checks_signatures(
    memory_keyring: MemoryKeyring,
) -> None:
    save_to_keyring(account_sid=SID, number=NUMBER, api_key=KEY, api_secret=SECRET)
    config = load_twilio_config({})
    assert config is not None
    assert config.rest_auth == (KEY, SECRET)
    assert not config.can_check_signatures  # the webhook will refuse to start: no auth token


def test_the_setting_points_the_api_elsewhere_unless_the_environment_does(
    memory_keyring: MemoryKeyring,
) -> None:
    save_to_keyring(account_sid=SID, number=NUMBER, auth_token=TOKEN)
    assert load_twilio_config({}, api_base="http://fake:1").api_base == "http://fake:1"  # type: ignore[union-attr]
    env = {"EXPRESSO_TWILIO_API_BASE": "http://env:2"}
    assert load_twilio_config(env, api_base="http://fake:1").api_base == "http://env:2"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"TWILIO_AUTH_TOKEN": TOKEN}, "TWILIO_ACCOUNT_SID, EXPRESSO_TWILIO_NUMBER not set"),
        ({"TWILIO_ACCOUNT_SID": SID, "EXPRESSO_TWILIO_NUMBER": NUMBER}, "needs the auth token"),
        (
            {
                "TWILIO_ACCOUNT_SID": KEY,
                "TWILIO_AUTH_TOKEN": TOKEN,
                "EXPRESSO_TWILIO_NUMBER": NUMBER,
            },
            "starts with AC",
        ),
        (
            {
                "TWILIO_ACCOUNT_SID": SID,
                "TWILIO_API_KEY": KEY,
                "EXPRESSO_TWILIO_NUMBER": NUMBER,
            },
            "needs its secret",
        ),
    ],
)
def test_half_a_configuration_is_an_error_not_the_simulator(
    memory_keyring: MemoryKeyring, env: dict[str, str], message: str
) -> None:
    with pytest.raises(TwilioConfigError, match=message) as caught:
        load_twilio_config(env)
    assert "twilio set" in str(caught.value)  # says what to do


def test_repr_and_errors_never_show_secrets(memory_keyring: MemoryKeyring) -> None:
    config = TwilioConfig(SID, NUMBER, auth_token=TOKEN, api_key=KEY, api_secret=SECRET)
    text = repr(config) + str(config)
    assert TOKEN not in text and SECRET not in text and SID not in text
    assert "1234" in text  # enough of the SID to recognise it


def test_a_broken_keyring_falls_back_to_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    import keyring
    from keyring.backends import fail

    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        assert load_twilio_config({}) is None
        env = {
            "TWILIO_ACCOUNT_SID": SID,
            "TWILIO_AUTH_TOKEN": TOKEN,
            "EXPRESSO_TWILIO_NUMBER": NUMBER,
        }
        assert load_twilio_config(env) is not None
        with pytest.raises(TwilioConfigError, match="could not store"):
            save_to_keyring(account_sid=SID, number=NUMBER, auth_token=TOKEN)
    finally:
        keyring.set_keyring(previous)


def test_cli_set_show_clear(memory_keyring: MemoryKeyring, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(f"{TOKEN}\n{SECRET}\n"))
    out = io.StringIO()
    args = build_parser().parse_args(
        ["twilio", "set", "--account-sid", SID, "--number", NUMBER, "--api-key", KEY]
    )
    assert run_twilio(args, out=out) == 0
    assert memory_keyring.store[(KEYRING_SERVICE, "api_secret")] == SECRET
    assert memory_keyring.store[(KEYRING_SERVICE, "auth_token")] == TOKEN

    out = io.StringIO()
    run_twilio(build_parser().parse_args(["twilio", "show"]), out=out)
    shown = out.getvalue()
    assert NUMBER in shown and "sends with   the API key" in shown and "(keyring)" in shown
    assert TOKEN not in shown and SECRET not in shown

    run_twilio(build_parser().parse_args(["twilio", "clear"]), out=io.StringIO())
    assert memory_keyring.store == {}
    clear_keyring()  # clearing twice is fine
    out = io.StringIO()
    run_twilio(build_parser().parse_args(["twilio", "show"]), out=out)
    assert "not configured" in out.getvalue()


def test_cli_show_in_a_real_process_never_prints_secrets() -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
        "TWILIO_ACCOUNT_SID": SID,
        "TWILIO_AUTH_TOKEN": TOKEN,
        "EXPRESSO_TWILIO_NUMBER": NUMBER,
    }
    done = subprocess.run(
        [sys.executable, str(REPO / "main.py"), "twilio", "show"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert "Twilio: configured" in done.stdout and "(environment)" in done.stdout
    assert TOKEN not in done.stdout + done.stderr
