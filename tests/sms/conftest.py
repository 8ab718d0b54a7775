"""Fixtures for the SMS tests: an in-memory keyring, a fake Twilio, organiser services."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend

from expresso_desktop.services.organiser import OrganiserServices, build_organiser_services
from expresso_desktop.settings import AppPaths
from tests.sms.fake_twilio import FakeTwilio
from tests.sms.helpers import notify

TWILIO_NUMBER = "+61400000999"


class MemoryKeyring(KeyringBackend):
    """A keyring that lives and dies with one test."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        from keyring.errors import PasswordDeleteError

        if self.store.pop((service, username), None) is None:
            raise PasswordDeleteError(username)


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    backend = MemoryKeyring()
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
async def fake_twilio() -> AsyncIterator[FakeTwilio]:
    fake = FakeTwilio()
    fake.add_number(TWILIO_NUMBER)
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
def twilio_env(fake_twilio: FakeTwilio, monkeypatch: pytest.MonkeyPatch) -> FakeTwilio:
    """The environment of an organiser whose Twilio account is the fake."""
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", fake_twilio.account_sid)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", fake_twilio.auth_token)
    monkeypatch.setenv("EXPRESSO_TWILIO_NUMBER", TWILIO_NUMBER)
    monkeypatch.setenv("EXPRESSO_TWILIO_API_BASE", fake_twilio.url)
    return fake_twilio


@pytest.fixture
def services(tmp_path: Path) -> Iterator[OrganiserServices]:
    built = build_organiser_services(AppPaths(tmp_path / "organiser").ensure())
    unsubscribe = built.bus.subscribe(notify)  # every commit wakes ``helpers.wait_until``
    yield built
    unsubscribe()
    built.close()
