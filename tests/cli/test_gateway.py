"""``expresso gateway``: choosing the SMS gateway and keeping the phone's settings in the keyring,
secrets prompted (here: standard input), never printed."""

from __future__ import annotations

import io
from collections.abc import Iterator

import keyring
import pytest

from expresso_desktop.cli.gateway import run_gateway
from expresso_desktop.cli.main import build_parser
from expresso_desktop.sms.android_config import load_android_config
from expresso_desktop.sms.credentials import load_gateway_choice
from tests.sms.conftest import MemoryKeyring


@pytest.fixture
def memory() -> Iterator[MemoryKeyring]:
    backend = MemoryKeyring()
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


def run(argv: list[str], monkeypatch: pytest.MonkeyPatch, stdin: str = "") -> str:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    out = io.StringIO()
    assert run_gateway(build_parser().parse_args(argv), out=out) == 0
    return out.getvalue()


def test_set_show_use_clear(memory: MemoryKeyring, monkeypatch: pytest.MonkeyPatch) -> None:
    said = run(
        ["gateway", "android", "set", "--url", "http://10.0.0.5:8080", "--user", "sms"],
        monkeypatch,
        stdin="s3cret-phone\n",
    )
    assert "s3cret-phone" not in said
    config = load_android_config()
    assert config is not None and config.password == "s3cret-phone"
    key = config.signing_key
    assert len(key) >= 32 and key not in said
    shown = run(["gateway", "android", "show"], monkeypatch)
    assert "http://10.0.0.5:8080" in shown and "password     set" in shown
    assert not any(part in shown for part in ("s3c", "ret-p", key)), shown  # no part of it
    # Setting it again keeps the signing key the phone already has.
    run(
        ["gateway", "android", "set", "--url", "http://10.0.0.6:8080", "--user", "sms"],
        monkeypatch,
        stdin="other\n",
    )
    again = load_android_config()
    assert again is not None and again.signing_key == key and again.url.endswith("6:8080")

    assert load_gateway_choice() is None
    run(["gateway", "use", "android"], monkeypatch)
    assert load_gateway_choice() == "android"
    assert "android" in run(["gateway", "show"], monkeypatch)
    monkeypatch.setenv("EXPRESSO_SMS_GATEWAY", "simulator")  # the environment wins
    assert load_gateway_choice() == "simulator"
    monkeypatch.delenv("EXPRESSO_SMS_GATEWAY")
    run(["gateway", "use", "auto"], monkeypatch)
    assert load_gateway_choice() is None
    run(["gateway", "android", "clear"], monkeypatch)
    assert load_android_config() is None


def test_environment_overrides_and_half_configuration(
    memory: MemoryKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    from expresso_desktop.sms.android_config import AndroidConfigError

    monkeypatch.setenv("EXPRESSO_ANDROID_URL", "http://127.0.0.1:9")
    with pytest.raises(AndroidConfigError, match="username"):
        load_android_config()
    monkeypatch.setenv("EXPRESSO_ANDROID_USER", "u")
    monkeypatch.setenv("EXPRESSO_ANDROID_PASSWORD", "p")
    monkeypatch.setenv("EXPRESSO_ANDROID_SIGNING_KEY", "x" * 20)
    config = load_android_config()
    assert config is not None and config.sources["url"] == "environment"
    assert "'p'" not in repr(config) and "x" * 20 not in repr(config)
