"""The durable outbound queue drained through the real twilio client into the fake Twilio:
pacing, retries, permanent failures, opt-outs, expiry, and restarts without loss or doubles."""

from __future__ import annotations

import asyncio
import inspect
import itertools
import threading
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from functools import partial
from typing import Any

import pytest
from sqlmodel import select

from expresso_desktop.services.organiser import OrganiserServices, build_organiser_services
from expresso_desktop.services.writer import Tx
from expresso_desktop.sms.credentials import load_twilio_config
from expresso_desktop.sms.outbound import messages as outbound
from expresso_desktop.sms.outbound import queue as outbound_queue
from expresso_desktop.sms.outbound.clock import Clock
from expresso_desktop.sms.outbound.notifier import Notifier
from expresso_desktop.sms.outbound.sender import OutboundSender, SenderSettings
from expresso_desktop.sms.simulator_gateway import SimulatorGateway
from expresso_desktop.sms.twilio_gateway import TwilioGateway
from expresso_desktop.store.engine import read_session
from expresso_desktop.store.tables import Customer, SmsMessage
from expresso_desktop.store.types import utcnow
from tests.sms.fake_clock import FakeClock
from tests.sms.fake_twilio import FakeTwilio
from tests.sms.helpers import CUSTOMER_PHONE, add_customer, outbound_rows, put_setting, wait_until

FAST = SenderSettings(backoff_base_s=0.05, backoff_cap_s=0.2, idle_poll_s=0.2, stop_grace_s=2.0)
# Past several backoff periods and idle polls: a retry would have been due, and looked for.
LATER_S = 10 * (FAST.backoff_cap_s + FAST.idle_poll_s)

SenderFactory = Callable[..., OutboundSender]


@pytest.fixture
async def make_sender(
    services: OrganiserServices, twilio_env: FakeTwilio
) -> AsyncIterator[SenderFactory]:
    started: list[OutboundSender] = []
    put_setting(services, outbound.SETTING_RATE, 50)

    def make(
        on: OrganiserServices | None = None,
        settings: SenderSettings = FAST,
        clock: Clock | None = None,
    ) -> OutboundSender:
        config = load_twilio_config()
        assert config is not None
        gateway = TwilioGateway(config)
        sender = OutboundSender((on or services).writer, gateway, settings, clock=clock)
        started.append(sender)
        return sender

    yield make
    for sender in started:
        await sender.stop()


def queue(services: OrganiserServices, body: str, **kwargs: object) -> SmsMessage | None:
    work = partial(outbound.enqueue, to=CUSTOMER_PHONE, body=body, kind="manual", **kwargs)
    return services.writer.run_sync(work)  # type: ignore[arg-type]


def statuses(services: OrganiserServices) -> list[str]:
    return [row.status for row in outbound_rows(services)]


async def test_a_queued_text_is_sent_once_with_its_sid_stored(
    services: OrganiserServices, make_sender: SenderFactory, fake_twilio: FakeTwilio
) -> None:
    queue(services, "Your latte is ready")
    with read_session(services.engine) as session:
        assert outbound.queue_depth(session) == 1
    await make_sender().start()
    await wait_until(lambda: statuses(services) == ["queued"])
    [row] = outbound_rows(services)
    assert row.sid == fake_twilio.messages[0]["sid"] and row.attempts == 1
    assert fake_twilio.bodies() == ["Your latte is ready"]
    with read_session(services.engine) as session:
        assert outbound.queue_depth(session) == 0


async def test_texts_are_paced_per_sending_number(
    services: OrganiserServices, make_sender: SenderFactory, fake_twilio: FakeTwilio
) -> None:
    rate = 20.0
    put_setting(services, outbound.SETTING_RATE, rate)
    for i in range(6):
        queue(services, f"text {i}")
    await make_sender().start()
    await wait_until(lambda: len(fake_twilio.messages) == 6)
    arrivals = [r.at for r in fake_twilio.sends()]
    gaps = [b - a for a, b in itertools.pairwise(arrivals)]
    # Arrival times jitter by a few ms around the send times the limiter spaced exactly.
    assert min(gaps) >= 0.9 / rate, gaps
    assert arrivals[-1] - arrivals[0] >= 5 / rate * 0.97
    assert fake_twilio.bodies() == [f"text {i}" for i in range(6)]  # in queue order


async def test_transient_failures_are_retried_then_sent_once(
    services: OrganiserServices, make_sender: SenderFactory, fake_twilio: FakeTwilio
) -> None:
    fake_twilio.fail_next(500, 20500)
    fake_twilio.fail_next(429, 20429)
    queue(services, "Ready!")
    await make_sender().start()
    await wait_until(lambda: statuses(services) == ["queued"])
    [row] = outbound_rows(services)
    assert row.attempts == 3 and row.error_code is None
    assert len(fake_twilio.sends()) == 3
    assert fake_twilio.bodies() == ["Ready!"]


