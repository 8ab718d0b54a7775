"""Intake limits, VIP codes and milks as a customer meets them: through the signed webhook, with
the settings changed the way the organiser changes them (the settings service, whose change the
webhook's read cache hears on the bus)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from sqlmodel import select

from expresso_desktop.core.sms.segments import measure
from expresso_desktop.services import event_settings
from expresso_desktop.services.changes import Alert, ChangeSet
from expresso_desktop.services.demo import seed_demo
from expresso_desktop.services.orders import mark_ready, start_order
from expresso_desktop.services.organiser import OrganiserServices
from expresso_desktop.services.station_admin import update_station
from expresso_desktop.services.writer import Tx
from expresso_desktop.store.engine import read_session
from expresso_desktop.store.tables import Order, OrderItem, Station
from tests.sms.signed import Send, signed_sender


@pytest.fixture
def demo(services: OrganiserServices) -> Iterator[OrganiserServices]:
    services.writer.run_sync(
        lambda tx: seed_demo(tx, event_id=services.event_id, menu=services.menu)
    )
    yield services


@pytest.fixture
async def sms(aiohttp_client: Any, demo: OrganiserServices) -> Send:
    return await signed_sender(aiohttp_client, demo)


@pytest.fixture
def alerts(demo: OrganiserServices) -> Iterator[list[Alert]]:
    heard: list[Alert] = []

    def listen(changes: ChangeSet) -> None:
        heard.extend(changes.alerts)

    unsubscribe = demo.bus.subscribe(listen)
    yield heard
    unsubscribe()


def settle(services: OrganiserServices, **changes: Any) -> None:
    services.writer.run_sync(
        lambda tx: event_settings.update(tx, changes, services.menu, services.templates)
    )


def orders(services: OrganiserServices) -> list[Order]:
    with read_session(services.engine) as session:
        return list(session.exec(select(Order).order_by(Order.number)).all())


def drinks_in(services: OrganiserServices, order: Order) -> int:
    with read_session(services.engine) as session:
        items = session.exec(select(OrderItem).where(OrderItem.order_id == order.id)).all()
        return sum(i.quantity for i in items)


def wait_in(reply: str | None) -> int:
    found = re.search(r"About (\d+) min", reply or "")
    assert found is not None, reply
    return int(found.group(1))


async def test_a_big_order_is_placed_only_after_a_yes(demo: OrganiserServices, sms: Send) -> None:
    asked = await sms("12 lattes for Sam")
    assert asked == (
        "That's 12 drinks - reply YES to confirm, or ask at a coffee station about big orders."
    )
    assert measure(asked).encoding == "GSM-7" and measure(asked).single
    assert orders(demo) == []
    placed = await sms("YES")
    assert placed is not None and placed.startswith("Order #A001 confirmed: 12x latte for Sam.")
    (order,) = orders(demo)
    assert drinks_in(demo, order) == 12 and order.customer_name == "Sam"
    # Anything but YES drops it; a new customer is asked their name only after the YES.
    await sms("15 mochas", phone="+61400000002")
    assert await sms("no", phone="+61400000002") == (
        "OK, forgotten: 15x mocha. Text a new order anytime."
    )
    assert await sms("yes", phone="+61400000002") is not None
    assert len(orders(demo)) == 1
    await sms("11 flat whites", phone="+61400000003")
    named = await sms("Yes", phone="+61400000003") or ""
    assert named.startswith("Got it: 11x flat white. What name should we call out?")
    assert (await sms("Jo", phone="+61400000003") or "").startswith("Order #A002 confirmed")
    assert drinks_in(demo, orders(demo)[1]) == 11
    # CANCEL forgets it; a new order instead of the YES replaces it.
    await sms("20 lattes for Sam")
    assert await sms("cancel order") == "OK, forgotten: 20x latte. Text a new order anytime."
    await sms("20 lattes for Sam")
    assert (await sms("a flat white") or "").startswith("Order #A003 confirmed: flat white for")
    assert "confirmed" not in (await sms("yes") or "")  # nothing is held any more
    assert [drinks_in(demo, o) for o in orders(demo)] == [12, 11, 1]


async def test_the_limit_changed_by_the_organiser_counts_from_the_next_text(
    demo: OrganiserServices, sms: Send
) -> None:
    assert (await sms("4 lattes for Sam") or "").startswith("Order #A001 confirmed")
    settle(demo, max_drinks_per_order=3)
    assert (await sms("4 lattes for Sam") or "").startswith("That's 4 drinks - reply YES")
    settle(demo, max_drinks_per_order=10)  # the default again: the stored row is removed
    assert (await sms("4 lattes for Sam") or "").startswith("Order #A002 confirmed")


async def test_a_busy_station_asks_to_confirm_the_wait_and_alerts_once(
    demo: OrganiserServices, sms: Send, alerts: list[Alert]
) -> None:
    first = await sms("latte for Ann at station 1")
    limit = wait_in(first)  # the wait of one drink at an empty station 1
    settle(demo, throttle_wait_minutes=limit)
    held = await sms("3 lattes for Bob at station 1", phone="+61400000002") or ""
    assert re.fullmatch(
        r"It's busy: about \d+ min for 3x latte at Station 1\. Reply YES to order anyway\.", held
    )
    assert len(orders(demo)) == 1
    await sms("cappuccino for Cai at station 1", phone="+61400000003")
    assert [a.kind for a in alerts] == ["throttle"]  # one crossing, one alert
    assert "Station 1: the wait is about" in alerts[0].message
    placed = await sms("YES", phone="+61400000002") or ""
    assert placed.startswith("Order #A002 confirmed: 3x latte for Bob. Station 1")
    assert len(orders(demo)) == 2 and len(alerts) == 1
    # Pause mode: nothing is held, the customer hears when to try again.
    settle(demo, throttle_mode="pause")
    paused = await sms("latte for Dev at station 1", phone="+61400000004") or ""
    assert re.fullmatch(r"Sorry, we're very busy, so ordering is paused\. .* in \d+ min\.", paused)
    assert await sms("YES", phone="+61400000004") != paused and len(orders(demo)) == 2
    # The queue is made: station 1 is back under the limit; going over again is a new alert.
    for order in orders(demo):
        demo.writer.run_sync(lambda tx, o=order: (start_order(tx, o.id), mark_ready(tx, o.id)))
    assert (await sms("latte for Eve at station 1", phone="+61400000005") or "").startswith(
        "Order #A003 confirmed"
    )
    assert "paused" in (await sms("2 lattes for Fin at station 1", phone="+61400000006") or "")
    assert [a.kind for a in alerts] == ["throttle", "throttle"]


async def test_a_vip_code_jumps_the_queue_and_a_removed_code_stops_working(
    demo: OrganiserServices, sms: Send
) -> None:
    settle(demo, vip_codes=["Gold123"])
    waits = [
        wait_in(await sms(f"flat white for {name} at station 2", phone=f"+6140000010{i}"))
        for i, name in enumerate(("Ann", "Bob", "Cai"))
    ]
    vip = await sms("gold123 flat white for Val at station 2", phone="+61400000200")
    assert wait_in(vip) == waits[0] < waits[-1]  # only VIPs are ahead of a VIP
    val = next(o for o in orders(demo) if o.customer_name == "Val")
    assert val.vip
    settle(demo, vip_codes=[])
    await sms("GOLD123 flat white for Kim at station 2", phone="+61400000201")
    kim = next(o for o in orders(demo) if o.customer_name == "Kim")
    assert not kim.vip


async def test_menu_and_refusals_list_the_milks_poured_now_in_menu_order(
    demo: OrganiserServices, sms: Send
) -> None:
    def drop_oat(tx: Tx) -> None:
        for station in tx.session.exec(select(Station)).all():
            caps = dict(station.capabilities_json or {})
            caps["milks"] = [m for m in caps.get("milks", []) if m != "oat"]
            update_station(tx, station, {"capabilities": caps})

    def milks_in_menu(reply: str | None) -> list[str]:
        return (reply or "").split("Milks: ")[1].split(".")[0].split(", ")

    milks = milks_in_menu(await sms("MENU"))
    assert milks == [m for m in demo.menu.milk_names if m in milks]  # the menu's order
    assert "oat" in milks and "none" not in milks
    demo.writer.run_sync(drop_oat)
    assert milks_in_menu(await sms("MENU")) == [m for m in milks if m != "oat"]
    refused = await sms("oat latte for Sam") or ""
    assert refused.startswith("Sorry, no station can make oat latte right now.")
    assert "with full cream, skim" in refused and "oat" not in refused.split("Available")[1]
