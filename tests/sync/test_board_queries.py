"""The ready board's reads on real replicas fed by a real (in-process) organiser: a display
device's (every station, or one with ``station_number``) and a barista station's (its own)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from functools import partial

from expresso_desktop.services.event_admin import update_event
from expresso_desktop.sync.board_queries import BoardReads, concerns_board
from expresso_desktop.sync.events import ReplicaChanged
from expresso_desktop.sync.replica import put

from .harness import Organiser, StationNode


def _ready(org: Organiser, order_id: str) -> str:
    org.do("order.start", order_id=order_id)
    org.do("order.ready", order_id=order_id)
    return org.order(order_id).number or ""


def _synced(node: StationNode) -> StationNode:
    assert asyncio.run(node.sync())
    with node.replica.write() as conn:  # what pairing stores: the board counts as paired
        put(conn, "server_url", "https://organiser.test")
    return node


def test_a_display_shows_every_ready_order_newest_first_and_clears_them(
    org: Organiser, station: Callable[..., StationNode]
) -> None:
    first, second = org.station_ids()[:2]
    ana, ben, cy = (
        org.add_order(s, n) for s, n in ((first, "Ana"), (second, "Ben"), (first, "Cy"))
    )
    numbers = {key: _ready(org, key) for key in (ben, ana)}  # Ben first, then Ana
    display = _synced(station(0, role="display"))
    reads = BoardReads(display.replica)

    view = reads.view()
    assert view.paired and view.where == ""
    assert [t.text for t in view.tiles] == [f"{numbers[ana]} Ana", f"{numbers[ben]} Ben"]
    assert view.ready == 2
    assert cy not in {t.order_id for t in view.tiles}  # not ready yet

    org.do("order.collect", order_id=ana)
    org.do("order.cancel", order_id=ben, reason="customer left")
    assert asyncio.run(display.sync())
    assert concerns_board(display.rounds[-1])
    assert reads.view().tiles == () and reads.view().ready == 0


def test_one_station_only_on_a_display_or_a_barista_s_own(
    org: Organiser, station: Callable[..., StationNode]
) -> None:
    first, second = org.station_ids()[:2]
    mine = org.add_order(first, "Ana")
    theirs = org.add_order(second, "Ben")
    _ready(org, mine)
    _ready(org, theirs)
    display = _synced(station(0, role="display"))
    barista = _synced(station(1))

    only_two = BoardReads(display.replica, station_number=2).view()
    assert [t.order_id for t in only_two.tiles] == [theirs]
    assert only_two.where.startswith("Station 2")
    assert [t.order_id for t in BoardReads(barista.replica).tiles()] == [mine]
    unknown = BoardReads(display.replica, station_number=42).view()
    assert unknown.tiles == () and unknown.where == "Station 42"


def test_first_names_only_never_a_phone_number(
    org: Organiser, station: Callable[..., StationNode]
) -> None:
    first = org.station_ids()[0]
    keys = [
        org.add_order(first, name)
        for name in ("Sam +61 412 345 678", "0412345678", "<b>Li</b> Wei", "Dr. Jo Lee")
    ]
    for key in keys:
        _ready(org, key)
    tiles = BoardReads(_synced(station(0, role="display")).replica).tiles()
    assert sorted(t.name for t in tiles) == ["", "B", "Dr", "Sam"]
    for tile in tiles:
        assert not re.search(r"\d", tile.text.removeprefix(tile.number))
        assert not re.search(r"\d", tile.spoken.removeprefix("Order ").removeprefix(tile.number))


def test_the_event_s_name_and_colours(org: Organiser, station: Callable[..., StationNode]) -> None:
    changes = {"name": "Harbour Jazz", "primary_colour": "#123456", "accent_colour": "#fedcba"}
    org.services.writer.run_sync(
        partial(update_event, event_id=org.services.event_id, changes=changes)
    )
    branding = BoardReads(_synced(station(0, role="display")).replica).view().branding
    assert (branding.event_name, branding.primary_colour, branding.accent_colour) == (
        "Harbour Jazz",
        "#123456",
        "#fedcba",
    )


def test_an_unpaired_board_is_empty_and_says_so(station: Callable[..., StationNode]) -> None:
    view = BoardReads(station(0, role="display").replica).view()
    assert not view.paired and view.tiles == () and view.branding.event_name == ""


def test_which_changes_concern_a_board() -> None:
    assert concerns_board(ReplicaChanged(everything=True))
    assert concerns_board(ReplicaChanged(order_ids=frozenset({"x"})))
    assert concerns_board(ReplicaChanged(entities=frozenset({"events"})))
    assert not concerns_board(ReplicaChanged(entities=frozenset({"stock_items", "chat_messages"})))


def test_last_contact_is_when_the_sync_last_heard_the_organiser(
    station: Callable[..., StationNode],
) -> None:
    display = station(0, role="display")
    reads = BoardReads(display.replica)
    assert reads.last_contact() is None  # never online
    with display.replica.write() as conn:  # as the running sync leaves it (runner.py)
        put(conn, "online", "1")
        put(conn, "since", "2026-05-01T09:00:00+00:00")
        put(conn, "last_contact", "2026-05-01T10:42:05+00:00")
    contact = reads.last_contact()
    assert contact is not None and contact.isoformat() == "2026-05-01T10:42:05+00:00"
