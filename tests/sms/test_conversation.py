"""The customer conversation over a real SQLite store, driven through the single writer."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlmodel import select

from expresso_desktop.core.sms.segments import measure
from expresso_desktop.services.demo import seed_demo
from expresso_desktop.services.event_settings import update as update_settings
from expresso_desktop.services.orders import CUSTOMER_CANCEL_REASON, mark_ready, start_order
from expresso_desktop.services.organiser import OrganiserServices
from expresso_desktop.services.station_admin import update_station
from expresso_desktop.services.writer import Tx
from expresso_desktop.sms.conversation import Conversation, Outcome, name_from_reply
from expresso_desktop.sms.customers import FLOOD_LIMIT, PENDING_TTL, sponsor_line_stats
from expresso_desktop.sms.outbound import messages as outbound
from expresso_desktop.sms.outbound.notifications import Texts, notify_orders
from expresso_desktop.store.engine import read_session
from expresso_desktop.store.tables import (
    ChangeLog,
    Customer,
    Order,
    OrderItem,
    Shift,
    SmsMessage,
    Station,
)
from expresso_desktop.store.types import utcnow
from tests.sms.signed import Send, signed_sender

PHONE = "+61400000001"


@pytest.fixture
def demo(services: OrganiserServices) -> Iterator[OrganiserServices]:
    services.writer.run_sync(
        lambda tx: seed_demo(tx, event_id=services.event_id, menu=services.menu)
    )
    yield services


@pytest.fixture
def conversation(demo: OrganiserServices) -> Conversation:
    return Conversation(event_id=demo.event_id, menu=demo.menu, templates=demo.templates)


def say(
    services: OrganiserServices,
    conversation: Conversation,
    text: str,
    *,
    phone: str = PHONE,
    now: datetime | None = None,
) -> Outcome:
    return services.writer.run_sync(lambda tx: conversation.handle(tx, phone, text, now=now))


def rows(services: OrganiserServices, model: Any, *where: Any) -> list[Any]:
    with read_session(services.engine) as session:
        return list(session.exec(select(model).where(*where)).all())


def customer(services: OrganiserServices, phone: str = PHONE) -> Customer:
    (found,) = rows(services, Customer, Customer.phone == phone)
    return found


def test_one_shot_order_is_confirmed_stored_and_emitted(
    demo: OrganiserServices, conversation: Conversation
) -> None:
    out = say(demo, conversation, "large oat flat white for Sam at station 2")
    assert out.order is not None and out.intent == "order"
    assert out.reply is not None
    assert out.reply.startswith("Order #A001 confirmed: large oat flat white for Sam. Station 2")
    assert "(near the east doors, map: https://maps.example.com/east). About 2 min." in out.reply
    assert "Acme" not in out.reply  # the sponsor line would cost a second segment
    (order,) = rows(demo, Order)
    assert (order.number, order.customer_name, order.status) == ("A001", "Sam", "new")
    station = demo.writer.run_sync(lambda tx: tx.session.get(Station, order.station_id))
    assert station is not None and station.number == 2
    (item,) = rows(demo, OrderItem, OrderItem.order_id == order.id)
    assert (item.drink, item.size, item.milk) == ("flat white", "large", "oat")
    logged = {(c.entity, c.entity_id) for c in rows(demo, ChangeLog)}
    assert ("orders", order.id) in logged and ("order_items", item.id) in logged
    assert customer(demo).name == "Sam"
    assert customer(demo).usual_json == [item_dict("flat white", "large", "oat")]
    # Customers carry phone numbers: they never reach the stations' change feed.
    assert not [c for c in rows(demo, ChangeLog) if c.entity == "customers"]


def test_the_sponsor_line_rides_along_when_it_fits(
    demo: OrganiserServices, conversation: Conversation
) -> None:
    out = say(demo, conversation, "latte for Sam at station 1")
    assert out.reply == (
        "Order #A001 confirmed: latte for Sam. Station 1 (main foyer, by registration). "
        "About 2 min. Reply STATUS anytime. Coffee thanks to Acme Roasters."
    )


def item_dict(drink: str, size: str, milk: str) -> dict[str, Any]:
    return {"drink": drink, "size": size, "milk": milk, "sugar": 0, "quantity": 1, "extras": []}


def test_name_is_asked_the_first_time_then_remembered(
    demo: OrganiserServices, conversation: Conversation
) -> None:
    asked = say(demo, conversation, "large latte")
    assert asked.order is None
    assert asked.reply == (
        "Got it: large latte. What name should we call out? Reply with just your first name."
    )
    assert rows(demo, Order) == []
    not_a_name = say(demo, conversation, "ok")
    assert not_a_name.order is None and "What name" in (not_a_name.reply or "")
    named = say(demo, conversation, "hilary")
    assert named.order is not None and named.order.customer_name == "Hilary"
    assert "large latte for Hilary" in (named.reply or "")
    again = say(demo, conversation, "flat white")
    assert again.order is not None and again.order.customer_name == "Hilary"
    assert len(rows(demo, Order)) == 2


def test_a_drink_left_waiting_for_a_name_is_forgotten_after_a_while(
    demo: OrganiserServices, conversation: Conversation
) -> None:
    start = utcnow()
    say(demo, conversation, "mocha", now=start)
    later = say(demo, conversation, "Sam", now=start + PENDING_TTL + timedelta(minutes=1))
    assert later.order is None
    assert "didn't catch a drink" in (later.reply or "")


def test_a_name_without_a_drink_asks_which_drink(
    demo: OrganiserServices, conversation: Conversation
) -> None:
    out = say(demo, conversation, "Hi it's Supriya")
    assert out.reply is not None and out.reply.startswith("Hi Supriya! What would you like?")
    order = say(demo, conversation, "cappuccino").order
    assert order is not None and order.customer_name == "Supriya"


def test_status_cancel_and_usual(demo: OrganiserServices, conversation: Conversation) -> None:
    assert "no open orders" in (say(demo, conversation, "STATUS").reply or "")
    assert "don't have a usual" in (say(demo, conversation, "my usual").reply or "")
    assert "no order of yours" in (say(demo, conversation, "cancel order").reply or "")
    first = say(demo, conversation, "long black for Sam").order
    assert first is not None
    status = say(demo, conversation, "where's my coffee?").reply or ""
    assert status.startswith(f"Order #{first.number} (long black) is in the queue at Station")
    assert "About" in status
    usual = say(demo, conversation, "the usual please").order
    assert usual is not None and usual.number == "A002"
    cancelled = say(demo, conversation, f"cancel order {first.number}")
    assert cancelled.reply == f"Order #{first.number} (long black) is cancelled."
    (stored,) = rows(demo, Order, Order.id == first.id)
    assert (stored.status, stored.cancel_reason) == ("cancelled", CUSTOMER_CANCEL_REASON)
    assert stored.cancelled_at is not None
    demo.writer.run_sync(lambda tx: start_order(tx, usual.id))
    too_late = say(demo, conversation, "cancel my order").reply or ""
    assert too_late.startswith("Order #A002 (long black) is already being made")
    assert rows(demo, Order, Order.id == usual.id)[0].status == "in_progress"


def test_cancel_drops_a_drink_still_waiting_for_a_name(
    demo: OrganiserServices, conversation: Conversation
) -> None:
    say(demo, conversation, "chai latte")
    assert say(demo, conversation, "cancel order").reply == (
        "OK, forgotten: chai latte. Text a new order anytime."
    )
    assert "didn't catch a drink" in (say(demo, conversation, "Sam").reply or "")


def test_menu_lists_what_open_stations_can_make_now(
    demo: OrganiserServices, conversation: Conversation
) -> None:
    full = say(demo, conversation, "MENU").reply or ""
    assert "chai latte" in full and "coconut" in full and "hot chocolate" in full
    set_status(demo, 3, "paused")  # the Garden Bar: the only chai, tea, matcha and coconut
    menu = say(demo, conversation, "what drinks do you have?").reply or ""
    assert menu.startswith("Menu: latte, cappuccino, flat white")
    assert "chai latte" not in menu and "coconut" not in menu and "macadamia" not in menu
    refused = say(demo, conversation, "chai latte for Sam")
    assert refused.order is None
    assert refused.reply is not None
    assert refused.reply.startswith("Sorry, no station can make chai latte right now.")
    assert "Available now: latte, cappuccino" in refused.reply


def test_closed_service_says_when_it_opens(
    demo: OrganiserServices, conversation: Conversation
) -> None:
    opens = utcnow() + timedelta(hours=30)

    def reschedule(tx: Tx) -> None:
        for shift in tx.session.exec(select(Shift)).all():
            shift.starts_at, shift.ends_at = opens, opens + timedelta(hours=4)
            tx.session.add(shift)

    demo.writer.run_sync(reschedule)
    out = say(demo, conversation, "latte for Sam")
    assert out.order is None
    assert out.reply is not None
    assert out.reply.startswith("Sorry, coffee service is closed right now. Service opens ")
    assert opens.strftime("%H:%M") in out.reply  # the event's zone is UTC
    assert say(demo, conversation, "menu").reply == out.reply


def test_help_greeting_and_unknown_always_answer(
    demo: OrganiserServices, conversation: Conversation
) -> None:
    assert "CANCEL ORDER" in (say(demo, conversation, "HELP").reply or "")
    assert (say(demo, conversation, "hello").reply or "").startswith("Hi! Text your coffee")
    assert "didn't catch a drink" in (say(demo, conversation, "zzz qqq").reply or "")
    assert "didn't catch a drink" in (say(demo, conversation, "").reply or "")


def test_stop_silences_everything_until_start(
    demo: OrganiserServices, conversation: Conversation
) -> None:
    say(demo, conversation, "latte for Sam")
    assert say(demo, conversation, "STOP") == Outcome(None, "stop", None, customer(demo).id)
    assert customer(demo).opted_out and customer(demo).opted_out_at is not None
    for text in ("latte", "STATUS", "MENU", "HELP", "hello"):
        out = say(demo, conversation, text)
        assert out.reply is None and out.order is None, text
    assert len(rows(demo, Order)) == 1
    queued = demo.writer.run_sync(
        lambda tx: outbound.enqueue(tx, to=PHONE, body="hi", kind="manual")
    )
    assert queued is not None and queued.status == outbound.SKIPPED_OPTED_OUT
    assert (
        say(demo, conversation, "START").reply == "You're subscribed again. Text a drink to order."
    )
    assert not customer(demo).opted_out
    assert say(demo, conversation, "latte").order is not None


def test_flood_limit_one_slow_down_per_window_and_it_survives_a_restart(
    demo: OrganiserServices, conversation: Conversation
) -> None:
    start = utcnow()
    for i in range(FLOOD_LIMIT):
        out = say(demo, conversation, "hello", now=start + timedelta(seconds=i))
        assert out.intent == "greeting"
    slow = say(demo, conversation, "latte for Sam", now=start + timedelta(seconds=20))
    assert slow.reply == "You're sending texts very fast. Please wait a minute and try again."
    assert slow.order is None
    # A new Conversation (as after a restart) reads the window back from the store.
    restarted = Conversation(event_id=demo.event_id, menu=demo.menu, templates=demo.templates)
    silent = say(demo, restarted, "latte for Sam", now=start + timedelta(seconds=30))
    assert silent == Outcome(None, "flood", None, customer(demo).id)
    assert rows(demo, Order) == []
    later = say(demo, restarted, "latte for Sam", now=start + timedelta(seconds=95))
    assert later.order is not None
    other = say(demo, conversation, "latte for Jo", phone="+61400000002", now=start)
    assert other.order is not None  # the limit is per number


def test_opting_out_is_recorded_even_over_the_flood_limit(
    demo: OrganiserServices, conversation: Conversation
) -> None:
    start = utcnow()
    for i in range(FLOOD_LIMIT + 3):
        say(demo, conversation, "hello", now=start + timedelta(seconds=i))
    assert say(demo, conversation, "STOP", now=start + timedelta(seconds=20)).reply is None
    assert customer(demo).opted_out
    back = say(demo, conversation, "START", now=start + timedelta(seconds=21))
    assert back.reply is not None and "subscribed again" in back.reply
    assert not customer(demo).opted_out


def test_routing_prefers_the_shortest_queue(
    demo: OrganiserServices, conversation: Conversation
) -> None:
    stations = []
    waits = []
    for i, name in enumerate(("Ann", "Bob", "Cai", "Dev", "Eve", "Fin")):
        out = say(demo, conversation, f"flat white for {name}", phone=f"+6140000010{i}")
        assert out.order is not None and out.reply is not None
        stations.append(out.order.station_id)
        waits.append(int(out.reply.split("About ")[1].split(" min")[0]))
    assert set(stations) == set(stations[:2]) and len(set(stations)) == 2  # 1 and 2 alternate
    assert waits == sorted(waits) and waits[-1] > waits[0]


def test_name_from_reply() -> None:
    from expresso_desktop.core.sms.parser import ParseResult

    blank = ParseResult("unknown")
    assert name_from_reply(blank, "sam") == "Sam"
    assert name_from_reply(blank, "  Mary-Jane O'Neil ") == "Mary-Jane O'Neil"
    assert name_from_reply(blank, "my name is José") == "José"
    assert name_from_reply(blank, "Zoë.") == "Zoë"
    for junk in ("ok", "thanks", "123", "<b>x</b>", "a b c d e", "x" * 40, "", "👍"):
        assert name_from_reply(blank, junk) is None, junk


def set_status(services: OrganiserServices, number: int, status: str) -> None:
    def work(tx: Tx) -> None:
        station = tx.session.exec(select(Station).where(Station.number == number)).one()
        station.status = status  # type: ignore[assignment]
        tx.session.add(station)

    services.writer.run_sync(work)


# -- through the signed webhook: what a customer can do by text (issue 13) ----------------------
@pytest.fixture
async def sms(aiohttp_client: Any, demo: OrganiserServices) -> Send:
    """Sends a text exactly as Twilio would (signed for the public URL) and returns our reply."""
    return await signed_sender(aiohttp_client, demo)


def texts(services: OrganiserServices) -> Texts:
    return Texts(services.texts, services.menu)


def make_ready(services: OrganiserServices, order_id: str) -> int:
    """A barista starts and finishes the order; returns how many texts that queued."""

    def work(tx: Tx) -> int:
        start_order(tx, order_id)
        mark_ready(tx, order_id)
        return notify_orders(tx, order_ids=[order_id], texts=texts(services))

    return services.writer.run_sync(work)


def outgoing(services: OrganiserServices, kind: str = "ready") -> list[SmsMessage]:
    return rows(services, SmsMessage, SmsMessage.direction == "out", SmsMessage.kind == kind)


def pause_station(services: OrganiserServices, number: int) -> None:
    """Paused the way the organiser's screen does it (emitted, so caches hear about it)."""

    def work(tx: Tx) -> None:
        station = tx.session.exec(select(Station).where(Station.number == number)).one()
        update_station(tx, station, {"status": "paused"})

    services.writer.run_sync(work)


