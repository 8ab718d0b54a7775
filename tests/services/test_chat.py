"""The organiser's chat: channels with station names, a channel's messages since a version, posts
as the organiser through the writer (idempotent path shared with the stations), and unread
counts of what stations wrote after the organiser last looked."""

from __future__ import annotations

from functools import partial

import pytest

from expresso_desktop.core.chat import ALL, ORGANISER
from expresso_desktop.core.errors import ValidationError
from expresso_desktop.services import chat, event_settings
from expresso_desktop.services.changes import ChangeSet
from expresso_desktop.services.chat import ChatReads
from expresso_desktop.services.organiser import OrganiserServices
from expresso_desktop.store.tables import ChatMessage

from .helpers import station_id, write


@pytest.fixture
def reads(organiser: OrganiserServices) -> ChatReads:
    return ChatReads(organiser.engine, organiser.event_id)


def _from_station(
    organiser: OrganiserServices, number: int, body: str, *, channel: str = ""
) -> None:
    """A station's message as the LAN API and the sync store it (``post_chat``)."""
    sid = station_id(organiser, number)
    message = ChatMessage(
        channel=channel or f"station:{sid}", author=f"Station {number} tablet", body=body
    )
    write(organiser, lambda tx: event_settings.post_chat(tx, message))


def test_channels_are_all_stations_then_each_station_by_number(
    organiser: OrganiserServices, reads: ChatReads
) -> None:
    channels = reads.channels()
    assert channels[0].key == ALL and channels[0].title == "All stations"
    one = station_id(organiser, 1)
    assert channels[1].key == f"station:{one}"
    assert channels[1].title.startswith("Station 1")
    assert len(channels) == 4  # the demo's three stations


def test_the_organiser_posts_through_the_writer_and_reads_since_a_version(
    organiser: OrganiserServices, reads: ChatReads, heard: list[ChangeSet]
) -> None:
    channel = f"station:{station_id(organiser, 1)}"
    first = write(organiser, partial(chat.post, channel=channel, body="  Oat milk is on its way  "))
    assert (first.author, first.body, first.own, first.pending) == (
        ORGANISER, "Oat milk is on its way", True, False,
    )  # fmt: skip
    assert any(c.entity == "chat_messages" for c in heard[-1].changes)
    _from_station(organiser, 1, "Thanks!")

    page = reads.read(channel)
    assert [(line.author, line.body, line.own) for line in page.lines] == [
        (ORGANISER, "Oat milk is on its way", True),
        ("Station 1 tablet", "Thanks!", False),
    ]
    since = reads.read(channel, first.version)
    assert [line.body for line in since.lines] == ["Thanks!"]
    assert reads.read(ALL).lines == ()


def test_a_post_is_refused_with_the_field_that_is_wrong(organiser: OrganiserServices) -> None:
    with pytest.raises(ValidationError) as empty:
        write(organiser, partial(chat.post, channel=ALL, body="   "))
    assert empty.value.field == "body"
    with pytest.raises(ValidationError) as unknown:
        write(organiser, partial(chat.post, channel="station:999", body="hello"))
    assert unknown.value.field == "channel"


def test_unread_counts_what_others_wrote_after_the_organiser_last_looked(
    organiser: OrganiserServices, reads: ChatReads
) -> None:
    one, two = station_id(organiser, 1), station_id(organiser, 2)
    _from_station(organiser, 1, "Out of cups")
    _from_station(organiser, 2, "All good", channel=ALL)
    _from_station(organiser, 2, "Need a hand")
    write(organiser, partial(chat.post, channel=ALL, body="Break at 3"))  # own: never unread

    page = reads.read(ALL)  # not looking: nothing is marked read
    assert dict(page.unread) == {f"station:{one}": 1, f"station:{two}": 1, ALL: 1}

    page = reads.read(f"station:{one}", viewing=True)
    assert page.unread_in(f"station:{one}") == 0
    assert dict(page.unread) == {f"station:{two}": 1, ALL: 1}

    _from_station(organiser, 1, "Cups found")  # a new one after the organiser looked
    assert reads.read(ALL).unread_in(f"station:{one}") == 1
