"""Group orders through the LAN API with a contact phone: one pickup text to it once every drink
still wanted is ready — whether the last one is made at a station syncing over HTTP or tapped
through the API — none for a group whose drinks were all cancelled, the number masked in every
answer, and the progress ("2 of 3 ready") in every answer."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from expresso_desktop.services import order_actions
from expresso_desktop.store.engine import read_session
from expresso_desktop.sync import outbox
from tests.sms.outbound.rig import Rig, running

CONTACT = "+61400555001"
MASKED = "+61 ••• ••• 001"


@pytest.fixture
async def rig(tmp_path: Path, aiohttp_client: Callable[..., Any]) -> AsyncIterator[Rig]:
    async with running(tmp_path, aiohttp_client) as started:
        yield started


async def _group(rig: Rig, *names_and_drinks: tuple[str, str], phone: str | None = CONTACT) -> Any:
    body: dict[str, Any] = {
        "organiser_name": "Priya",
        "station_id": rig.station_id(1),
        "members": [{"name": n, "item": {"drink": d}} for n, d in names_and_drinks],
    }
    if phone is not None:
        body["contact_phone"] = phone
    return await rig.organiser.ok("POST", "/group-orders", body, 201)


def _pickups(rig: Rig) -> list[str]:
    return [t.body for t in rig.sent(to=CONTACT, kind="ready")]


async def test_one_pickup_text_when_a_station_makes_the_last_drink(rig: Rig) -> None:
    group = await _group(rig, ("Ben", "latte"), ("Chris", "mocha"), ("Dee", "flat white"))
    assert group["contact_phone"] == MASKED and CONTACT not in str(group)
    assert group["progress"] == {"total": 3, "ready": 0, "cancelled": 0, "complete": False}
    station = await rig.station(1)  # a real replica, pushing over HTTP
    first, second, last = (o["id"] for o in group["orders"])
    for order_id in (first, second, last):
        outbox.record(station.replica, "order.start", {"order_id": order_id})
    for order_id in (first, second):
        outbox.record(station.replica, "order.ready", {"order_id": order_id})
    await station.sync_once()
    await rig.settle()
    assert _pickups(rig) == []  # Dee's flat white is still coming
    progress = (await rig.organiser.ok("GET", f"/group-orders/{group['id']}"))["progress"]
    assert progress == {"total": 3, "ready": 2, "cancelled": 0, "complete": False}

    outbox.record(station.replica, "order.ready", {"order_id": last})
    await station.sync_once()
    await rig.settle()
    await station.sync_once()  # heard again, swept again: still the one text
    await rig.outbound.notifier.sweep_once()
    await rig.settle()
    assert _pickups(rig) == [
        "Priya, your group's latte for Ben, mocha for Chris and flat white for Dee are ready at "
        "Station 1! Orders #A001, #A002, #A003."
    ]
    after = await rig.organiser.ok("GET", f"/group-orders/{group['id']}")
    assert after["pickup_notified"] is True
    assert after["progress"] == {"total": 3, "ready": 3, "cancelled": 0, "complete": True}
    assert rig.sent(to=CONTACT, kind="reminder") == []


async def test_a_cancelled_drink_is_left_out_and_the_rest_are_texted_once(rig: Rig) -> None:
    group = await _group(rig, ("Ben", "latte"), ("Chris", "mocha"))
    ben, chris = (o["id"] for o in group["orders"])
    await rig.organiser.ok("POST", f"/orders/{ben}/start")
    await rig.organiser.ok("POST", f"/orders/{ben}/ready")
    await rig.settle()
    assert _pickups(rig) == []
    await rig.organiser.ok("POST", f"/orders/{chris}/cancel", {"reason": "we ran out of cocoa"})
    await rig.settle()  # the cancellation completes the group: Ben's latte is all there is
    assert _pickups(rig) == [
        "Priya, your group's latte for Ben is ready at Station 1! Orders #A001."
    ]
    [cancelled] = rig.sent(to=CONTACT, kind="cancellation")
    assert "we ran out of cocoa" in cancelled.body
    listed = await rig.organiser.ok("GET", "/group-orders")
    assert listed[0]["progress"] == {"total": 2, "ready": 1, "cancelled": 1, "complete": True}
    assert listed[0]["contact_phone"] == MASKED


async def test_a_group_whose_drinks_are_all_cancelled_gets_no_pickup_text(rig: Rig) -> None:
    group = await _group(rig, ("Ben", "latte"), ("Chris", "latte"))
    for order in group["orders"]:
        await rig.organiser.ok("POST", f"/orders/{order['id']}/cancel", {"reason": "closing"})
    await rig.settle()
    await rig.outbound.notifier.sweep_once()
    await rig.settle()
    assert _pickups(rig) == []
    after = await rig.organiser.ok("GET", f"/group-orders/{group['id']}")
    assert after["pickup_notified"] is False
    assert after["progress"] == {"total": 2, "ready": 0, "cancelled": 2, "complete": False}


async def test_the_contact_phone_must_be_a_phone_number(rig: Rig) -> None:
    status, problem = await rig.organiser.post(
        "/group-orders",
        {
            "organiser_name": "Priya",
            "station_id": rig.station_id(1),
            "members": [{"name": "Ben", "item": {"drink": "latte"}}],
            "contact_phone": "0400 555 001",
        },
    )
    assert status == 422 and problem["field"] == "contact_phone"
    assert await rig.organiser.ok("GET", "/group-orders") == []
    spaced = await _group(rig, ("Ben", "latte"), phone="+61 400 555 001")
    assert spaced["contact_phone"] == MASKED  # the same customer, in E.164
    without = await _group(rig, ("Chris", "latte"), phone=None)
    assert without["contact_phone"] is None


async def test_progress_for_the_windows(rig: Rig) -> None:
    group = await _group(rig, ("Ben", "latte"), ("Chris", "latte"))
    await rig.organiser.ok("POST", f"/orders/{group['orders'][0]['id']}/ready")
    with read_session(rig.services.engine) as session:
        progress = order_actions.group_progress_of(session, group["id"])
    assert (progress.ready, progress.total, progress.cancelled) == (1, 2, 0)


async def test_a_last_drink_handed_over_at_once_still_finishes_the_group(rig: Rig) -> None:
    """Collected straight from new (a forward skip: made and handed over in one go): the
    others still waiting on the counter get their pickup text."""
    group = await _group(rig, ("Ben", "latte"), ("Chris", "latte"))
    ben, chris = (o["id"] for o in group["orders"])
    await rig.organiser.ok("POST", f"/orders/{ben}/ready")
    await rig.organiser.ok("POST", f"/orders/{chris}/collect")
    await rig.settle()
    [pickup] = rig.sent(to=CONTACT, kind="ready")
    assert pickup.body.startswith("Priya, your group's latte for Ben and latte for Chris are")
    assert pickup.order_id == ben  # worth sending while Ben's latte waits
