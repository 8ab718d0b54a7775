"""The purge after the event, on a real organiser: customers texted through the real inbound
path, outbound texts in the real queue. Numbers and bodies go; every report figure stays."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlmodel import select

from expresso_desktop.services.changes import ChangeSet
from expresso_desktop.services.organiser import OrganiserServices
from expresso_desktop.services.purge import (
    PurgeProgress,
    left_to_purge,
    purge_customer_data,
    report_counts,
)
from expresso_desktop.services.writer import Tx
from expresso_desktop.sms.conversation import Conversation
from expresso_desktop.sms.customers import sponsor_line_stats
from expresso_desktop.sms.inbound import InboundText, receive
from expresso_desktop.sms.outbound.messages import enqueue
from expresso_desktop.store.engine import read_session
from expresso_desktop.store.tables import Customer, SmsMessage
from expresso_desktop.store.types import utcnow

OURS = "+15005550006"
PHONES = [f"+6140055{n:04d}" for n in range(5)]
NAMES = ["Ann", "Ben", "Cat", "Dan", "Eve"]


def text(organiser: OrganiserServices, sid: str, phone: str, body: str, *, hours_ago: int) -> None:
    conversation = Conversation(
        event_id=organiser.event_id, menu=organiser.menu, templates=organiser.templates
    )
    message = InboundText(sid=sid, from_number=phone, to_number=OURS, body=body)
    now = utcnow() - timedelta(hours=hours_ago)
    organiser.writer.run_sync(lambda tx: receive(tx, conversation, message, now=now))


def an_event(organiser: OrganiserServices) -> None:
    """Five customers order now (and get a confirmation); two asked two hours ago, when no
    one was serving; each ready text went out and was delivered."""
    for n, phone in enumerate(PHONES):
        text(organiser, f"SMa{n}", phone, f"large oat latte for {NAMES[n]}", hours_ago=0)
    for n, phone in enumerate(PHONES[:2]):
        text(organiser, f"SMb{n}", phone, "menu", hours_ago=2)

    def ready_texts(tx: Tx) -> None:
        for n, phone in enumerate(PHONES):
            row = enqueue(tx, to=phone, body=f"{NAMES[n]}, your latte is ready", kind="ready")
            assert row is not None
            row.status, row.sid = "delivered", f"SMr{n}"
            tx.session.add(row)

    organiser.writer.run_sync(ready_texts)


def rows(organiser: OrganiserServices) -> tuple[list[Customer], list[SmsMessage]]:
    with read_session(organiser.engine) as session:
        return list(session.exec(select(Customer)).all()), list(
            session.exec(select(SmsMessage)).all()
        )


def report(organiser: OrganiserServices) -> object:
    with read_session(organiser.engine) as session:
        return report_counts(session), sponsor_line_stats(session)


def test_numbers_and_bodies_go_the_counts_stay(
    organiser: OrganiserServices, heard: list[ChangeSet]
) -> None:
    an_event(organiser)
    customers, messages = rows(organiser)
    assert len(customers) == 5 and len(messages) == 5 * 2 + 2 * 2 + 5
    assert any(c.usual_json for c in customers) and any(
        c.conversation_state_json for c in customers
    )
    before = report(organiser)
    counts, sponsor = before  # type: ignore[misc]
    assert sum(counts.orders_by_status.values()) == 5 and len(counts.messages_by_hour) >= 2
    assert sponsor.offered == 5  # the demo's sponsor line rode on the confirmations
    heard.clear()

    steps: list[PurgeProgress] = []
    result = purge_customer_data(organiser.writer, progress=steps.append, batch_size=2)

    assert (result.customers_purged, result.messages_purged) == (5, 19)
    assert report(organiser) == before and result.remaining == counts
    # Batches of two, one writer transaction each: 3 for customers, 10 for texts.
    assert len(heard) == 3 + 10 and [s.total for s in steps] == [24] * 13
    assert [s.done for s in steps] == [2, 4, 5, *range(7, 24, 2), 24]
    customers, messages = rows(organiser)
    assert [c.phone for c in customers] == [f"purged:{c.id}" for c in customers]
    assert all(c.name is None and c.usual_json is None for c in customers)
    assert all(set(c.conversation_state_json or {}) <= {"sponsor"} for c in customers)
    assert all(m.body == "" for m in messages)
    numbers = " ".join(m.from_number + " " + m.to_number for m in messages)
    assert not re.search(r"\d{4}", numbers) and "+61 ••• ••• " in numbers

    steps.clear()
    again = purge_customer_data(organiser.writer, progress=steps.append)
    assert (again.customers_purged, again.messages_purged, steps) == (0, 0, [])
    assert report(organiser) == before


def test_a_customer_who_texts_after_the_purge_starts_afresh(organiser: OrganiserServices) -> None:
    an_event(organiser)
    purge_customer_data(organiser.writer)
    text(organiser, "SMc0", PHONES[0], "my usual", hours_ago=0)
    customers, _ = rows(organiser)
    assert len(customers) == 6 and customers[-1].phone == PHONES[0]
    assert customers[-1].usual_json is None  # nothing remembered about them
    with read_session(organiser.engine) as session:
        assert left_to_purge(session) == (1, 2)


def test_texts_still_queued_are_not_sent(organiser: OrganiserServices) -> None:
    def queue(tx: Tx) -> None:
        enqueue(tx, to=PHONES[0], body="Your latte is ready", kind="ready")

    organiser.writer.run_sync(queue)
    purge_customer_data(organiser.writer)
    _, messages = rows(organiser)
    assert [(m.status, m.error_code, m.to_number) for m in messages] == [
        ("expired", "purged", "+61 ••• ••• 000")
    ]


def test_nothing_is_left_in_the_files(organiser: OrganiserServices) -> None:
    """Not in the database file, not in its write-ahead log, not in an upgrade's copy."""
    an_event(organiser)
    db = organiser.paths.master_db
    copy = db.with_name(f"{db.name}.before-0009.bak")
    copy.write_bytes(db.read_bytes())  # what an upgrade leaves beside the database
    files = [db, db.with_name(f"{db.name}-wal")]

    def found() -> int:
        data = b"".join(f.read_bytes() for f in files if f.exists())
        return sum(data.count(p.encode()) for p in PHONES) + data.count(b"latte is ready")

    assert found() > 0
    result = purge_customer_data(organiser.writer, batch_size=3)
    assert result.removed_copies == (copy.name,) and not copy.exists()
    assert found() == 0  # while the organiser is still open
