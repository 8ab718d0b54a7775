"""Order events become texts: "ready" once, a staff cancellation once, one reminder ever; a "ready"
text is held for the undo window, and an undo (or a cancel, or a collect) within it withdraws it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from expresso_desktop.core.undo import UNDO_WINDOW
from expresso_desktop.services import order_actions, orders
from expresso_desktop.services.changes import ChangeBus, ChangeSet
from expresso_desktop.services.demo import seed_demo
from expresso_desktop.services.organiser import OrganiserServices
from expresso_desktop.services.writer import Tx
from expresso_desktop.sms.credentials import load_twilio_config
from expresso_desktop.sms.outbound import messages as outbound
from expresso_desktop.sms.outbound import notifications
from expresso_desktop.sms.outbound.notifications import Texts
from expresso_desktop.sms.outbound.notifier import Notifier
from expresso_desktop.sms.outbound.sender import OutboundSender, SenderSettings
from expresso_desktop.sms.twilio_gateway import TwilioGateway
from expresso_desktop.store.engine import read_session
from expresso_desktop.store.tables import GroupOrder, Order, SmsMessage, Station
from expresso_desktop.store.types import utcnow
from expresso_desktop.sync import outbox
from tests.sms.fake_clock import FakeClock
from tests.sms.fake_twilio import FakeTwilio
from tests.sms.helpers import add_customer, add_order, outbound_rows, put_setting, wait_until
from tests.sms.outbound.rig import running as organiser_running

HOLD_S = UNDO_WINDOW.total_seconds()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def twilio_sender(services: OrganiserServices, clock: FakeClock) -> OutboundSender:
    """A sender into the fake Twilio on the test's clock (the hold ends when the test says)."""
    put_setting(services, outbound.SETTING_RATE, 50)
    config = load_twilio_config()
    assert config is not None
    return OutboundSender(
        services.writer, TwilioGateway(config), SenderSettings(idle_poll_s=5), clock=clock
    )


@pytest.fixture
async def running(
    services: OrganiserServices, twilio_env: FakeTwilio, clock: FakeClock
) -> AsyncIterator[Notifier]:
    """The notifier and a sender into the fake Twilio, as ``serve`` wires them."""
    sender = twilio_sender(services, clock)
    config = load_twilio_config()
    assert config is not None
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


async def pass_the_hold(clock: FakeClock) -> None:
    """The undo window ends: returns once the sender has looked at the queue since (and sent
    what fell due). Not ``pass_time``: a commit may have just woken the sender."""
    later = clock.advance(HOLD_S)
    await wait_until(lambda: clock.asleep(since=later))


def held(services: OrganiserServices) -> list[SmsMessage]:
    return [r for r in outbound_rows(services) if r.status == outbound.PENDING]


def undo(services: OrganiserServices, order_id: str) -> None:
    services.writer.run_sync(lambda tx: order_actions.undo_last(tx, order_id))


async def test_ready_sends_exactly_one_text(
    services: OrganiserServices, running: Notifier, fake_twilio: FakeTwilio, clock: FakeClock
) -> None:
    order_id = add_order(services, add_customer(services))
    move(services, orders.start_order, order_id)
    move(services, orders.mark_ready, order_id)
    await wait_until(lambda: held(services))
    await running.settle()
    assert fake_twilio.messages == []  # held for the undo window
    await pass_the_hold(clock)
    await wait_until(lambda: len(fake_twilio.messages) == 1)
    # The same change heard again and a sweep: still one text.
    running._on_changes(_orders_changeset(services, order_id))
    await running.sweep_once()
    await running.settle()  # what the notifier decided is in the queue: nothing new
    [text] = fake_twilio.messages
    assert text["to"] == "+61400123456"
    assert text["body"] == "Sam, your large oat flat white is ready at Station 2! Order #A001."
    [row] = outbound_rows(services)
    assert row.kind == "ready" and row.dedupe_key.startswith(f"ready:{order_id}:")
    assert row.dedupe_key == notifications.ready_key(_order(services, order_id))
    assert row.order_id == order_id and row.expires_at is not None


async def test_an_order_texted_before_the_upgrade_is_not_texted_again(
    services: OrganiserServices, running: Notifier, fake_twilio: FakeTwilio
) -> None:
    """Mid-event upgrade: the previous version keyed a ready text ``ready:<order id>``; the
    sweep after the upgrade must not send that order's ready text again under the new key."""
    order_id = add_order(services, add_customer(services))
    services.writer.run_sync(
        lambda tx: outbound.enqueue(
            tx, to="+61400123456", body="ready (old version)", kind="ready",
            order_id=order_id, dedupe_key=f"ready:{order_id}",
        )
    )  # fmt: skip
    move(services, orders.start_order, order_id)
    move(services, orders.mark_ready, order_id)
    await running.sweep_once()
    await running.settle()
    assert [row.dedupe_key for row in outbound_rows(services)] == [f"ready:{order_id}"]