def set_setting(services: OrganiserServices, key: str, value: Any) -> None:
    services.writer.run_sync(
        lambda tx: update_settings(tx, {key: value}, services.menu, services.templates)
    )


async def test_drinks_for_friends_are_a_group_with_one_pickup_text(
    demo: OrganiserServices, sms: Any
) -> None:
    reply = await sms("latte for me and a mocha for Ben - Chris")
    assert reply is not None
    assert reply.startswith(
        "Group order #A001, #A002 confirmed: latte for Chris and mocha for Ben."
    )
    orders = sorted(rows(demo, Order), key=lambda o: o.number)
    assert [o.customer_name for o in orders] == ["Chris", "Ben"]  # each name on its cup
    assert orders[0].group_id is not None and orders[0].group_id == orders[1].group_id
    assert {o.customer_id for o in orders} == {customer(demo).id}
    assert customer(demo).name == "Chris"  # Ben is a friend, never the customer's name
    assert make_ready(demo, orders[0].id) == 0  # Ben's mocha is still coming: no text yet
    assert make_ready(demo, orders[1].id) == 1
    (pickup,) = outgoing(demo)
    assert pickup.body.startswith("Chris, your group's latte for Chris and mocha for Ben are ready")
    assert pickup.to_number == PHONE


async def test_a_text_for_two_friends_places_both(demo: OrganiserServices, sms: Any) -> None:
    reply = await sms("a latte for Sam and a cappuccino for Jo")
    assert reply is not None and "latte for Sam and cappuccino for Jo" in reply
    assert sorted(o.customer_name for o in rows(demo, Order)) == ["Jo", "Sam"]


