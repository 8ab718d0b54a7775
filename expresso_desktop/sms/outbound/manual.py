"""Texts a person writes: to an order's customer (the LAN API's ``POST /orders/{id}/messages``
and the organiser's Messages screen), to a number typed in full, or back to whoever sent a text
in the log (the organiser's screen). Each is queued like every other text — the same pacing,
and a number that opted out gets a ``skipped_opted_out`` row that says so instead.

Every function is a unit of work for the single writer (``fn(tx)``); refusals are
``DomainError``s naming the order (or ``ValidationError``s naming the field).
"""

from __future__ import annotations

from dataclasses import dataclass

from expresso_desktop.core.actors import ORGANISER, Actor
from expresso_desktop.core.errors import DomainError, ValidationError
from expresso_desktop.core.privacy import mask_phone, normalise_e164
from expresso_desktop.core.staff import Permission
from expresso_desktop.core.sync_protocol import MAX_MESSAGE
from expresso_desktop.services.order_rules import NotAllowed, label, require, station_label
from expresso_desktop.services.orders import OrderNotFound
from expresso_desktop.services.writer import Tx
from expresso_desktop.sms.outbound.messages import enqueue
from expresso_desktop.store.repositories import orders_repo
from expresso_desktop.store.tables import Customer, Order, SmsMessage

MAX_LENGTH = MAX_MESSAGE  # three concatenated segments at most (the LAN API's limit too)
# Order numbers are a letter and a few digits; anything with this many digits is a phone number.
PHONE_DIGITS_MIN = 6


@dataclass(frozen=True, slots=True)
class TextQueued:
    """What a screen says after queueing: which text, to whom (masked), for which order."""

    message_id: int
    to: str  # masked
    order_number: str | None
    status: str  # ``pending``, or ``skipped_opted_out`` for a number that said STOP

    @property
    def text(self) -> str:
        where = f" (order {self.order_number})" if self.order_number else ""
        if self.status != "pending":
            return f"Not sent to {self.to}{where}: they opted out of texts (STOP)"
        return f"Queued for {self.to}{where}; it goes out in turn"


def text_order(tx: Tx, order_id: str, body: str, *, actor: Actor = ORGANISER) -> SmsMessage:
    """Text the customer of order ``order_id``. A barista texts its own station's customers
    only; an order without a phone number (a walk-in) is refused as ``no_customer``."""
    body = checked_body(body)
    order = orders_repo.get(order_id, session=tx.session)
    if order is None:
        raise OrderNotFound(f"no order {order_id}")
    require(actor, Permission.MESSAGE_CUSTOMER, "text a customer", order)
    own = actor.is_organiser or (
        order.station_id is not None and order.station_id == actor.station_id
    )
    if not own:
        where = station_label(tx.session, order.station_id) if order.station_id else "no station"
        raise NotAllowed(f"order {label(order)} is at {where}: text your own station's customers")
    return _text_customer(tx, order, body)


def text_to(tx: Tx, *, event_id: int, to: str, body: str) -> SmsMessage:
    """What the organiser typed in "To": a phone number (a ``+`` or a run of digits) or an
    order number ("A042")."""
    digits = sum(ch.isdigit() for ch in to)
    if to.strip().startswith("+") or digits >= PHONE_DIGITS_MIN:
        return text_number(tx, phone=to, body=body)
    return text_order_number(tx, event_id=event_id, number=to, body=body)


def text_order_number(tx: Tx, *, event_id: int, number: str, body: str) -> SmsMessage:
    """The organiser texts the customer of the order numbered ``number`` ("A042")."""
    body = checked_body(body)
    wanted = number.strip().lstrip("#").upper()
    if not wanted:
        raise ValidationError("type an order number or a phone number", field="to")
    order = orders_repo.get_by_number(event_id, wanted, session=tx.session)
    if order is None:
        raise ValidationError(f"there is no order {wanted} in this event", field="to")
    return _text_customer(tx, order, body)


def text_number(tx: Tx, *, phone: str, body: str) -> SmsMessage:
    """The organiser texts a number typed in full (international form)."""
    body = checked_body(body)
    number = normalise_e164(phone)
    if number is None:
        raise ValidationError(
            "type the number in international form, e.g. +61 400 000 001", field="to"
        )
    return _queue(tx, to=number, body=body)


def reply_to(tx: Tx, *, message_id: int, body: str) -> SmsMessage:
    """Text back the customer of text ``message_id`` (who sent it, or whom it went to), with
    its order when it had one; the organiser never needs to see the number."""
    body = checked_body(body)
    text = tx.session.get(SmsMessage, message_id)
    if text is None:
        raise DomainError(f"text {message_id} is no longer in the log", code="not_found")
    number = text.from_number if text.direction == "in" else text.to_number
    if normalise_e164(number) is None:  # purged: only the masked form is left
        raise DomainError(f"text {message_id} has no number to answer any more", code="no_customer")
    return _queue(tx, to=number, body=body, order_id=text.order_id, customer_id=text.customer_id)


def queued(tx: Tx, row: SmsMessage) -> TextQueued:
    """``row`` (just queued) as a screen reports it."""
    assert row.id is not None
    order = tx.session.get(Order, row.order_id) if row.order_id else None
    number = order.number if order is not None else None
    return TextQueued(row.id, mask_phone(row.to_number), number, row.status)


def checked_body(body: str) -> str:
    body = body.strip()
    if not body:
        raise ValidationError("type the text to send", field="text")
    if len(body) > MAX_LENGTH:
        raise ValidationError(
            f"a text may be {MAX_LENGTH} characters at most ({len(body)} typed)", field="text"
        )
    return body


def _text_customer(tx: Tx, order: Order, body: str) -> SmsMessage:
    customer = tx.session.get(Customer, order.customer_id) if order.customer_id else None
    if customer is None:
        raise DomainError(
            f"order {label(order)} has no phone number to text (a walk-in)", code="no_customer"
        )
    return _queue(tx, to=customer.phone, body=body, order_id=order.id, customer_id=customer.id)


def _queue(
    tx: Tx,
    *,
    to: str,
    body: str,
    order_id: str | None = None,
    customer_id: int | None = None,
) -> SmsMessage:
    row = enqueue(tx, to=to, body=body, kind="manual", order_id=order_id, customer_id=customer_id)
    assert row is not None  # a fresh manual key is never a duplicate
    return row
