"""Texts a person writes: to an order's customer (the organiser anywhere, a barista only at its
own station), to an order by its number, to a number typed in full, back to whoever sent a text;
queued like any text, opt-outs honoured, refusals naming the order or the field."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import pytest
from sqlmodel import select

from expresso_desktop.core.actors import Actor
from expresso_desktop.core.errors import DomainError, ValidationError
from expresso_desktop.services.organiser import OrganiserServices
from expresso_desktop.services.writer import Tx
from expresso_desktop.sms.outbound.manual import (
    MAX_LENGTH,
    TextQueued,
    queued,
    reply_to,
    text_number,
    text_order,
    text_order_number,
    text_to,
)
from expresso_desktop.store.engine import read_session
from expresso_desktop.store.tables import Order, SmsMessage, Station
from tests.sms.helpers import CUSTOMER_PHONE, add_customer, add_order, outbound_rows


def write(services: OrganiserServices, fn: Callable[[Tx], SmsMessage]) -> TextQueued:
    """Queue through ``fn`` and report it as the Messages screen does."""
    return services.writer.run_sync(lambda tx: queued(tx, fn(tx)))


def number_of(services: OrganiserServices, order_id: str) -> str:
    with read_session(services.engine) as session:
        order = session.get(Order, order_id)
        assert order is not None and order.number and order.station_id
        return order.number


def barista_at(services: OrganiserServices, number: int) -> Actor:
    with read_session(services.engine) as session:
        station = session.exec(select(Station).where(Station.number == number)).one()
    return Actor("barista", station.id, device_id=None, client_id="c")


def test_the_organiser_texts_an_orders_customer(services: OrganiserServices) -> None:
    order = add_order(services, add_customer(services))
    done = write(services, partial(text_order, order_id=order, body="  Nearly ready!  "))
    assert done == TextQueued(
        done.message_id, "+61 ••• ••• 456", number_of(services, order), "pending"
    )
    assert (
        done.text == f"Queued for +61 ••• ••• 456 (order {done.order_number}); it goes out in turn"
    )
    (row,) = outbound_rows(services)
    assert (row.to_number, row.body, row.kind, row.order_id) == (
        CUSTOMER_PHONE,
        "Nearly ready!",
        "manual",
        order,
    )


def test_by_order_number_and_the_refusals(services: OrganiserServices) -> None:
    order = add_order(services, add_customer(services))
    number = number_of(services, order)
    ours = partial(text_order_number, event_id=services.event_id)
    done = write(services, partial(ours, number=f" #{number.lower()} ", body="hi"))
    assert done.order_number == number
    with pytest.raises(ValidationError) as unknown:
        write(services, partial(ours, number="Z999", body="hi"))
    assert (unknown.value.field, unknown.value.reason) == (
        "to",
        "there is no order Z999 in this event",
    )
    for body, why in (("   ", "type the text to send"), ("x" * (MAX_LENGTH + 1), "481 typed")):
        with pytest.raises(ValidationError) as bad:
            write(services, partial(ours, number=number, body=body))
        assert bad.value.field == "text" and why in bad.value.reason
    walk_in = add_order(services, None)
    with pytest.raises(DomainError) as nobody:
        write(services, partial(ours, number=number_of(services, walk_in), body="hi"))
    assert nobody.value.code == "no_customer"
    assert nobody.value.reason.startswith(f"order {number_of(services, walk_in)} has no phone")
    assert len(outbound_rows(services)) == 1


def test_a_barista_texts_its_own_stations_customers_only(services: OrganiserServices) -> None:
    customer = add_customer(services)
    here = add_order(services, customer, station_number=2)
    there = add_order(services, customer, station_number=3)
    barista = barista_at(services, 2)
    write(services, partial(text_order, order_id=here, body="ok", actor=barista))
    with pytest.raises(DomainError) as refused:
        write(services, partial(text_order, order_id=there, body="no", actor=barista))
    assert refused.value.code == "forbidden"
    assert number_of(services, there) in refused.value.reason
    with pytest.raises(DomainError) as gone:
        write(services, partial(text_order, order_id="nope", body="x"))
    assert gone.value.code == "not_found"


def test_a_typed_number_and_a_reply(services: OrganiserServices) -> None:
    with pytest.raises(ValidationError) as local:
        write(services, partial(text_number, phone="0400 000 001", body="hi"))
    assert local.value.field == "to"
    done = write(services, partial(text_number, phone="+61 400 000 001", body="Welcome"))
    assert (done.to, done.order_number) == ("+61 ••• ••• 001", None)
    order = add_order(services, add_customer(services))

    def inbound(tx: Tx) -> int:
        row = SmsMessage(
            direction="in",
            kind="inbound",
            from_number=CUSTOMER_PHONE,
            to_number="+15005550006",
            body="is it ready?",
            status="received",
            order_id=order,
        )
        tx.session.add(row)
        tx.session.flush()
        assert row.id is not None
        return row.id

    asked = services.writer.run_sync(inbound)
    answer = write(services, partial(reply_to, message_id=asked, body="2 minutes"))
    assert (answer.to, answer.order_number) == ("+61 ••• ••• 456", number_of(services, order))
    assert [(r.to_number, r.order_id) for r in outbound_rows(services)] == [
        ("+61400000001", None),
        (CUSTOMER_PHONE, order),
    ]
    with pytest.raises(DomainError) as missing:
        write(services, partial(reply_to, message_id=10_000, body="x"))
    assert missing.value.code == "not_found"


def test_an_opted_out_customer_is_not_texted(services: OrganiserServices) -> None:
    order = add_order(services, add_customer(services, opted_out=True))
    done = write(services, partial(text_order, order_id=order, body="hi"))
    assert done.status == "skipped_opted_out"
    assert done.text.startswith("Not sent to +61 ••• ••• 456") and "opted out" in done.text


def test_what_was_typed_in_to_decides(services: OrganiserServices) -> None:
    order = add_order(services, add_customer(services))
    number = number_of(services, order)
    to = partial(text_to, event_id=services.event_id, body="hi")
    assert write(services, partial(to, to=number)).order_number == number
    assert write(services, partial(to, to="+61 400 000 002")).to == "+61 ••• ••• 002"
    with pytest.raises(ValidationError) as local:  # digits: a number, not "no order 0400…"
        write(services, partial(to, to="0400 000 002"))
    assert local.value.field == "to" and "international form" in local.value.reason
    with pytest.raises(ValidationError) as empty:
        write(services, partial(to, to="  "))
    assert empty.value.field == "to"
