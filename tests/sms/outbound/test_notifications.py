"""Order events become texts: "ready" once, a staff cancellation once, one reminder ever."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from functools import partial

import pytest

from expresso_desktop.services import orders
from expresso_desktop.services.changes import ChangeBus, ChangeSet
from expresso_desktop.services.organiser import OrganiserServices
from expresso_desktop.sms.credentials import load_twilio_config
from expresso_desktop.sms.outbound import messages as outbound
from expresso_desktop.sms.outbound import notifications
from expresso_desktop.sms.outbound.notifications import Texts
from expresso_desktop.sms.outbound.notifier import Notifier
from expresso_desktop.sms.outbound.sender import OutboundSender, SenderSettings
from expresso_desktop.sms.twilio_gateway import TwilioGateway
from expresso_desktop.store.engine import read_session
from expresso_desktop.store.tables import Order
from expresso_desktop.store.types import utcnow
from tests.sms.fake_clock import FakeClock
from tests.sms.fake_twilio import FakeTwilio
from tests.sms.helpers import add_customer, add_order, outbound_rows, put_setting, wait_until


@pytest.fixture
async def running(services: OrganiserServices, twilio_env: FakeTwilio) -> AsyncIterator[Notifier]:
    """The notifier and a sender into the fake Twilio, as ``serve`` wires them."""
    put_setting(services, outbound.SETTING_RATE, 50)
    config = load_twilio_config()
    assert config is not None
    sender = OutboundSender(services.writer, TwilioGateway(config), SenderSettings(idle_poll_s=5))
    texts = Texts(services.texts, services.menu, config.number)
    # A long sweep interval: these tests see the change bus at work, and sweep by hand.
    notifier = Notifier(services.writer, services.bus, texts, sweep_interval_s=3600)
    await sender.start()
    await notifier.start()
    yield notifier
    await notifier.stop()
    await sender.stop()


def move(services: OrganiserServices, fn, order_id: str, **kwargs: object) -> None:  # type: ignore[no-untyped-def]
    services.writer.run_sync(partial(fn, order_id=order_id, **kwargs))


async def test_ready_sends_exactly_one_text(
    services: OrganiserServices, running: Notifier, fake_twilio: FakeTwilio
) -> None:
    order_id = add_order(services, add_customer(services))
    move(services, orders.start_order, order_id)
    move(services, orders.mark_ready, order_id)
    await wait_until(lambda: len(fake_twilio.messages) == 1)
    # The same change heard again and a sweep: still one text.
    running._on_changes(_orders_changeset(services, order_id))
    await running.sweep_once()
    await running.settle()  # what the notifier decided is in the queue: nothing new
    [text] = fake_twilio.messages
    assert text["to"] == "+61400123456"
    assert text["body"] == "Sam, your large oat flat white is ready at Station 2! Order #A001."
    [row] = outbound_rows(services)
    assert row.kind == "ready" and row.dedupe_key == f"ready:{order_id}"
    assert row.order_id == order_id and row.expires_at is not None


async def test_walk_in_orders_have_nobody_to_text(
    services: OrganiserServices, running: Notifier, fake_twilio: FakeTwilio
) -> None:
    order_id = add_order(services, None)
    move(services, orders.mark_ready, order_id)
    await running.sweep_once()
    assert outbound_rows(services) == []


async def test_a_staff_cancellation_is_texted_a_customers_own_is_not(
    services: OrganiserServices, running: Notifier, fake_twilio: FakeTwilio
) -> None:
    customer = add_customer(services)
    by_staff, by_customer = add_order(services, customer), add_order(services, customer)
    move(services, orders.cancel_order, by_staff, reason="we ran out of oat milk")
    move(services, orders.cancel_order, by_customer, reason=orders.CUSTOMER_CANCEL_REASON)
    await wait_until(lambda: len(fake_twilio.messages) == 1)
    await running.sweep_once()
    await running.settle()  # both cancellations heard and swept: one text queued, ever
    staff_text = (
        "Order #A001 (large oat flat white) was cancelled: we ran out of oat milk. "
        "Text us a new order anytime."
    )
    assert [r.body for r in outbound_rows(services)] == [staff_text]
    assert fake_twilio.bodies() == [staff_text]


async def test_a_ready_text_missed_by_a_crash_is_caught_up_by_the_sweep(
    services: OrganiserServices, fake_twilio: FakeTwilio, twilio_env: FakeTwilio
) -> None:
    order_id = add_order(services, add_customer(services))
    move(services, orders.mark_ready, order_id)  # nobody listening: as if we died right after
    texts = Texts(services.texts, services.menu)
    assert services.writer.run_sync(partial(notifications.sweep, texts=texts)) == 1
    assert services.writer.run_sync(partial(notifications.sweep, texts=texts)) == 0
    assert [r.kind for r in outbound_rows(services)] == ["ready"]


async def test_the_sweep_catches_up_every_interval(services: OrganiserServices) -> None:
    """Every ``sweep_interval_s`` (15 s by default) the notifier catches up on what the change
    bus did not bring it, and not before."""
    clock = FakeClock()
    deaf = ChangeBus()  # nothing is published here: every change is missed, as in a crash
    texts = Texts(services.texts, services.menu)
    notifier = Notifier(services.writer, deaf, texts, clock=clock)
    await notifier.start()
    try:
        await wait_until(clock.asleep)  # the sweep at start found nothing
        assert clock.waiting_for() == [15.0]
        order_id = add_order(services, add_customer(services))
        move(services, orders.mark_ready, order_id)
        assert outbound_rows(services) == []
        await clock.pass_time(15)
        assert [r.dedupe_key for r in outbound_rows(services)] == [f"ready:{order_id}"]
        assert clock.waiting_for() == [15.0]  # and sweeps again 15 s later
    finally:
        await notifier.stop()


async def test_one_reminder_when_not_collected_never_more(
    services: OrganiserServices, running: Notifier, fake_twilio: FakeTwilio
) -> None:
    put_setting(services, "reminder_minutes", 10)
    order_id = add_order(services, add_customer(services))
    move(services, orders.mark_ready, order_id, now=utcnow() - timedelta(minutes=9))
    await wait_until(lambda: len(fake_twilio.messages) == 1)  # the ready text
    assert await running.sweep_once() == 0  # 9 minutes: not yet
    put_setting(services, "reminder_minutes", 8)
    assert await running.sweep_once() == 1
    assert await running.sweep_once() == 0
    await wait_until(lambda: len(fake_twilio.messages) == 2)
    await running.settle()  # the reminder's stamp on the order, heard: no text of its own
    assert fake_twilio.bodies()[1] == (
        "Sam, your large oat flat white (#A001) is still waiting for you at Station 2."
    )
    with read_session(services.engine) as session:
        order = session.get(Order, order_id)
        assert order is not None and order.reminder_sent_at is not None
        assert order.row_version > 0  # the stamp went through the change log to the stations
    assert [r.dedupe_key for r in outbound_rows(services)] == [
        f"ready:{order_id}",
        f"reminder:{order_id}",
    ]


async def test_no_reminder_once_collected_and_none_in_flight_goes_out(
    services: OrganiserServices, fake_twilio: FakeTwilio, twilio_env: FakeTwilio
) -> None:
    put_setting(services, "reminder_minutes", 0)
    order_id = add_order(services, add_customer(services))
    move(services, orders.mark_ready, order_id)
    texts = Texts(services.texts, services.menu)
    services.writer.run_sync(partial(notifications.sweep, texts=texts))  # ready + reminder queued
    move(services, orders.collect_order, order_id)
    config = load_twilio_config()
    assert config is not None
    sender = OutboundSender(services.writer, TwilioGateway(config), SenderSettings(idle_poll_s=0.1))
    await sender.start()
    try:
        await wait_until(lambda: {r.status for r in outbound_rows(services)} == {"expired"})
    finally:
        await sender.stop()
    assert fake_twilio.sends() == []  # collected before they left: neither is sent
    assert {r.error_code for r in outbound_rows(services)} == {"order_collected"}


def _orders_changeset(services: OrganiserServices, order_id: str) -> ChangeSet:
    from expresso_desktop.services.changes import Change

    with read_session(services.engine) as session:
        order = session.get(Order, order_id)
        assert order is not None
        data = order.model_dump(mode="json")
    return ChangeSet([Change(order.row_version, "orders", order_id, "upsert", data)])


def test_renotify_sends_the_ready_text_again_on_purpose(services: OrganiserServices) -> None:
    texts = Texts(services.texts, services.menu)
    order_id = add_order(services, add_customer(services))
    again = partial(notifications.renotify, order_id=order_id, texts=texts)
    assert services.writer.run_sync(again) is None  # not ready yet
    move(services, orders.mark_ready, order_id)
    first = partial(notifications.notify_orders, order_ids=[order_id], texts=texts)
    services.writer.run_sync(first)
    assert services.writer.run_sync(again) is not None
    assert services.writer.run_sync(again) is not None  # each tap is one more text
    rows = outbound_rows(services)
    assert [r.kind for r in rows] == ["ready"] * 3 and len({r.body for r in rows}) == 1
