"""The SMS log as the Messages screen reads it: newest first with numbers masked and order
numbers, only what moved since the last read (however long the log), the filters, the queue's
depth and pace, and the delivery words."""

from __future__ import annotations

from datetime import timedelta
from functools import partial

import pytest
import sqlalchemy as sa
from sqlmodel import select

from expresso_desktop.services.organiser import OrganiserServices
from expresso_desktop.services.writer import Tx
from expresso_desktop.sms.gateway import SendError, SendResult
from expresso_desktop.sms.message_log import (
    PAGE,
    LogQuery,
    MessageLog,
    delivery,
    is_problem,
)
from expresso_desktop.sms.outbound import messages as outbound
from expresso_desktop.sms.outbound.queue import claim_next, mark_failed, mark_sent
from expresso_desktop.store.engine import read_session
from expresso_desktop.store.tables import Order, SmsMessage
from expresso_desktop.store.types import utcnow
from tests.sms.helpers import CUSTOMER_PHONE, add_customer, add_order, put_setting

OTHER_PHONE = "+61400000777"
OUR_NUMBER = "+15005550006"


def text_in(
    services: OrganiserServices, body: str, *, phone: str = CUSTOMER_PHONE, order: str | None = None
) -> int:
    def work(tx: Tx) -> int:
        row = SmsMessage(
            direction="in",
            kind="inbound",
            from_number=phone,
            to_number=OUR_NUMBER,
            body=body,
            status="received",
            order_id=order,
        )
        tx.session.add(row)
        tx.session.flush()
        assert row.id is not None
        return row.id

    return services.writer.run_sync(work)


def text_out(
    services: OrganiserServices, body: str, *, phone: str = CUSTOMER_PHONE, order: str | None = None
) -> int:
    def work(tx: Tx) -> int:
        row = outbound.enqueue(tx, to=phone, body=body, kind="manual", order_id=order)
        assert row is not None and row.id is not None
        return row.id

    return services.writer.run_sync(work)


def send_next(services: OrganiserServices, status: str = "delivered") -> int:
    """What the sender does with the next text: claim it, hand it over, store the answer."""

    def work(tx: Tx) -> int:
        claim = claim_next(tx, now=utcnow(), number=OUR_NUMBER)
        assert claim.job is not None
        mark_sent(tx, message_id=claim.job.id, result=SendResult(f"SM{claim.job.id}", status))
        return claim.job.id

    return services.writer.run_sync(work)


def fail_next(services: OrganiserServices, code: str = "30003") -> int:
    def work(tx: Tx) -> int:
        claim = claim_next(tx, now=utcnow(), number=OUR_NUMBER)
        assert claim.job is not None
        error = SendError("unreachable", transient=False, code=code)
        mark_failed(tx, message_id=claim.job.id, error=error, retry_at=None)
        return claim.job.id

    return services.writer.run_sync(work)


def order_number(services: OrganiserServices, order_id: str) -> str:
    with read_session(services.engine) as session:
        order = session.get(Order, order_id)
        assert order is not None and order.number
        return order.number


def test_a_page_is_newest_first_masked_with_its_orders_number(
    services: OrganiserServices,
) -> None:
    order = add_order(services, add_customer(services))
    first = text_in(services, "large oat flat white", order=order)
    second = text_out(services, "Order confirmed", order=order)
    third = text_in(services, "hello?", phone=OTHER_PHONE)
    page = MessageLog(services.engine, services.event_id).page()
    assert [t.id for t in page.rows] == [third, second, first]
    assert page.head_id == third and not page.more
    newest, queued, ordered = page.rows
    assert (newest.number, newest.order_number, newest.delivery.text) == (
        "+61 ••• ••• 777",
        None,
        "↓ received",
    )
    assert queued.number == "+61 ••• ••• 456" and "123456" not in repr(page)
    assert queued.order_number == order_number(services, order) == ordered.order_number
    assert (queued.delivery.word, queued.delivery.mark, queued.settled) == ("queued", "○", False)
    assert ordered.settled and ordered.kind_label == "customer's text"