async def test_done_then_undo_within_the_hold_never_texts(
    services: OrganiserServices, running: Notifier, fake_twilio: FakeTwilio, clock: FakeClock
) -> None:
    order_id = add_order(services, add_customer(services))
    move(services, orders.start_order, order_id)
    move(services, orders.mark_ready, order_id)
    await wait_until(lambda: held(services))
    undo(services, order_id)  # the barista's Undo, 10 s bar still showing
    await wait_until(lambda: outbound_rows(services)[0].status == outbound.WITHDRAWN)
    [row] = outbound_rows(services)
    assert row.error_code == "order_in_progress" and row.next_attempt_at is None
    await pass_the_hold(clock)
    await clock.pass_time(HOLD_S)  # and well after: nothing is due, nothing goes
    await running.sweep_once()
    await running.settle()
    assert fake_twilio.sends() == []
    assert [r.status for r in outbound_rows(services)] == [outbound.WITHDRAWN]


async def test_done_undo_done_again_sends_one_text_the_second(
    services: OrganiserServices, running: Notifier, fake_twilio: FakeTwilio, clock: FakeClock
) -> None:
    order_id = add_order(services, add_customer(services))
    move(services, orders.start_order, order_id)
    move(services, orders.mark_ready, order_id)
    await wait_until(lambda: held(services))
    undo(services, order_id)
    await wait_until(lambda: not held(services))
    move(services, orders.mark_ready, order_id)  # really done now
    await wait_until(lambda: held(services))
    await pass_the_hold(clock)
    await wait_until(lambda: [r.status for r in outbound_rows(services)][-1] == "queued")
    await running.sweep_once()
    await running.settle()
    first, second = outbound_rows(services)  # the second one went (Twilio has it)
    assert (first.status, second.status) == (outbound.WITHDRAWN, "queued")
    assert second.dedupe_key == notifications.ready_key(_order(services, order_id))
    assert first.dedupe_key != second.dedupe_key
    assert len(fake_twilio.sends()) == 1


async def test_an_undo_the_notifier_never_heard_still_withdraws_the_text(
    services: OrganiserServices, fake_twilio: FakeTwilio, twilio_env: FakeTwilio, clock: FakeClock
) -> None:
    """Done, the text held, the organiser restarts; the undo comes in before anyone listens
    again. The sender's own look as it claims the text takes it back."""
    texts = Texts(services.texts, services.menu)
    order_id = add_order(services, add_customer(services))
    move(services, orders.start_order, order_id)
    move(services, orders.mark_ready, order_id)
    services.writer.run_sync(partial(notifications.sweep, texts=texts))  # held
    undo(services, order_id)
    sender = twilio_sender(services, clock)
    await sender.start()
    try:
        await pass_the_hold(clock)
        await wait_until(lambda: not held(services))
    finally:
        await sender.stop()
    [row] = outbound_rows(services)
    assert (row.status, row.error_code) == (outbound.WITHDRAWN, "order_in_progress")
    assert fake_twilio.sends() == []


async def test_a_restart_and_sweeps_during_the_hold_send_the_text_once(
    services: OrganiserServices, fake_twilio: FakeTwilio, twilio_env: FakeTwilio, clock: FakeClock
) -> None:
    texts = Texts(services.texts, services.menu)
    order_id = add_order(services, add_customer(services))
    move(services, orders.mark_ready, order_id)
    heard = partial(notifications.notify_orders, order_ids=[order_id], texts=texts)
    assert services.writer.run_sync(heard) == 1  # the notifier heard it, then we died
    for _ in range(2):  # the sweep at the next start, and the one after
        assert services.writer.run_sync(partial(notifications.sweep, texts=texts)) == 0
    assert services.writer.run_sync(heard) == 0  # the change heard again
    first = twilio_sender(services, clock)
    await first.start()
    await wait_until(clock.asleep)
    await first.stop()  # stopped again inside the hold: the text stays queued
    assert fake_twilio.sends() == [] and len(held(services)) == 1
    second = twilio_sender(services, clock)
    await second.start()
    try:
        await pass_the_hold(clock)
        await wait_until(lambda: outbound_rows(services)[0].status == "queued")
    finally:
        await second.stop()
    assert len(fake_twilio.sends()) == 1 and len(outbound_rows(services)) == 1


async def test_a_stations_done_and_undo_over_sync_withdraw_the_text_at_once(
    tmp_path: Path, aiohttp_client: Callable[..., Any]
) -> None:
    """The barista's path: Done and Undo pushed by a station replica over HTTP, then Done
    again; and the organiser's Undo on the Orders screen (the LAN API's undo, the same rule)."""
    async with organiser_running(tmp_path, aiohttp_client) as rig:
        await rig.text("latte for Sam")
        order = rig.newest_order()
        number = next(n for n in (1, 2, 3) if rig.station_id(n) == order.station_id)
        station = await rig.station(number)
        for name in ("order.start", "order.ready"):
            outbox.record(station.replica, name, {"order_id": order.id})
        await station.sync_once()
        await rig.settle()
        [held_text] = rig.sent(kind="ready")
        assert held_text.status == outbound.PENDING and held_text.next_attempt_at is not None
        assert held_text.next_attempt_at == held_text.created_at + UNDO_WINDOW
        undo_args = {"order_id": order.id, "base_status": "ready"}
        outbox.record(station.replica, "order.undo", undo_args)
        await station.sync_once()
        await rig.settle()
        assert [(t.status, t.error_code) for t in rig.sent(kind="ready")] == [
            (outbound.WITHDRAWN, "order_in_progress")
        ]
        outbox.record(station.replica, "order.ready", {"order_id": order.id})
        await station.sync_once()
        await rig.settle()
        await rig.organiser.ok("POST", f"/orders/{order.id}/undo")  # from the Orders screen
        await rig.settle()
        assert [t.status for t in rig.sent(kind="ready")] == [outbound.WITHDRAWN] * 2
        assert len({t.dedupe_key for t in rig.sent(kind="ready")}) == 2


