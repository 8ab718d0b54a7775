"""A station's chat read from its replica (sync/station_chat.py), filled by real sync rounds
with a real organiser: its channels, its own messages "sending…" until the organiser has them
(offline too), the organiser's answers, and what is unread until someone here looks."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import pytest

from expresso_desktop.core.chat import ALL, ORGANISER
from expresso_desktop.core.errors import ValidationError
from expresso_desktop.services import chat
from expresso_desktop.sync.station_chat import StationChat

from .harness import Organiser, StationNode


def organiser_says(org: Organiser, channel: str, body: str) -> None:
    org.services.writer.run_sync(partial(chat.post, channel=channel, body=body))


async def test_a_station_has_all_and_its_own_channel_with_the_organiser(
    station: Callable[..., StationNode],
) -> None:
    node = station(1)
    assert await node.sync()
    keys = [(c.key, c.title) for c in StationChat(node.replica).channels()]
    assert keys == [(ALL, "All"), (f"station:{node.station_id}", "Organiser ↔ this station")]


async def test_a_message_waits_in_the_outbox_offline_then_is_confirmed(
    org: Organiser, station: Callable[..., StationNode]
) -> None:
    node = station(1)
    assert await node.sync()
    reader, mine = StationChat(node.replica), f"station:{node.station_id}"

    node.net.up = False
    reader.post(mine, "  Out of oat milk  ")
    assert not await node.sync()
    (line,) = reader.read(mine).lines
    assert (line.body, line.own, line.pending) == ("Out of oat milk", True, True)
    assert [r.name for r in node.outbox() if r.status == "pending"] == ["chat.post"]

    node.net.up = True
    assert await node.sync()
    assert await node.sync()  # the pull that brings the organiser's row back
    (line,) = reader.read(mine).lines
    assert line.own and not line.pending and line.author == node.name
    assert reader.read(mine, line.version).lines == ()


async def test_the_organisers_answer_is_unread_until_someone_here_looks(
    org: Organiser, station: Callable[..., StationNode]
) -> None:
    node, other = station(1), station(2)
    assert await node.sync()
    reader, mine = StationChat(node.replica), f"station:{node.station_id}"
    reader.post(mine, "Need cups")
    assert await node.sync()
    organiser_says(org, mine, "Cups coming")
    organiser_says(org, ALL, "Break at 3")
    organiser_says(org, f"station:{other.station_id}", "Not for station 1")
    assert await node.sync()

    page = reader.read(mine)
    assert [(line.author, line.body, line.own) for line in page.lines] == [
        (node.name, "Need cups", True),
        (ORGANISER, "Cups coming", False),
    ]
    assert dict(page.unread) == {ALL: 1, mine: 1}  # another station's channel is not shown

    page = reader.read(mine, viewing=True)
    assert dict(page.unread) == {ALL: 1}
    assert reader.read(ALL, viewing=True).unread == ()


async def test_an_empty_message_is_refused_here(station: Callable[..., StationNode]) -> None:
    node = station(1)
    assert await node.sync()
    with pytest.raises(ValidationError) as refused:
        StationChat(node.replica).post(ALL, "   ")
    assert refused.value.field == "body"
    assert node.outbox() == []