def test_changes_bring_new_texts_and_the_state_of_those_on_their_way(
    services: OrganiserServices,
) -> None:
    log = MessageLog(services.engine, services.event_id)
    waiting = text_out(services, "Nearly ready")
    page = log.page()
    open_ids = [t.id for t in page.rows if not t.settled]
    assert open_ids == [waiting]
    quiet = log.changes(LogQuery(), after_id=page.head_id, open_ids=open_ids)
    assert quiet.new == () and [t.status for t in quiet.updated] == ["pending"]
    assert send_next(services) == waiting
    answer = text_in(services, "thanks")
    moved = log.changes(LogQuery(), after_id=page.head_id, open_ids=open_ids)
    assert [t.id for t in moved.new] == [answer] and moved.head_id == answer
    (sent,) = moved.updated
    assert (sent.id, sent.delivery.text, sent.settled) == (waiting, "✓ delivered", True)
    assert not moved.overflow


def test_more_new_texts_than_a_page_say_so(services: OrganiserServices) -> None:
    log = MessageLog(services.engine, services.event_id)
    head = log.page().head_id
    for n in range(5):
        text_in(services, f"text {n}")
    burst = log.changes(LogQuery(), after_id=head, limit=3)
    assert burst.overflow and [t.body for t in burst.new] == ["text 4", "text 3", "text 2"]


def test_filters_direction_search_and_not_delivered(services: OrganiserServices) -> None:
    log = MessageLog(services.engine, services.event_id)
    order = add_order(services, add_customer(services))
    number = order_number(services, order)
    text_in(services, "Large OAT latte", order=order)
    text_out(services, "100% ready", order=order)
    failing = text_out(services, "see you", phone=OTHER_PHONE)
    text_in(services, "what's on?", phone=OTHER_PHONE)

    def bodies(query: LogQuery) -> list[str]:
        return [t.body for t in log.page(query).rows]

    assert bodies(LogQuery(direction="out")) == ["see you", "100% ready"]
    assert bodies(LogQuery(search="oat")) == ["Large OAT latte"]  # case-insensitive
    assert bodies(LogQuery(search="%")) == ["100% ready"]  # not a wildcard
    assert bodies(LogQuery(search=number.lower())) == ["100% ready", "Large OAT latte"]
    assert bodies(LogQuery(search="+61 400 000 777")) == ["what's on?", "see you"]
    assert bodies(LogQuery(search="400 000 777")) == []  # a number is found only in full
    problems = LogQuery(problems_only=True)
    before = log.page(problems)
    assert before.rows == ()
    send_next(services)  # "100% ready" is delivered
    assert fail_next(services, "30005") == failing
    later = log.changes(problems, after_id=before.head_id, since=before.read_at)
    assert later.new == ()
    (failed,) = later.updated
    assert failed.id == failing and failed.delivery.problem
    assert failed.delivery.text == "✕ failed: unknown number, or no longer in service (error 30005)"
    assert bodies(problems) == ["see you"]


def test_older_pages_of_a_long_log(services: OrganiserServices) -> None:
    """30,000 texts: a page is a page, older pages follow on, and a quiet log reads nothing."""
    now = utcnow()
    rows = [
        {
            "direction": "in",
            "kind": "inbound",
            "from_number": f"+614{n:08d}",
            "to_number": OUR_NUMBER,
            "body": f"latte {n}",
            "status": "received",
            "attempts": 0,
            "created_at": now,
            "updated_at": now,
        }
        for n in range(30_000)
    ]

    def bulk(tx: Tx) -> None:
        tx.session.connection().execute(sa.insert(SmsMessage.__table__), rows)  # type: ignore[attr-defined]

    services.writer.run_sync(bulk)
    log = MessageLog(services.engine, services.event_id)
    first = log.page()
    assert len(first.rows) == PAGE and first.more and first.rows[0].body == "latte 29999"
    second = log.page(before_id=first.rows[-1].id)
    assert second.rows[0].id == first.rows[-1].id - 1 and second.more
    quiet = log.changes(LogQuery(), after_id=first.head_id, open_ids=())
    assert quiet.new == () and quiet.updated == () and quiet.head_id == first.head_id
    last = log.page(before_id=201)
    assert [t.body for t in last.rows][-1] == "latte 0" and not last.more


