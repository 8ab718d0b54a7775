"""Customers' numbers through the LAN API: masked in every answer, one number in full for an
organiser who asks (logged by device and customer id, raised as an alert), and the purge."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

import pytest
from sqlmodel import select

from expresso_desktop.services.changes import ChangeSet
from expresso_desktop.sms.conversation import Conversation
from expresso_desktop.sms.inbound import InboundText, receive
from expresso_desktop.store.engine import read_session
from expresso_desktop.store.tables import Customer, SmsMessage
from tests.sms.helpers import add_order

from .conftest import Lan

SAM, KIM = "+61400123456", "+61400987654"
OURS = "+15005550006"


def text(lan: Lan, sid: str, phone: str, body: str) -> None:
    """A customer's text, through the same inbound path the signed webhook uses (no station
    is open here: the customer is told so, and both texts are stored)."""
    services = lan.services
    conversation = Conversation(
        event_id=services.event_id, menu=services.menu, templates=services.templates
    )
    message = InboundText(sid=sid, from_number=phone, to_number=OURS, body=body)
    now = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)
    services.writer.run_sync(lambda tx: receive(tx, conversation, message, now=now))


def customer_id(lan: Lan, phone: str) -> int:
    with read_session(lan.services.engine) as session:
        customer = session.exec(select(Customer).where(Customer.phone == phone)).one()
    assert customer.id is not None
    return customer.id


async def test_every_answer_masks_numbers(lan: Lan) -> None:
    text(lan, "SM1", SAM, "large latte for Sam at station 1")
    order_id = add_order(lan.services, customer_id(lan, SAM), station_number=1)
    await lan.barista.ok("POST", f"/orders/{order_id}/messages", {"text": "Nearly there"}, 202)
    answers = [
        await lan.organiser.ok("GET", "/messages"),
        await lan.organiser.ok("GET", f"/orders/{order_id}"),
        await lan.barista.ok("GET", f"/orders/{order_id}"),
    ]
    assert len(answers[0]) == 3 and len(answers[1]["messages"]) == 1
    said = json.dumps(answers, ensure_ascii=False)
    assert "400123" not in said and "+61 ••• ••• 456" in said


async def test_an_organiser_may_see_one_number_logged_and_alerted(
    lan: Lan, caplog: pytest.LogCaptureFixture
) -> None:
    text(lan, "SM1", SAM, "large latte for Sam at station 1")
    sam = customer_id(lan, SAM)
    published: list[ChangeSet] = []
    lan.services.bus.subscribe(published.append)
    with caplog.at_level(logging.INFO, logger="expresso_desktop.services.privacy"):
        shown = await lan.organiser.ok("GET", f"/customers/{sam}/phone")
    assert shown == {"customer_id": sam, "phone": SAM}
    lines = [r.getMessage() for r in caplog.records if r.name.endswith("privacy")]
    assert lines == [f"device 'test organiser' was shown the phone number of customer {sam}"]
    assert not any("400123" in r.getMessage() for r in caplog.records)
    alerts = [a for c in published for a in c.alerts]
    assert [(a.kind, a.entity_id) for a in alerts] == [("phone_revealed", str(sam))]
    assert "400123" not in alerts[0].message

    for other in (lan.barista, lan.display):
        status, body = await other.get(f"/customers/{sam}/phone")
        assert status == 403 and body["error"] == "forbidden"
    assert (await lan.anonymous.get(f"/customers/{sam}/phone"))[0] == 401
    assert (await lan.organiser.get("/customers/999999/phone"))[0] == 404
    assert len([a for c in published for a in c.alerts]) == 1  # refusals reveal nothing


async def test_purge_through_the_api(lan: Lan) -> None:
    text(lan, "SM1", SAM, "large latte for Sam at station 1")
    text(lan, "SM2", KIM, "flat white for Kim at station 1")
    sam = customer_id(lan, SAM)
    status, body = await lan.barista.post("/privacy/purge", {"confirm": True})
    assert status == 403
    status, body = await lan.organiser.post("/privacy/purge", {"confirm": False})
    assert status == 422 and body["field"] == "confirm"
    before = await lan.organiser.ok("GET", "/messages")

    done = await lan.organiser.ok("POST", "/privacy/purge", {"confirm": True})
    assert done["customers_purged"] == 2 and done["messages_purged"] == len(before)
    assert done["remaining"]["customers"] == 2
    assert done["remaining"]["messages_by_direction_status"]["in"] == {"received": 2}
    assert done["remaining"]["messages_by_hour"] == {"2025-03-01 09": {"in": 2, "out": 2}}
    after = await lan.organiser.ok("GET", "/messages")
    assert [m["id"] for m in after] == [m["id"] for m in before]
    assert all(m["body"] == "" for m in after)
    with read_session(lan.services.engine) as session:
        stored = session.exec(select(SmsMessage)).all()
        assert not any("400" in m.from_number + m.to_number for m in stored)
    status, body = await lan.organiser.get(f"/customers/{sam}/phone")
    assert status == 409 and body["error"] == "purged"
    again = await lan.organiser.ok("POST", "/privacy/purge", {"confirm": True})
    assert again["customers_purged"] == 0 and again["remaining"] == done["remaining"]
