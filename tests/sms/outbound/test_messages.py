"""The queue's rules: store first, de-duplicate, skip opted-out numbers, statuses forward only."""

from __future__ import annotations

from functools import partial

import pytest
from sqlmodel import select

from expresso_desktop.services.organiser import OrganiserServices
from expresso_desktop.services.writer import Tx
from expresso_desktop.sms.gateway import SendResult
from expresso_desktop.sms.outbound import messages as outbound
from expresso_desktop.sms.outbound.queue import claim_next, mark_sent
from expresso_desktop.store.engine import read_session
from expresso_desktop.store.tables import Customer, SmsMessage
from expresso_desktop.store.types import utcnow
from tests.sms.helpers import CUSTOMER_PHONE, add_customer, outbound_rows


def queue(
    services: OrganiserServices, key: str | None = None, body: str = "hi"
) -> SmsMessage | None:
    work = partial(outbound.enqueue, to=CUSTOMER_PHONE, body=body, kind="ready", dedupe_key=key)
    return services.writer.run_sync(work)


def send_and_store_sid(services: OrganiserServices, sid: str) -> None:
    def work(tx: Tx) -> None:
        claim = claim_next(tx, now=utcnow(), number="+61400000999")
        assert claim.job is not None
        mark_sent(tx, message_id=claim.job.id, result=SendResult(sid, "queued"))

    services.writer.run_sync(work)


def status_of(services: OrganiserServices, sid: str) -> str:
    with read_session(services.engine) as session:
        return session.exec(select(SmsMessage.status).where(SmsMessage.sid == sid)).one()


def test_the_same_notification_is_queued_once(services: OrganiserServices) -> None:
    assert queue(services, "ready:order-1") is not None
    assert queue(services, "ready:order-1", body="again") is None
    assert queue(services, "reminder:order-1") is not None
    assert [r.dedupe_key for r in outbound_rows(services)] == ["ready:order-1", "reminder:order-1"]


def test_manual_texts_get_their_own_keys(services: OrganiserServices) -> None:
    first, second = queue(services), queue(services)
    assert first is not None and second is not None
    assert first.dedupe_key != second.dedupe_key
    assert (first.dedupe_key or "").startswith("manual:")


def test_an_opted_out_number_is_recorded_not_queued(services: OrganiserServices) -> None:
    customer_id = add_customer(services, opted_out=True)
    row = queue(services, "ready:order-2")
    assert row is not None and row.status == "skipped_opted_out"
    assert row.customer_id == customer_id and row.next_attempt_at is None
    with read_session(services.engine) as session:
        assert outbound.queue_depth(session) == 0


def test_queueing_is_announced_on_the_bus_after_commit_only(services: OrganiserServices) -> None:
    """The change bus is how the sender hears of a new text (no registry of listeners)."""
    heard: list[str] = []
    unsubscribe = services.bus.subscribe(
        lambda changes: heard.append("woken") if changes.messages_touched else None
    )
    try:
        queue(services, "ready:a")

        def queued_then_rolled_back(tx: Tx) -> None:
            outbound.enqueue(tx, to=CUSTOMER_PHONE, body="x", kind="ready", dedupe_key="ready:b")
            raise RuntimeError("rolled back")

        with pytest.raises(RuntimeError):
            services.writer.run_sync(queued_then_rolled_back)
    finally:
        unsubscribe()
    assert heard == ["woken"]
    assert [r.dedupe_key for r in outbound_rows(services)] == ["ready:a"]


@pytest.mark.parametrize(
    ("callbacks", "final"),
    [
        (["sent", "delivered"], "delivered"),
        (["delivered", "sent"], "delivered"),  # out of order: never backwards
        (["sent", "queued"], "sent"),
        (["sending", "sent"], "sent"),  # Twilio's own "sending": after queued, before sent
        (["sent", "sending"], "sent"),
        (["sent", "undelivered", "delivered"], "undelivered"),
        (["failed", "sent"], "failed"),
        (["delivered", "delivered"], "delivered"),
    ],
)
def test_status_callbacks_only_move_forward(
    services: OrganiserServices, callbacks: list[str], final: str
) -> None:
    queue(services, "ready:fw")
    send_and_store_sid(services, "SM1")
    for status in callbacks:
        services.writer.run_sync(partial(outbound.record_status, sid="SM1", status=status))
    assert status_of(services, "SM1") == final


def test_a_callback_for_an_unknown_sid_changes_nothing(services: OrganiserServices) -> None:
    moved = services.writer.run_sync(
        partial(outbound.record_status, sid="SMunknown", status="delivered")
    )
    assert moved is False
    assert outbound_rows(services) == []


def test_a_callback_that_beats_the_sid_to_the_database_is_applied(
    services: OrganiserServices,
) -> None:
    queue(services, "ready:race")
    services.writer.run_sync(partial(outbound.record_status, sid="SMfast", status="delivered"))
    send_and_store_sid(services, "SMfast")
    assert status_of(services, "SMfast") == "delivered"


def test_a_failed_delivery_to_an_unsubscribed_number_opts_it_out(
    services: OrganiserServices,
) -> None:
    add_customer(services)
    queue(services, "ready:unsub")
    send_and_store_sid(services, "SM2")
    services.writer.run_sync(
        partial(outbound.record_status, sid="SM2", status="failed", error_code="21610")
    )
    with read_session(services.engine) as session:
        customer = session.exec(select(Customer)).one()
    assert customer.opted_out
    assert status_of(services, "SM2") == "failed"


def test_queue_depth_counts_what_twilio_does_not_have_yet(services: OrganiserServices) -> None:
    for key in ("a", "b", "c"):
        queue(services, key)
    send_and_store_sid(services, "SM3")
    with read_session(services.engine) as session:
        assert outbound.queue_depth(session) == 2