def test_the_queue_depth_pace_and_failures(services: OrganiserServices) -> None:
    log = MessageLog(services.engine, services.event_id)
    empty = log.queue()
    assert (empty.waiting, empty.sent_recently, empty.rate_per_second) == (0, 0, 1.0)
    assert empty.waiting_text(utcnow()) == "✓ Nothing waiting to go out"
    put_setting(services, outbound.SETTING_RATE, 0.5)
    for body in ("one", "two", "three", "four"):
        text_out(services, body)
    send_next(services)
    fail_next(services)
    stats = log.queue()
    assert (stats.waiting, stats.sent_recently, stats.failed_recently) == (2, 1, 1)
    assert stats.oldest_waiting_at is not None
    later = stats.oldest_waiting_at + timedelta(seconds=14)
    assert stats.waiting_text(later) == "○ 2 texts waiting, oldest 14 s; about 4 s to send all"
    assert stats.flow_text == "1 sent in the last 5 min · paced at 1 text every 2 s"
    assert stats.failed_text == "✕ 1 text not delivered in the last hour"


STATES = [
    ("in", "received", None, "received", "↓", False),
    ("out", "replied", None, "replied", "✓", False),
    ("out", "pending", None, "queued", "○", False),
    ("out", "pending", "transient", "queued", "○", False),
    ("out", "sending", None, "sending", "◔", False),
    ("out", "queued", None, "sending", "◔", False),
    ("out", "sent", None, "sent", "◑", False),
    ("out", "delivered", None, "delivered", "✓", False),
    ("out", "failed", "21610", "failed", "✕", True),
    ("out", "undelivered", "30003", "not delivered", "✕", True),
    ("out", "expired", "order_collected", "not sent", "⊘", False),
    ("out", "expired", "purged", "not sent", "⊘", False),
    ("out", "expired", "transient", "not sent", "✕", True),
    ("out", "skipped_opted_out", None, "not sent", "⊘", False),
    ("out", "withdrawn", "order_in_progress", "withdrawn", "⊘", False),
    ("out", "wobbling", None, "wobbling", "?", False),
]


@pytest.mark.parametrize("direction,status,error,word,mark,problem", STATES)
def test_every_state_has_a_word_and_a_mark(
    direction: str, status: str, error: str | None, word: str, mark: str, problem: bool
) -> None:
    state = delivery(direction, status, error)
    assert (state.word, state.mark, state.problem) == (word, mark, problem)
    assert direction == "in" or is_problem(status, error) == problem


def settle(tx: Tx, *, row_id: int, status: str, error: str | None) -> None:
    row = tx.session.get(SmsMessage, row_id)
    assert row is not None
    row.status, row.error_code = status, error
    tx.session.add(row)


def test_the_not_delivered_filter_agrees_with_the_words(services: OrganiserServices) -> None:
    expected = []
    for direction, status, error, _, _, problem in STATES:
        if direction == "in":
            continue
        row_id = text_out(services, status)

        services.writer.run_sync(partial(settle, row_id=row_id, status=status, error=error))
        if problem:
            expected.insert(0, row_id)
    log = MessageLog(services.engine, services.event_id)
    assert [t.id for t in log.page(LogQuery(problems_only=True)).rows] == expected


def test_a_retry_says_why(services: OrganiserServices) -> None:
    text_out(services, "x")

    def retry(tx: Tx) -> None:
        claim = claim_next(tx, now=utcnow(), number=OUR_NUMBER)
        assert claim.job is not None
        error = SendError("down", transient=True, code="phone_unreachable")
        mark_failed(tx, message_id=claim.job.id, error=error, retry_at=utcnow())

    services.writer.run_sync(retry)
    (row,) = MessageLog(services.engine, services.event_id).page().rows
    assert row.delivery.text == "○ queued: retrying; last try: the Android phone did not answer"
    with read_session(services.engine) as session:
        assert session.exec(select(SmsMessage.attempts)).one() == 1
