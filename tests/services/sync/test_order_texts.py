"""A station's re-notify and message mutations: each queues exactly one text (a re-sent push is
a duplicate, nothing more is queued), and both are refused with a reason naming the order for a
walk-in (no phone) or another station's order. Texted through the SMS layer the composition
root hands the sync server (``StationTexts``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from sqlmodel import col, select

from expresso_desktop.core.items import DrinkSpec
from expresso_desktop.core.sync_protocol import Mutation, Reason, ResultStatus
from expresso_desktop.services import orders
from expresso_desktop.services.organiser import OrganiserServices
from expresso_desktop.services.writer import Tx
from expresso_desktop.sms.outbound.notifications import Texts
from expresso_desktop.sms.outbound.station_texts import StationTexts
from expresso_desktop.store.engine import read_session
from expresso_desktop.store.tables import Customer, SmsMessage

from ..helpers import station_id, write
from .conftest import Client

LATTE = DrinkSpec("latte", "medium", "full cream")


@pytest.fixture(autouse=True)
def texts(organiser: OrganiserServices) -> Iterator[None]:
    organiser.sync.texts = StationTexts(Texts(organiser.texts, organiser.menu))
    yield
    organiser.sync.texts = None


def _order(organiser: OrganiserServices, station: int, *, phone: str | None) -> str:
    def add(tx: Tx) -> str:
        customer_id = None
        if phone is not None:
            customer = Customer(phone=phone, name="Sam")
            tx.session.add(customer)
            tx.session.flush()
            customer_id = customer.id
        order, _ = orders.store_order(
            tx,
            event_id=organiser.event_id,
            station_id=station_id(organiser, station),
            specs=[LATTE],
            customer_id=customer_id,
            customer_name="Sam",
            source="sms" if phone else "walk_in",
        )
        return order.id

    return write(organiser, add)


def _texts(organiser: OrganiserServices, order_id: str) -> list[SmsMessage]:
    with read_session(organiser.engine) as session:
        rows = session.exec(
            select(SmsMessage).where(SmsMessage.order_id == order_id).order_by(col(SmsMessage.id))
        )
        return list(rows.all())


def _ready(who: Client, order_id: str) -> None:
    for name in ("order.start", "order.ready"):
        assert who.push(name, order_id=order_id).results[0].status is ResultStatus.APPLIED


def test_a_re_notify_queues_one_more_ready_text_once(
    organiser: OrganiserServices, client: Callable[..., Client]
) -> None:
    one = client(1)
    order_id = _order(organiser, 1, phone="+61400000001")
    _ready(one, order_id)
    write(organiser, lambda tx: None)  # the notifier is not running here: only ours count
    before = len(_texts(organiser, order_id))

    one.seq += 1
    again = Mutation(one.seq, "order.renotify", {"order_id": order_id})
    assert one.send(again).results[0].status is ResultStatus.APPLIED
    assert one.send(again).results[0].status is ResultStatus.DUPLICATE  # a retried push
    sent = _texts(organiser, order_id)[before:]
    assert len(sent) == 1
    assert sent[0].kind == "ready" and sent[0].to_number == "+61400000001"
    assert "ready" in sent[0].body.lower()


def test_a_message_queues_the_barista_s_text_once(
    organiser: OrganiserServices, client: Callable[..., Client]
) -> None:
    one = client(1)
    order_id = _order(organiser, 1, phone="+61400000002")
    one.seq += 1
    note = Mutation(one.seq, "order.message", {"order_id": order_id, "body": "Two minutes, Sam"})
    assert one.send(note).results[0].status is ResultStatus.APPLIED
    assert one.send(note).results[0].status is ResultStatus.DUPLICATE
    sent = _texts(organiser, order_id)
    assert [(t.kind, t.body) for t in sent] == [("manual", "Two minutes, Sam")]


def test_a_walk_in_has_nobody_to_text(
    organiser: OrganiserServices, client: Callable[..., Client]
) -> None:
    one = client(1)
    order_id = _order(organiser, 1, phone=None)
    _ready(one, order_id)
    for name, args in (("order.renotify", {}), ("order.message", {"body": "Hi"})):
        result = one.push(name, order_id=order_id, **args).results[0]
        assert result.status is ResultStatus.REJECTED and result.reason == "no_customer"
        assert "walk-in" in (result.message or "")
    assert _texts(organiser, order_id) == []


def test_another_station_s_order_is_not_texted(
    organiser: OrganiserServices, client: Callable[..., Client]
) -> None:
    one, two = client(1), client(2)
    order_id = _order(organiser, 1, phone="+61400000003")
    _ready(one, order_id)
    before = len(_texts(organiser, order_id))
    for name, args in (("order.renotify", {}), ("order.message", {"body": "Hi"})):
        result = two.push(name, order_id=order_id, **args).results[0]
        assert result.status is ResultStatus.REJECTED
        assert result.reason in (Reason.NOT_YOUR_STATION, Reason.FORBIDDEN)
        assert "Station 1" in (result.message or "") or "station" in (result.message or "")
    assert len(_texts(organiser, order_id)) == before


def test_re_notify_waits_for_ready_and_runners_may_not_text(
    organiser: OrganiserServices, client: Callable[..., Client]
) -> None:
    one, runner = client(1), client(1, role="runner")
    order_id = _order(organiser, 1, phone="+61400000004")
    result = one.push("order.renotify", order_id=order_id).results[0]
    assert result.reason == "not_ready" and "new" in (result.message or "")
    result = runner.push("order.message", order_id=order_id, body="Hi").results[0]
    assert result.reason == Reason.FORBIDDEN


def test_without_an_sms_runtime_texts_are_refused(
    organiser: OrganiserServices, client: Callable[..., Client]
) -> None:
    organiser.sync.texts = None
    one = client(1)
    order_id = _order(organiser, 1, phone="+61400000005")
    result = one.push("order.message", order_id=order_id, body="Hi").results[0]
    assert result.reason == "no_texts"