async def test_an_order_changes_while_new_and_says_so_kindly_once_started(
    demo: OrganiserServices, sms: Any
) -> None:
    assert "no order we can still change" in (await sms("actually make it oat") or "")
    await sms("latte for Sam at station 1")
    assert await sms("actually make it oat") == "Done: order #A001 is now oat latte."
    assert await sms("add a sugar") == "Done: order #A001 is now oat latte, 1 sugar."
    assert await sms("change to large") == "Done: order #A001 is now large oat latte, 1 sugar."
    (item,) = rows(demo, OrderItem)
    assert (item.size, item.milk, item.sugar) == ("large", "oat", 1)
    assert len(rows(demo, Order)) == 1  # changed, not ordered again
    # Station 1 has no almond milk: the order stays as it was, and the customer hears why.
    refused = await sms("switch to almond") or ""
    assert refused.startswith("Sorry, Station 1 can't make large almond latte")
    assert rows(demo, OrderItem)[0].milk == "oat"
    (order,) = rows(demo, Order)
    demo.writer.run_sync(lambda tx: start_order(tx, order.id))
    late = await sms("actually make it skim") or ""
    assert late.startswith("Sorry, order #A001 (large oat latte, 1 sugar) is already being made")
    assert rows(demo, OrderItem)[0].milk == "oat"


