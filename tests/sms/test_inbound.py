"""Inbound texts through the real writer: stored once per MessageSid, answered once, replays
answered from the store, and a bug in the conversation costing one apology, not the batch."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from sqlmodel import select

from expresso_desktop.services.changes import ChangeSet
from expresso_desktop.services.demo import seed_demo
from expresso_desktop.services.organiser import OrganiserServices
from expresso_desktop.services.writer import Tx
from expresso_desktop.sms import customers, inbound
from expresso_desktop.sms.conversation import Conversation, Outcome
from expresso_desktop.sms.inbound import InboundQueue, InboundResult, InboundText, reply_key
from expresso_desktop.sms.outbound import messages as outbound
from expresso_desktop.store.engine import read_session
from expresso_desktop.store.errors import StoreError
from expresso_desktop.store.tables import Customer, Order, SmsMessage
from tests.waiting import until

PHONE = "+61400000001"
OURS = "+15005550006"
APOLOGY = "Sorry, something went wrong on our side. Please try again in a minute."


class Buggy(Conversation):
    """The real conversation, except that a text saying "boom" hits a bug after writing."""

    def handle(self, tx: Tx, phone: str, body: str, *, now: datetime | None = None) -> Outcome:
        if "boom" in body:
            customer = customers.get_or_create(tx.session, phone, now or datetime.now())
            customer.name = "Written before the bug"
            tx.session.add(customer)
            tx.session.flush()
            raise RuntimeError("a bug in the conversation")
        return super().handle(tx, phone, body, now=now)


@pytest.fixture
def demo(services: OrganiserServices) -> Iterator[OrganiserServices]:
    services.writer.run_sync(
        lambda tx: seed_demo(tx, event_id=services.event_id, menu=services.menu)
    )
    yield services


@pytest.fixture
def conversation(demo: OrganiserServices) -> Buggy:
    return Buggy(event_id=demo.event_id, menu=demo.menu, templates=demo.templates)


def text(sid: str, body: str, phone: str = PHONE) -> InboundText:
    return InboundText(sid=sid, from_number=phone, to_number=OURS, body=body)


def receive(services: OrganiserServices, conversation: Conversation, sms: InboundText) -> Any:
    return services.writer.run_sync(lambda tx: inbound.receive(tx, conversation, sms))


def rows(services: OrganiserServices, model: Any, *where: Any) -> list[Any]:
    with read_session(services.engine) as session:
        return list(session.exec(select(model).where(*where)).all())


def test_a_text_is_stored_with_its_reply_beside_it(
    demo: OrganiserServices, conversation: Conversation
) -> None:
    result = receive(demo, conversation, text("SM1", "latte for Sam"))
    assert result.reply is not None and result.reply.startswith("Order #A001 confirmed")
    assert result.order_id is not None and not result.duplicate
    (order,) = rows(demo, Order)
    assert order.id == result.order_id
    (sms_in,) = rows(demo, SmsMessage, SmsMessage.direction == "in")
    assert (sms_in.sid, sms_in.body, sms_in.status) == ("SM1", "latte for Sam", inbound.RECEIVED)
    assert (sms_in.from_number, sms_in.to_number, sms_in.order_id) == (PHONE, OURS, order.id)
    (reply,) = rows(demo, SmsMessage, SmsMessage.direction == "out")
    assert (reply.dedupe_key, reply.status, reply.kind) == (
        reply_key("SM1"),
        inbound.REPLIED,  # went back in the TwiML: the sender never sees it
        "confirmation",
    )
    assert (reply.to_number, reply.from_number, reply.body) == (PHONE, OURS, result.reply)
    assert reply.customer_id == sms_in.customer_id is not None


def test_a_replayed_sid_gets_the_stored_reply_and_changes_nothing(
    demo: OrganiserServices, conversation: Conversation
) -> None:
    first = receive(demo, conversation, text("SM1", "latte for Sam"))
    # Twilio retries; the body it sends is the same, but even a different one is not re-read.
    again = receive(demo, conversation, text("SM1", "cancel my order"))
    assert again == InboundResult(first.reply, first.order_id, duplicate=True)
    assert len(rows(demo, Order)) == 1 and rows(demo, Order)[0].status == "new"
    assert len(rows(demo, SmsMessage)) == 2
    # A new sid is a new text, even with the same words.
    second = receive(demo, conversation, text("SM2", "latte for Sam"))
    assert not second.duplicate and second.order_id != first.order_id
    assert len(rows(demo, Order)) == 2


def test_a_replay_of_a_text_we_did_not_answer_stays_unanswered(
    demo: OrganiserServices, conversation: Conversation
) -> None:
    assert receive(demo, conversation, text("SM1", "STOP")).reply is None
    assert receive(demo, conversation, text("SM1", "STOP")) == InboundResult(None, None, True)
    assert [m.direction for m in rows(demo, SmsMessage)] == ["in"]
    (customer,) = rows(demo, Customer)
    assert customer.opted_out


def test_a_replay_inside_the_same_batch_is_still_found(
    demo: OrganiserServices, conversation: Conversation
) -> None:
    batch = [text("SM1", "latte for Sam"), text("SM1", "latte for Sam")]
    first, second = demo.writer.run_sync(lambda tx: inbound.receive_many(tx, conversation, batch))
    assert not first.duplicate and second.duplicate
    assert second.reply == first.reply and second.order_id == first.order_id
    assert len(rows(demo, Order)) == 1


def test_a_bug_in_the_conversation_apologises_and_keeps_the_rest_of_the_batch(
    demo: OrganiserServices, conversation: Conversation, caplog: pytest.LogCaptureFixture
) -> None:
    other = "+61400000002"
    batch = [
        text("SM1", "latte for Sam"),
        text("SM2", "boom", phone=other),
        text("SM3", "flat white for Jo", phone="+61400000003"),
    ]
    with caplog.at_level(logging.ERROR, logger=inbound.__name__):
        results = demo.writer.run_sync(lambda tx: inbound.receive_many(tx, conversation, batch))
    assert [r.reply for r in results][1] == APOLOGY
    assert results[1].order_id is None
    assert results[0].order_id is not None and results[2].order_id is not None
    assert len(rows(demo, Order)) == 2  # the texts around the bug still placed their orders
    # What the failed turn wrote is gone; its text and the apology are on record.
    assert [c.phone for c in rows(demo, Customer)] == [PHONE, "+61400000003"]
    (kept,) = rows(demo, SmsMessage, SmsMessage.sid == "SM2")
    assert (kept.body, kept.customer_id, kept.status) == ("boom", None, inbound.RECEIVED)
    (apology,) = rows(demo, SmsMessage, SmsMessage.dedupe_key == reply_key("SM2"))
    assert (apology.body, apology.kind, apology.to_number) == (APOLOGY, "reply", other)
    # The bug is logged with its traceback, but never with the customer's number.
    (record,) = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert record.exc_info is not None and other not in record.getMessage()
    # A retry of that webhook gets the same apology, not a second run into the same bug.
    assert receive(demo, conversation, batch[1]) == InboundResult(APOLOGY, None, True)


def test_a_failed_turn_announces_none_of_its_changes(
    demo: OrganiserServices, conversation: Conversation
) -> None:
    heard: list[ChangeSet] = []
    demo.bus.subscribe(heard.append)
    receive(demo, conversation, text("SM1", "boom"))
    assert heard and not any(c.entity == "orders" for cs in heard for c in cs.changes)
    receive(demo, conversation, text("SM2", "latte for Sam"))
    assert any(c.entity == "orders" for c in heard[-1].changes)


def test_a_text_and_its_reply_are_news_for_the_screens_but_not_for_the_sender(
    demo: OrganiserServices, conversation: Conversation
) -> None:
    # The reply went back in the webhook's answer: nothing was queued for the sender to send,
    # so the commit must not wake it (it would run a unit of work on the writer per text).
    heard: list[ChangeSet] = []
    demo.bus.subscribe(heard.append)
    receive(demo, conversation, text("SM1", "latte for Sam"))
    (published,) = heard
    assert published.messages_touched and not published.outbox_touched


# -- the queue -------------------------------------------------------------------------------------
async def test_texts_arriving_together_share_one_transaction(
    demo: OrganiserServices, conversation: Conversation
) -> None:
    commits: list[ChangeSet] = []
    demo.bus.subscribe(lambda cs: commits.append(cs) if cs.messages_touched else None)
    queue = InboundQueue(demo.writer, conversation)
    results = await asyncio.gather(
        *(
            queue.submit(text(f"SM{i}", f"latte for {name}", f"+6140000010{i}"))
            for i, name in enumerate(("Ann", "Bob", "Cai", "Dev", "Eve"))
        )
    )
    assert [r.reply is not None and r.reply.startswith(f"Order #A00{i + 1}") for i, r in
            enumerate(results)] == [True] * 5  # fmt: skip
    assert len(commits) == 1  # group commit: one transaction for the burst
    assert len({r.order_id for r in results}) == 5


async def test_a_late_reply_rides_with_the_next_texts_and_is_queued_once(
    demo: OrganiserServices, conversation: Conversation
) -> None:
    commits: list[ChangeSet] = []
    demo.bus.subscribe(commits.append)
    queue = InboundQueue(demo.writer, conversation)
    late = text("SM0", "latte for Sam")
    queue.reply_late(late, "Order #A001 confirmed")
    queue.reply_late(late, "Order #A001 confirmed")  # the same text twice: one queued reply
    result = await queue.submit(text("SM1", "latte for Jo", "+61400000002"))
    assert result.order_id is not None
    (commit,) = commits  # one transaction: no commit of its own for the late reply
    assert commit.outbox_touched  # the sender looks at once
    (queued,) = rows(demo, SmsMessage, SmsMessage.dedupe_key == "late-reply:SM0")
    assert (queued.to_number, queued.body, queued.status) == (PHONE, "Order #A001 confirmed",
                                                              outbound.PENDING)  # fmt: skip


async def test_a_text_past_its_deadline_is_answered_none_and_its_reply_follows_as_a_text(
    demo: OrganiserServices, conversation: Conversation
) -> None:
    queue = InboundQueue(demo.writer, conversation)
    on_time = await queue.within(text("SM1", "latte for Jo", "+61400000002"), 60)
    assert on_time is not None and on_time.order_id is not None
    assert await queue.within(text("SM2", "latte for Sam"), 0) is None  # the writer is slower
    late = SmsMessage.dedupe_key == "late-reply:SM2"
    await until(lambda: rows(demo, SmsMessage, late))  # queued in a commit after the answer
    (queued,) = rows(demo, SmsMessage, late)
    assert queued.to_number == PHONE and queued.body.startswith("Order #A002 confirmed")
    assert queued.status == outbound.PENDING
    assert rows(demo, SmsMessage, SmsMessage.dedupe_key == "late-reply:SM1") == []


async def test_a_burst_larger_than_a_batch_is_split(
    demo: OrganiserServices, conversation: Conversation
) -> None:
    commits: list[ChangeSet] = []
    demo.bus.subscribe(lambda cs: commits.append(cs) if cs.messages_touched else None)
    queue = InboundQueue(demo.writer, conversation, max_batch=2)
    results = await asyncio.gather(
        *(queue.submit(text(f"SM{i}", "hello", f"+6140000010{i}")) for i in range(5))
    )
    assert all(r.reply and r.reply.startswith("Hi") for r in results)
    assert len(commits) == 3  # 2 + 2 + 1
    assert len(rows(demo, SmsMessage, SmsMessage.direction == "in")) == 5


async def test_a_store_failure_reaches_every_text_of_the_batch_and_the_queue_recovers(
    demo: OrganiserServices, conversation: Conversation, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = inbound.receive_many

    def failing(tx: Tx, conversation: Conversation, texts: Any, late: Any) -> Any:
        raise StoreError(None, "disk full")

    monkeypatch.setattr(inbound, "receive_many", failing)
    queue = InboundQueue(demo.writer, conversation)
    outcomes = await asyncio.gather(
        queue.submit(text("SM1", "latte for Sam")),
        queue.submit(text("SM2", "latte for Jo", "+61400000002")),
        return_exceptions=True,
    )
    assert all(isinstance(o, StoreError) for o in outcomes), outcomes
    assert rows(demo, SmsMessage) == []  # nothing half-written: Twilio will retry
    monkeypatch.setattr(inbound, "receive_many", real)
    retried = await queue.submit(text("SM1", "latte for Sam"))
    assert retried.order_id is not None and not retried.duplicate
