"""The durable outbound queue: every text we send is a ``SmsMessage`` row first.

Statuses of an outbound row (``SmsMessage.status``; see ``SmsMessage`` for why it is unchecked):

- ``pending``   waiting for the sender (``next_attempt_at`` says when it may go next)
- ``sending``   claimed by the sender; the HTTP request may be in flight (``sid`` is NULL)
- ``queued`` / ``sending`` (with a sid) / ``sent`` / ``delivered``: what Twilio tells us
- terminal: ``delivered``, ``failed``, ``undelivered``, ``expired``, ``skipped_opted_out``

Writes take a writer ``Tx`` (``services.writer``) so they serialise with everything else. SMS rows
are organiser-only and carry phone numbers, so they never go through ``changes.emit`` (the change
log is the stations' sync feed); neither do customer rows. Orders they touch do.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta

from sqlmodel import Session, col, func, select

from expresso_desktop.core.privacy import mask_phone
from expresso_desktop.services.writer import Tx
from expresso_desktop.store.tables import Customer, SmsMessage
from expresso_desktop.store.tables_messages import SmsKind
from expresso_desktop.store.types import utcnow

log = logging.getLogger(__name__)

PENDING = "pending"
CLAIMED = "sending"  # our claim; Twilio's own "sending" always comes with a sid
EXPIRED = "expired"
SKIPPED_OPTED_OUT = "skipped_opted_out"
FAILED = "failed"
UNDELIVERED = "undelivered"
DELIVERED = "delivered"

# Twilio's delivery states in the order a message moves through them. A callback may only move a
# message forward along this ladder; callbacks arrive out of order (platform.md, "Twilio").
_RANK = {
    PENDING: 0,
    "accepted": 1,
    "scheduled": 1,
    CLAIMED: 2,
    "queued": 3,
    "sent": 4,
    DELIVERED: 5,
    "read": 6,
}
# Once here, nothing moves a message again (``read`` is WhatsApp's and comes after delivered).
TERMINAL = frozenset({"read", FAILED, UNDELIVERED, "canceled", EXPIRED, SKIPPED_OPTED_OUT})
# Not yet handed to Twilio: what the organiser's "queue depth" counts.
WAITING = (PENDING, CLAIMED)

# Twilio: "Attempt to send to unsubscribed recipient" — the carrier has the customer opted out.
ERROR_UNSUBSCRIBED = "21610"


def enqueue(
    tx: Tx,
    *,
    to: str,
    body: str,
    kind: SmsKind,
    from_number: str = "",
    order_id: str | None = None,
    dedupe_key: str | None = None,
    expires_at: datetime | None = None,
    customer_id: int | None = None,
) -> SmsMessage | None:
    """Store a text for the sender. Returns the row, or None when ``dedupe_key`` was already
    used (the same notification for the same order event goes out once, ever).

    A number that opted out gets a ``skipped_opted_out`` row instead: the log shows what we
    did not send and why. A manual message without a key gets a fresh one.
    """
    session = tx.session
    key = dedupe_key or f"manual:{uuid.uuid4()}"
    if session.exec(select(SmsMessage.id).where(SmsMessage.dedupe_key == key)).first():
        log.debug("not queueing %s: already queued once", key)
        return None
    customer = session.exec(select(Customer).where(Customer.phone == to)).first()
    if customer is not None and customer_id is None:
        customer_id = customer.id
    opted_out = customer is not None and customer.opted_out
    now = utcnow()
    row = SmsMessage(
        direction="out",
        kind=kind,
        from_number=from_number,
        to_number=to,
        body=body,
        order_id=order_id,
        customer_id=customer_id,
        dedupe_key=key,
        expires_at=expires_at,
        status=SKIPPED_OPTED_OUT if opted_out else PENDING,
        next_attempt_at=None if opted_out else now,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    if opted_out:
        log.info("not texting %s (%s): opted out", mask_phone(to), kind)
    return row


def can_move(current: str, new: str) -> bool:
    """Forward only: terminal states stay; failures end anything not yet final."""
    if current == new or current in TERMINAL or current == DELIVERED:
        return False
    if new in (FAILED, UNDELIVERED, "canceled"):
        return True
    if new not in _RANK:  # a state Twilio added after us: record it unless we are past "sent"
        return _RANK.get(current, 0) < _RANK["sent"]
    return _RANK[new] > _RANK.get(current, 0)


def record_status(tx: Tx, sid: str, status: str, error_code: str | None = None) -> bool:
    """Apply a Twilio status callback (``MessageSid``, ``MessageStatus``, ``ErrorCode``).

    Returns True when the message moved; False for an unknown sid or a stale/out-of-order
    callback (delivered, then a late "sent", stays delivered). Idempotent: a replayed callback
    changes nothing.
    """
    session = tx.session
    row = session.exec(select(SmsMessage).where(SmsMessage.sid == sid)).first()
    if row is None:
        log.debug("status %s for an unknown message", status)
        return False
    status = status.strip().lower()
    if not can_move(row.status, status):
        return False
    row.status = status
    if error_code:
        row.error_code = str(error_code)
    row.updated_at = utcnow()
    session.add(row)
    if row.error_code == ERROR_UNSUBSCRIBED:
        mark_opted_out(tx, row.to_number)
    session.flush()
    return True


def mark_opted_out(tx: Tx, phone: str) -> None:
    """The carrier says this number unsubscribed: never text it again (until it texts START)."""
    session = tx.session
    customer = session.exec(select(Customer).where(Customer.phone == phone)).first()
    if customer is None:
        customer = Customer(phone=phone)
    elif customer.opted_out:
        return
    customer.opted_out = True
    customer.opted_out_at = utcnow()
    session.add(customer)  # organiser-only (phone numbers): not emitted to the sync feed
    session.flush()
    log.info("%s is unsubscribed at the carrier: marked opted out", mask_phone(phone))


def queue_depth(session: Session) -> int:
    """Texts stored but not yet accepted by Twilio (the organiser's "queue depth")."""
    query = (
        select(func.count())
        .select_from(SmsMessage)
        .where(SmsMessage.direction == "out", col(SmsMessage.status).in_(WAITING))
    )
    return int(session.exec(query).one())


def expiry_after(minutes: float) -> datetime:
    return utcnow() + timedelta(minutes=minutes)
