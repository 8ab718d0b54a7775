"""What the organiser sets is what customers read, from the next text on, with nothing restarted:
template overrides (saved through the LAN API, or by an organiser's device through sync), the
event's name, and the reminder timing."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from expresso_desktop.services import event_settings
from expresso_desktop.sms.outbound.notifications import Texts
from expresso_desktop.sms.outbound.notifier import Notifier
from expresso_desktop.store.engine import read_session
from expresso_desktop.store.tables import Station
from expresso_desktop.sync import outbox
from tests.sms.fake_clock import FakeClock
from tests.sms.helpers import wait_until

from .rig import PHONE, Rig, running

CONFIRMATION = "{event}: order #{number} is {drink} for {name}, at {station}."
READY = "Ding! {name}, #{number} ({drink}) {is_are} up at {station}."


@pytest.fixture
async def rig(tmp_path: Path, aiohttp_client: Callable[..., Any]) -> AsyncIterator[Rig]:
    async with running(tmp_path, aiohttp_client) as started:
        yield started


async def _make_ready(rig: Rig, order_id: str) -> str:
    """A barista's two taps through the LAN API; the ready text the customer got."""
    await rig.organiser.ok("POST", f"/orders/{order_id}/start")
    await rig.organiser.ok("POST", f"/orders/{order_id}/ready")
    await rig.settle()
    texts = [t for t in rig.sent(kind="ready") if t.order_id == order_id]
    assert len(texts) == 1
    return texts[0].body


async def test_a_template_override_is_in_the_very_next_texts_and_reverting_restores(
    rig: Rig,
) -> None:
    bundled = await rig.text("latte for Sam")
    assert bundled is not None and bundled.startswith("Order #A001 confirmed: latte for Sam.")
    await _make_ready(rig, rig.newest_order().id)

    saved = await rig.organiser.ok(
        "PATCH", "/settings", {"templates": {"confirmation": CONFIRMATION, "ready": READY}}
    )
    assert saved["templates"]["ready"] == READY

    reply = await rig.text("flat white")
    assert reply is not None and reply.startswith(
        "Expresso demo: Harbourside Tech Conference: order #A002 is flat white for Sam, at "
    )
    order = rig.newest_order()
    assert await _make_ready(rig, order.id) == (
        f"Ding! Sam, #A002 (flat white) is up at {_station(rig, order.station_id)}."
    )

    await rig.organiser.ok("PATCH", "/settings", {"templates": {}})
    reply = await rig.text("mocha")
    assert reply is not None and reply.startswith("Order #A003 confirmed: mocha for Sam.")
    assert (await _make_ready(rig, rig.newest_order().id)).startswith(
        "Sam, your mocha is ready at "
    )


async def test_the_event_name_in_a_text_follows_the_event(rig: Rig) -> None:
    await rig.organiser.ok("PATCH", "/settings", {"templates": {"confirmation": CONFIRMATION}})
    await rig.organiser.ok("PATCH", "/event", {"name": "Winter Fair"})
    reply = await rig.text("latte for Sam")
    assert reply is not None and reply.startswith("Winter Fair: order #A001 is latte for Sam")


async def test_an_override_saved_by_an_organisers_device_through_sync_is_in_the_next_text(
    rig: Rig,
) -> None:
    laptop = await rig.station(None, role="organiser")
    outbox.record(
        laptop.replica,
        "settings.set",
        {"key": "templates", "value": {"confirmation": CONFIRMATION}, "base_version": 0},
    )
    await laptop.sync_once()
    with read_session(rig.services.engine) as session:
        stored = event_settings.current(session, rig.services.menu)["templates"]
    assert stored == {"confirmation": CONFIRMATION}  # accepted by the organiser
    reply = await rig.text("latte for Sam")
    assert reply is not None and reply.startswith(
        "Expresso demo: Harbourside Tech Conference: order #A001 is latte for Sam"
    )


async def test_the_reminder_goes_out_when_the_setting_says_now(rig: Rig) -> None:
    """One ready order, not collected; the sweep (every 15 s on the notifier's clock) decides
    with the reminder timing of the moment."""
    services = rig.services
    clock = FakeClock()
    notifier = Notifier(
        services.writer, services.bus, Texts(services.texts, services.menu), clock=clock
    )
    await rig.text("latte for Sam")
    order_id = rig.newest_order().id
    await _make_ready(rig, order_id)
    await notifier.start()
    try:
        await wait_until(clock.asleep)
        await clock.pass_time(6 * 60)  # 6 minutes: the default 10 is not up
        assert rig.sent(kind="reminder") == []

        def remind_after(minutes: int) -> None:
            change = {"reminder_minutes": minutes}
            services.writer.run_sync(
                partial(
                    event_settings.update,
                    changes=change,
                    menu=services.menu,
                    templates=services.templates,
                )
            )

        remind_after(30)
        await clock.pass_time(5 * 60)  # 11 minutes: past the old 10, not the new 30
        assert rig.sent(kind="reminder") == []
        remind_after(5)
        await clock.pass_time(15)  # the next sweep
        [reminder] = rig.sent(kind="reminder")
        assert reminder.order_id == order_id and reminder.to_number == PHONE
        assert reminder.body == (
            f"Sam, your latte (#A001) is still waiting for you at "
            f"{_station(rig, rig.order(order_id).station_id)}."
        )
    finally:
        await notifier.stop()


def _station(rig: Rig, station_id: int | None) -> str:
    with read_session(rig.services.engine) as session:
        station = session.get(Station, station_id)
        assert station is not None
        return station.name or f"Station {station.number}"


async def test_a_new_sponsor_line_rides_on_the_next_confirmation(rig: Rig) -> None:
    first = await rig.text("latte for Sam")
    assert first is not None and first.endswith("Coffee thanks to Acme Roasters.")
    await rig.organiser.ok("PATCH", "/settings", {"sponsor_line": "Beans by Harbour Co."})
    second = await rig.text("mocha")
    assert second is not None and second.endswith("Beans by Harbour Co.")