async def test_refusals_say_why_and_what_we_can_make(demo: OrganiserServices, sms: Any) -> None:
    moved = await sms("chai latte for Sam at station 1") or ""
    assert moved.startswith("Station 1 can't make that right now, so it went to Garden Bar.")
    assert "Order #A001 confirmed: chai latte for Sam. Garden Bar" in moved
    pause_station(demo, 3)  # the only chai
    refused = await sms("chai latte for Sam") or ""
    assert refused.startswith("Sorry, no station can make chai latte right now.")
    assert "Available now: latte, cappuccino" in refused
    assert (
        "hot chocolate and cortado, with full cream, skim, soy, almond, oat or lactose free milk."
        in refused
    )
    unserved = await sms("pumpkin spice frappuccino please") or ""
    assert unserved.startswith("Sorry, we don't serve that - we have latte, cappuccino")
    assert "mac latte" in (await sms("mac") or "")  # macchiato or macadamia? we ask
    assert len(rows(demo, Order)) == 1


async def test_a_drink_we_do_not_serve_beside_one_we_do_is_named_and_the_rest_ordered(
    demo: OrganiserServices, sms: Any
) -> None:
    reply = await sms("latte and a pumpkin spice frappuccino for Sam") or ""
    assert reply.startswith(
        "We don't serve pumpkin spice frappuccino. Order #A001 confirmed: latte for Sam."
    )
    assert measure(reply).encoding == "GSM-7" and measure(reply).segments <= 2
    assert [i.drink for i in rows(demo, OrderItem)] == ["latte"]
    # Asked for a name first: the refusal is said then, and the drink waits for the name.
    asked = await sms("mocha and a beer", phone="+61400000002") or ""
    assert asked.startswith("We don't serve beer. Got it: mocha. What name should we call out?")
    assert "confirmed: mocha for Jo" in (await sms("Jo", phone="+61400000002") or "")
    # A friend's drink: the group confirmation says it too.
    group = await sms("a latte for Ben and a smoothie", phone="+61400000003") or ""
    assert "We don't serve smoothie." in group