async def test_backoff_grows_and_is_jittered() -> None:
    sender = OutboundSender(
        None, SimulatorGateway(), SenderSettings(backoff_base_s=2.0), jitter=lambda: 1.0
    )  # type: ignore[arg-type]
    assert [sender._backoff(n) for n in (1, 2, 3, 4)] == [2.0, 4.0, 8.0, 16.0]
    sender._jitter = lambda: 0.0
    assert sender._backoff(3) == 4.0  # half the delay is random
    assert sender._backoff(30) == SenderSettings().backoff_cap_s / 2


async def test_a_permanent_error_fails_the_text_without_retrying(
    services: OrganiserServices, make_sender: SenderFactory, fake_twilio: FakeTwilio
) -> None:
    fake_twilio.fail_next(400, 21211)
    queue(services, "for an invalid number")
    queue(services, "the next text still goes")
    clock = FakeClock()
    await make_sender(clock=clock).start()
    await wait_until(lambda: statuses(services) == ["failed", "queued"] and clock.asleep())
    await clock.pass_time(LATER_S)  # a retry would have been due, and the sender has looked
    assert len(fake_twilio.sends()) == 2
    assert outbound_rows(services)[0].error_code == "21211"


async def test_an_unsubscribed_recipient_is_marked_opted_out(
    services: OrganiserServices, make_sender: SenderFactory, fake_twilio: FakeTwilio
) -> None:
    add_customer(services)
    fake_twilio.fail_next(400, 21610)
    queue(services, "ready")
    clock = FakeClock()
    await make_sender(clock=clock).start()
    await wait_until(lambda: statuses(services) == ["failed"] and clock.asleep())
    with read_session(services.engine) as session:
        customer = session.exec(select(Customer).where(Customer.phone == CUSTOMER_PHONE)).one()
    assert customer.opted_out and customer.opted_out_at is not None
    queue(services, "reminder")  # never texted again
    assert statuses(services) == ["failed", "skipped_opted_out"]
    await clock.pass_time(LATER_S)  # the sender has looked at the queue since
    assert len(fake_twilio.sends()) == 1


async def test_opted_out_numbers_are_skipped_even_if_queued_before_the_opt_out(
    services: OrganiserServices, make_sender: SenderFactory, fake_twilio: FakeTwilio
) -> None:
    customer_id = add_customer(services)
    queue(services, "queued while still subscribed")

    def opt_out(tx: Tx) -> None:
        customer = tx.session.get(Customer, customer_id)
        assert customer is not None
        customer.opted_out = True
        tx.session.add(customer)

    services.writer.run_sync(opt_out)
    await make_sender().start()
    await wait_until(lambda: statuses(services) == ["skipped_opted_out"])
    assert fake_twilio.sends() == []


async def test_stale_texts_expire_instead_of_going_out_late(
    services: OrganiserServices, make_sender: SenderFactory, fake_twilio: FakeTwilio
) -> None:
    queue(services, "too late", expires_at=utcnow() - timedelta(seconds=1))
    fake_twilio.fail_next(503, times=1000)
    queue(services, "Twilio down until it is stale", expires_at=utcnow() + timedelta(seconds=1))
    await make_sender(settings=SenderSettings(backoff_base_s=0.05, max_attempts=1000)).start()
    await wait_until(lambda: statuses(services) == ["expired", "expired"])
    assert all(r.form["Body"] != "too late" for r in fake_twilio.sends())
    assert len(fake_twilio.sends()) >= 1 and fake_twilio.messages == []


async def test_a_held_text_waits_without_polling_and_goes_when_its_hold_ends(
    services: OrganiserServices, make_sender: SenderFactory, fake_twilio: FakeTwilio
) -> None:
    """A "ready" text held for the undo window: the sender sleeps until then (one wait, not a
    poll or a spin) and sends it as soon as the hold is over."""
    clock = FakeClock()
    queue(services, "Your latte is ready", hold=timedelta(seconds=10))
    await make_sender(settings=SenderSettings(idle_poll_s=3600), clock=clock).start()
    await wait_until(clock.asleep)
    [waiting] = clock.waiting_for()
    assert 5 < waiting <= 10  # until the hold ends, not the hour-long poll
    assert statuses(services) == ["pending"] and fake_twilio.sends() == []
    await clock.pass_time(10)
    await wait_until(lambda: statuses(services) == ["queued"])
    assert fake_twilio.bodies() == ["Your latte is ready"]