async def test_a_groups_held_pickup_text_is_withdrawn_by_an_undo_and_sent_once_after(
    services: OrganiserServices, running: Notifier, fake_twilio: FakeTwilio, clock: FakeClock
) -> None:
    group_id, (ben, chris) = _group(services, ("Ben", "latte"), ("Chris", "mocha"))
    for order_id in (ben, chris):
        move(services, orders.start_order, order_id)
        move(services, orders.mark_ready, order_id)
    await wait_until(lambda: held(services))
    undo(services, chris)  # the mocha was not done after all
    await wait_until(lambda: not held(services))
    with read_session(services.engine) as session:
        group = session.get(GroupOrder, group_id)
        assert group is not None and not group.pickup_notified  # it will be, once complete
    move(services, orders.mark_ready, chris)
    await wait_until(lambda: held(services))
    await pass_the_hold(clock)
    await wait_until(lambda: [r.status for r in outbound_rows(services)][-1] == "queued")
    await running.sweep_once()
    await running.settle()
    withdrawn, sent = outbound_rows(services)
    assert (withdrawn.status, withdrawn.error_code) == (outbound.WITHDRAWN, "order_not_ready")
    assert sent.status == "queued" and sent.dedupe_key.startswith(f"ready-group:{group_id}:")
    assert fake_twilio.bodies() == [sent.body]
    assert "latte for Ben and mocha for Chris" in sent.body


def _group(services: OrganiserServices, *members: tuple[str, str]) -> tuple[str, list[str]]:
    """A group ordered by the customer's phone at the demo event's first station."""
    contact = add_customer(services)

    def work(tx: Tx) -> tuple[str, list[str]]:
        seed_demo(tx, event_id=services.event_id, menu=services.menu)
        station = tx.session.exec(select(Station).where(Station.number == 1)).one()
        assert station.id is not None
        group, placed = order_actions.create_group(
            tx,
            event_id=services.event_id,
            menu=services.menu,
            organiser_name="Sam",
            station_id=station.id,
            members=[order_actions.GroupMemberIn(n, {"drink": d}) for n, d in members],
            customer_id=contact,
        )
        return group.id, [o.id for o in placed]

    return services.writer.run_sync(work)


def _order(services: OrganiserServices, order_id: str) -> Order:
    with read_session(services.engine) as session:
        order = session.get(Order, order_id)
        assert order is not None
        return order


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
        assert [r.dedupe_key for r in outbound_rows(services)] == [
            notifications.ready_key(_order(services, order_id))
        ]
        assert clock.waiting_for() == [15.0]  # and sweeps again 15 s later
    finally:
        await notifier.stop()


async def test_one_reminder_when_not_collected_never_more(
    services: OrganiserServices, running: Notifier, fake_twilio: FakeTwilio, clock: FakeClock
) -> None:
    put_setting(services, "reminder_minutes", 10)
    order_id = add_order(services, add_customer(services))
    move(services, orders.mark_ready, order_id, now=utcnow() - timedelta(minutes=9))
    await wait_until(lambda: held(services))
    await pass_the_hold(clock)
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
        notifications.ready_key(_order(services, order_id)),
        f"reminder:{order_id}",
    ]


async def test_no_reminder_once_collected_and_none_in_flight_goes_out(
    services: OrganiserServices, fake_twilio: FakeTwilio, twilio_env: FakeTwilio, clock: FakeClock
) -> None:
    put_setting(services, "reminder_minutes", 0)
    order_id = add_order(services, add_customer(services))
    move(services, orders.mark_ready, order_id)
    texts = Texts(services.texts, services.menu)
    services.writer.run_sync(partial(notifications.sweep, texts=texts))  # ready + reminder queued
    move(services, orders.collect_order, order_id)
    sender = twilio_sender(services, clock)
    await sender.start()
    try:
        await pass_the_hold(clock)
        await wait_until(lambda: not held(services))
    finally:
        await sender.stop()
    assert fake_twilio.sends() == []  # collected before they left: neither is sent
    ready, reminder = outbound_rows(services)
    assert (ready.status, ready.error_code) == (outbound.WITHDRAWN, "order_collected")
    assert (reminder.status, reminder.error_code) == (outbound.EXPIRED, "order_collected")


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