async def test_codes_are_never_quantities_and_a_vip_code_marks_the_order(
    demo: OrganiserServices, sms: Any
) -> None:
    set_setting(demo, "vip_codes", ["gold123"])
    assert "latte for Val" in (await sms("GOLD123 latte for Val") or "")
    await sms("VIP7 latte for Kim", phone="+61400000002")  # not a code we gave out
    vip, plain_order = sorted(rows(demo, Order), key=lambda o: o.number)
    assert (vip.vip, vip.customer_name, plain_order.vip) == (True, "Val", False)
    assert [i.quantity for i in rows(demo, OrderItem)] == [1, 1]  # never 20 or 7 lattes
    big = await sms("25 flat whites for the crew", phone="+61400000003") or ""
    assert big.startswith("That's 25 drinks - reply YES to confirm")  # never placed silently
    huge = await sms("99 lattes and 5 mochas", phone="+61400000004") or ""
    assert huge.startswith("That's a lot of coffee! We can take up to 99 drinks in one text.")
    assert len(rows(demo, Order)) == 2


async def test_ready_texts_agree_in_number_and_stay_gsm7(demo: OrganiserServices, sms: Any) -> None:
    await sms("3 lattes and a cap for Sam")
    await sms("flat white for Jo", phone="+61400000002")
    for order in sorted(rows(demo, Order), key=lambda o: o.number):
        make_ready(demo, order.id)
    many, one = sorted(outgoing(demo), key=lambda m: m.to_number)
    assert many.body.startswith("Sam, your 3x latte and cappuccino are ready at")
    assert one.body.startswith("Jo, your flat white is ready at")
    for message in (many, one):
        assert "×" not in message.body and measure(message.body).encoding == "GSM-7"


async def test_the_organiser_can_see_how_often_the_sponsor_line_was_dropped(
    demo: OrganiserServices, sms: Any
) -> None:
    assert "Acme" in (await sms("latte for Sam at station 1") or "")  # fits: it rides along
    # Station 2's location and map make the confirmation too long for the line to fit.
    assert "Acme" not in (await sms("large oat flat white for Jo at station 2") or "")
    with read_session(demo.engine) as session:
        stats = sponsor_line_stats(session)
    assert (stats.shown, stats.dropped, stats.offered) == (1, 1, 2)


async def test_stop_start_and_help_are_unchanged_through_the_webhook(
    demo: OrganiserServices, sms: Any
) -> None:
    assert "CANCEL ORDER" in (await sms("HELP") or "")
    assert await sms("STOP") is None
    assert customer(demo).opted_out
    assert await sms("latte for Sam") is None
    assert await sms("HELP") is None
    assert rows(demo, Order) == []
    assert await sms("START") == "You're subscribed again. Text a drink to order."
    assert not customer(demo).opted_out
    assert "confirmed" in (await sms("latte for Sam") or "")
    assert "cancelled" in (await sms("cancel A001") or "")  # a code after CANCEL: no opt-out
    assert not customer(demo).opted_out