async def test_gives_up_after_the_attempt_limit(
    services: OrganiserServices, make_sender: SenderFactory, fake_twilio: FakeTwilio
) -> None:
    fake_twilio.fail_next(500, 20500, times=1000)
    queue(services, "never accepted")
    await make_sender(settings=SenderSettings(backoff_base_s=0.01, max_attempts=3)).start()
    await wait_until(lambda: statuses(services) == ["failed"])
    assert len(fake_twilio.sends()) == 3 and outbound_rows(services)[0].error_code == "20500"


async def test_a_restart_continues_the_queue_without_loss_or_doubles(
    services: OrganiserServices, make_sender: SenderFactory, fake_twilio: FakeTwilio, tmp_path
) -> None:
    put_setting(services, outbound.SETTING_RATE, 10)
    bodies = [f"text {i}" for i in range(8)]
    for body in bodies:
        queue(services, body)
    first = make_sender()
    await first.start()
    await wait_until(lambda: len(fake_twilio.messages) >= 3)
    await first.stop()
    services.close()
    # A new process's view of the same file: new engine, writer and sender.
    again = build_organiser_services(services.paths)
    try:
        clock = FakeClock()
        await make_sender(on=again, clock=clock).start()
        await wait_until(lambda: len(fake_twilio.messages) == 8 and clock.asleep(), timeout=15)
        await clock.pass_time(LATER_S)  # nothing left to send, even once retries fall due
        assert sorted(fake_twilio.bodies()) == sorted(bodies)
        assert statuses(again) == ["queued"] * 8
    finally:
        again.close()


async def test_a_text_in_flight_when_the_process_died_is_not_sent_twice(
    services: OrganiserServices, make_sender: SenderFactory, fake_twilio: FakeTwilio
) -> None:
    fake_twilio.response_delay_s = 1.5  # Twilio stores it; we stop before hearing back
    queue(services, "in flight")
    first = make_sender(settings=SenderSettings(stop_grace_s=0.2, idle_poll_s=0.2))
    await first.start()
    await wait_until(lambda: fake_twilio.messages)
    await first.stop()  # cancelled mid-request: claimed, no sid
    [row] = outbound_rows(services)
    assert row.status == "sending" and row.sid is None
    fake_twilio.response_delay_s = 0.0
    clock = FakeClock()
    await make_sender(clock=clock).start()
    await wait_until(lambda: outbound_rows(services)[0].sid is not None and clock.asleep())
    assert outbound_rows(services)[0].sid == fake_twilio.messages[0]["sid"]
    await clock.pass_time(LATER_S)
    assert len(fake_twilio.sends()) == 1  # asked Twilio (a GET), did not send again


async def test_a_claimed_text_twilio_never_got_is_sent_after_restart(
    services: OrganiserServices, make_sender: SenderFactory, fake_twilio: FakeTwilio
) -> None:
    queue(services, "claimed, then the power went")

    def claim(tx: Tx) -> None:
        row = tx.session.exec(select(SmsMessage)).one()
        row.status, row.attempts = outbound.CLAIMED, 1
        tx.session.add(row)

    services.writer.run_sync(claim)
    await make_sender().start()
    await wait_until(lambda: statuses(services) == ["queued"])
    assert fake_twilio.bodies() == ["claimed, then the power went"]
    assert outbound_rows(services)[0].attempts == 1


async def test_the_simulator_delivers_into_the_outbound_log(services: OrganiserServices) -> None:
    gateway = SimulatorGateway()
    heard: list[tuple[str, str, str]] = []
    gateway.on_delivered(lambda *args: heard.append(args))
    sender = OutboundSender(services.writer, gateway, FAST)
    put_setting(services, outbound.SETTING_RATE, 50)
    queue(services, "ready at station 2")
    await sender.start()
    try:
        await wait_until(lambda: statuses(services) == ["delivered"])
    finally:
        await sender.stop()
    [row] = outbound_rows(services)
    assert row.sid is not None and row.sid.startswith("SMsim")
    assert row.from_number == gateway.from_number
    assert heard == [(row.sid, CUSTOMER_PHONE, "ready at station 2")]


