"""An order not made yet that moves to another station: its customer gets one text naming the
new pickup place, whether the organiser moved it (LAN API) or a station handed it over (sync);
never twice for one move, never for a walk-in, never once it is made."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from expresso_desktop.core.undo import UNDO_WINDOW
from expresso_desktop.sms.outbound import notifications, queue
from expresso_desktop.store.engine import read_session
from expresso_desktop.store.tables import SmsMessage, Station
from expresso_desktop.store.types import utcnow
from expresso_desktop.sync import outbox

from .rig import PHONE, Rig, running


@pytest.fixture
async def rig(tmp_path: Path, aiohttp_client: Callable[..., Any]) -> AsyncIterator[Rig]:
    async with running(tmp_path, aiohttp_client) as started:
        yield started


def _station(rig: Rig, station_id: int) -> Station:
    with read_session(rig.services.engine) as session:
        station = session.get(Station, station_id)
        assert station is not None
        return station


def _label(station: Station) -> str:
    return station.name or f"Station {station.number}"


def _elsewhere(rig: Rig, station_id: int | None) -> int:
    """Another demo station that makes lattes (all three do)."""
    return next(rig.station_id(n) for n in (1, 2, 3) if rig.station_id(n) != station_id)


def _moves(rig: Rig) -> list[SmsMessage]:
    """The texts naming a new pickup place (a confirmation of where to go, keyed by the move)."""
    return [t for t in rig.sent(kind="confirmation") if (t.dedupe_key or "").startswith("moved:")]


async def _move(rig: Rig, order_id: str, station_id: int) -> dict[str, Any]:
    moved: dict[str, Any] = await rig.organiser.ok(
        "POST", f"/orders/{order_id}/move", {"station_id": station_id}
    )
    await rig.settle()
    return moved


async def test_a_move_texts_the_new_pickup_place_once(rig: Rig) -> None:
    await rig.text("latte for Sam")
    order = rig.newest_order()
    assert order.station_id is not None
    await _move(rig, order.id, order.station_id)  # where it already is: not a move
    assert _moves(rig) == []

    target = _elsewhere(rig, order.station_id)
    assert (await _move(rig, order.id, target))["assign_version"] == 1
    await _move(rig, order.id, target)  # the same request again (a double tap, a retry)
    [text] = _moves(rig)
    station = _station(rig, target)
    assert text.to_number == PHONE and text.order_id == order.id
    assert text.body == (
        f"Sam, change of pickup: your latte (#A001) is now being made at {_label(station)} "
        f"({station.location}, map: {station.map_url}). Please collect from there."
    )
    assert text.dedupe_key == f"moved:{order.id}:1"

    back = order.station_id
    await _move(rig, order.id, back)  # a second, real move: a second text, naming it
    assert [t.dedupe_key for t in _moves(rig)] == [
        f"moved:{order.id}:1",
        f"moved:{order.id}:2",
    ]
    assert _label(_station(rig, back)) in _moves(rig)[-1].body


async def test_no_move_text_for_a_walk_in_nor_once_the_order_is_ready(rig: Rig) -> None:
    one, two = rig.station_id(1), rig.station_id(2)
    walk_in = await rig.organiser.ok(
        "POST", "/orders", {"items": [{"drink": "latte"}], "station_id": one}, 201
    )
    await _move(rig, walk_in["id"], two)  # nobody to text
    await rig.text("latte for Sam")
    order = rig.newest_order()
    await rig.organiser.ok("POST", f"/orders/{order.id}/start")
    await rig.organiser.ok("POST", f"/orders/{order.id}/ready")
    status, _ = await rig.organiser.call(
        "POST", f"/orders/{order.id}/move", {"station_id": _elsewhere(rig, order.station_id)}
    )
    assert status == 409  # too late to move
    await rig.settle()
    assert _moves(rig) == []


async def test_a_stations_hand_over_through_sync_texts_the_customer_once(rig: Rig) -> None:
    await rig.text("latte for Sam")
    order = rig.newest_order()
    number = next(n for n in (1, 2, 3) if rig.station_id(n) == order.station_id)
    station = await rig.station(number)
    target = _elsewhere(rig, order.station_id)
    outbox.record(
        station.replica,
        "order.reassign",
        {"order_id": order.id, "to_station": target, "base_assign_version": 0},
    )
    await station.sync_once()
    await station.sync_once()  # and again: nothing new to push, nothing new to text
    await rig.settle()
    assert rig.order(order.id).station_id == target
    [text] = _moves(rig)
    assert text.dedupe_key == f"moved:{order.id}:1"
    assert _label(_station(rig, target)) in text.body


async def test_a_move_text_overtaken_by_another_move_or_by_done_is_not_sent(rig: Rig) -> None:
    """The sender settles a "moved" text that no longer says where to go instead of sending
    it: the order moved again, or was made, before the text left."""
    await rig.outbound.sender.stop()  # texts stay queued while the orders move on
    await rig.text("latte for Sam")
    moved_twice = rig.newest_order()
    first, second = (n for n in (1, 2, 3) if rig.station_id(n) != moved_twice.station_id)
    await _move(rig, moved_twice.id, rig.station_id(first))
    await _move(rig, moved_twice.id, rig.station_id(second))
    await rig.text("latte for Jo", phone="+61400000002")
    made = rig.newest_order()
    await _move(rig, made.id, _elsewhere(rig, made.station_id))
    await rig.organiser.ok("POST", f"/orders/{made.id}/start")
    await rig.organiser.ok("POST", f"/orders/{made.id}/ready")
    await rig.settle()

    claimed = _claim_all(rig)
    assert sorted(claimed) == sorted(
        [f"moved:{moved_twice.id}:2", notifications.ready_key(rig.order(made.id))]
    )  # only what is still true goes out (the ready text once its undo window is over)
    outcome = {t.dedupe_key: (t.status, t.error_code) for t in rig.sent()}
    assert outcome[f"moved:{moved_twice.id}:1"] == ("expired", "order_moved_again")
    assert outcome[f"moved:{made.id}:1"] == ("expired", "order_ready")


def _claim_all(rig: Rig) -> list[str]:
    """The order texts the sender would send now, claimed one by one (their dedupe keys; a
    late webhook reply on a loaded machine is not one of them)."""
    keys = []
    claim = partial(queue.claim_next, now=utcnow() + UNDO_WINDOW, number="+15005550006")
    while (job := rig.services.writer.run_sync(claim).job) is not None:
        key = next(t.dedupe_key for t in rig.sent() if t.id == job.id) or ""
        if not key.startswith("late-reply:"):
            keys.append(key)
    return keys
