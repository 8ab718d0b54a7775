"""Settings (compare-and-set; a station only its own keys) and chat (insert-or-ignore)."""

from __future__ import annotations

from collections.abc import Callable

from expresso_desktop.core.sync_protocol import Reason, ResultStatus
from expresso_desktop.services.organiser import OrganiserServices
from expresso_desktop.store.engine import read_session
from expresso_desktop.store.tables import ChatMessage, Setting

from .conftest import Client


def _setting(services: OrganiserServices, key: str) -> Setting | None:
    with read_session(services.engine) as session:
        return session.get(Setting, key)


def test_a_station_sets_its_own_keys_with_compare_and_set(
    organiser: OrganiserServices, client: Callable[..., Client]
) -> None:
    one = client(1)
    key = f"station.{one.caller.station_id}.sound"
    first = one.push("settings.set", key=key, value=False, base_version=0).results[0]
    assert first.status is ResultStatus.APPLIED
    row = _setting(organiser, key)
    assert row is not None and row.value_json is False
    stale = one.push("settings.set", key=key, value=False, base_version=0).results[0]
    assert stale.reason == Reason.STALE
    again = one.push("settings.set", key=key, value=True, base_version=row.row_version)
    assert again.results[0].status is ResultStatus.APPLIED


def test_a_station_may_not_change_the_organisers_settings(
    client: Callable[..., Client],
) -> None:
    one = client(1)
    refused = one.push("settings.set", key="event.name", value="Mine", base_version=0)
    assert refused.results[0].reason == Reason.FORBIDDEN
    other = one.push("settings.set", key="station.999.sound", value=True, base_version=0)
    assert other.results[0].reason == Reason.FORBIDDEN


def test_chat_is_insert_or_ignore_and_channels_are_checked(
    organiser: OrganiserServices, client: Callable[..., Client]
) -> None:
    one = client(1)
    sent = {"message_id": "m-1", "channel": "all", "body": "milk please"}
    assert one.push("chat.post", **sent).results[0].status is ResultStatus.APPLIED
    assert one.push("chat.post", **sent).results[0].status is ResultStatus.APPLIED
    with read_session(organiser.engine) as session:
        message = session.get(ChatMessage, "m-1")
        assert message is not None and message.author == "barista 1"
    bad = one.push("chat.post", message_id="m-2", channel="kitchen", body="hi")
    assert bad.results[0].reason == Reason.INVALID_ARGS