async def test_a_commit_that_queues_a_text_wakes_the_idle_sender(
    services: OrganiserServices, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The change bus is the sender's one wake-up: asleep with an hour-long poll and nothing
    due, it sends as soon as a commit touches ``sms_messages``."""
    asleep = threading.Event()
    real_claim = outbound_queue.claim_next

    def claim_next(tx: Tx, **kwargs: Any) -> outbound_queue.Claim:
        claim = real_claim(tx, **kwargs)
        if claim.job is None:
            asleep.set()  # the sender goes idle next
        return claim

    monkeypatch.setattr(outbound_queue, "claim_next", claim_next)
    gateway = SimulatorGateway()
    delivered = asyncio.Event()
    gateway.on_delivered(lambda *_: delivered.set())
    put_setting(services, outbound.SETTING_RATE, 50)
    sender = OutboundSender(services.writer, gateway, SenderSettings(idle_poll_s=3600))
    await sender.start()
    try:
        assert await asyncio.to_thread(asleep.wait, 10)
        await services.writer.run(
            partial(outbound.enqueue, to=CUSTOMER_PHONE, body="woken by the bus", kind="manual")
        )
        await asyncio.wait_for(delivered.wait(), 10)
    finally:
        await sender.stop()
    assert statuses(services) == ["delivered"]


def test_nothing_but_the_bus_wakes_the_sender() -> None:
    """No registry of enqueue listeners, no notifier callback: one mechanism."""
    assert not hasattr(outbound, "on_enqueued")
    assert "on_queued" not in inspect.signature(Notifier).parameters


async def test_the_queue_goes_on_while_an_interrupted_text_is_checked_aside(
    services: OrganiserServices, make_sender: SenderFactory, fake_twilio: FakeTwilio
) -> None:
    """Twilio got the text but we died before hearing its sid; after the restart Twilio is
    slow to answer "did you get it?": the other texts go out meanwhile, and the interrupted
    one is adopted, never sent twice."""
    fake_twilio.response_delay_s = 1.5  # Twilio stores it; we stop before hearing back
    queue(services, "in flight")
    first = make_sender(settings=SenderSettings(stop_grace_s=0.2, idle_poll_s=0.2))
    await first.start()
    await wait_until(lambda: fake_twilio.messages)
    await first.stop()  # cancelled mid-request: claimed, no sid
    fake_twilio.response_delay_s = 0.0
    others = [f"ready {i}" for i in range(3)]
    for body in others:
        queue(services, body)
    fake_twilio.lookup_gate = asyncio.Event()  # Twilio does not answer the check yet
    clock = FakeClock()
    await make_sender(clock=clock).start()
    await wait_until(lambda: fake_twilio.bodies() == ["in flight", *others])
    assert len(fake_twilio.lookups()) == 1  # asked, still waiting for the answer
    held = next(row for row in outbound_rows(services) if row.body == "in flight")
    assert held.status == "sending" and held.sid is None
    fake_twilio.lookup_gate.set()
    await wait_until(lambda: outbound_rows(services)[0].sid is not None and clock.asleep())
    assert outbound_rows(services)[0].sid == fake_twilio.messages[0]["sid"]
    await clock.pass_time(LATER_S)
    assert len(fake_twilio.sends()) == 4  # three others, and the interrupted one once
    assert statuses(services) == ["queued"] * 4


async def test_an_interrupted_text_twilio_cannot_confirm_is_sent_once_after_three_tries(
    services: OrganiserServices, make_sender: SenderFactory, fake_twilio: FakeTwilio
) -> None:
    """The check fails three times (the fake clock moves through its backoff); the queue goes
    on meanwhile, then the text is released and sent once: the at-least-once window."""
    queue(services, "claimed, then the power went")

    def claim(tx: Tx) -> None:
        row = tx.session.exec(select(SmsMessage)).one()
        row.status, row.attempts = outbound.CLAIMED, 1
        tx.session.add(row)

    services.writer.run_sync(claim)
    queue(services, "next in line")
    fake_twilio.lookup_failures = [(503, 20503)] * 3
    clock = FakeClock()
    # Backoff 3.5-7 s for the check, an idle poll of 10 min: the check's waits are told apart.
    settings = SenderSettings(backoff_base_s=7, backoff_cap_s=30, idle_poll_s=600)
    await make_sender(settings=settings, clock=clock).start()
    await wait_until(lambda: fake_twilio.bodies() == ["next in line"])

    def checking_backs_off(tries: int) -> bool:
        return len(fake_twilio.lookups()) == tries and any(
            wait < 60 for wait in clock.waiting_for()
        )

    for tries in (1, 2, 3):
        await wait_until(partial(checking_backs_off, tries))
        assert outbound_rows(services)[0].status == "sending"
        clock.advance(60)
    await wait_until(lambda: statuses(services) == ["queued", "queued"])
    assert fake_twilio.bodies() == ["next in line", "claimed, then the power went"]
    assert outbound_rows(services)[0].attempts == 1  # the interrupted claim is not counted twice
