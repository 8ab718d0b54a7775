"""The durable outbound queue: every text we send is a ``SmsMessage`` row first.

Statuses of an outbound row (``SmsMessage.status``; see ``SmsMessage`` for why it is unchecked):

- ``pending``   waiting for the sender (``next_attempt_at`` says when it may go next; a "ready"
  text is held there for the undo window, ``notifications``)
- ``sending``   claimed by the sender; the HTTP request may be in flight (``sid`` is NULL)
- ``queued`` / ``sending`` (with a sid) / ``sent`` / ``delivered``: what Twilio tells us
- terminal: ``delivered``, ``failed``, ``undelivered``, ``expired``, ``skipped_opted_out``,
  ``withdrawn`` (taken back before it left: its order is no longer in the "ready" it announced)

Writes take a writer ``Tx`` (``services.writer``) so they serialise with everything else. SMS rows
are organiser-only and carry phone numbers, so they never go through ``changes.emit`` (the change
log is the stations' sync feed); neither do customer rows. Orders they touch do.

Whoever queues a text (the notifier, the API, a late webhook reply) need not know the sender
exists: the committed change set names ``sms_messages`` among the tables it touched, and the
sender, subscribed to the change bus, looks at once (``ChangeSet.messages_touched``).
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections import OrderedDict
from datetime import datetime, timedelta

from sqlmodel import Session, col, func, or_, select

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
WITHDRAWN = "withdrawn"
FAILED = "failed"
UNDELIVERED = "undelivered"
DELIVERED = "delivered"

# Twilio's delivery states in the order a message moves through them. A callback may only move a
# message forward along this ladder; callbacks arrive out of order (platform.md, "Twilio").
# Our claim shares the name "sending" with Twilio's state; a claim has no sid, and a callback
# (the only thing ranked here) always comes with one, so the two never meet.
_RANK = {
    PENDING: 0,
    "accepted": 1,
    "scheduled": 1,
    "queued": 2,
    "sending": 3,
    "sent": 4,
    DELIVERED: 5,
    "read": 6,
}
# Once here, nothing moves a message again.
TERMINAL = frozenset(
    {DELIVERED, "read", FAILED, UNDELIVERED, "canceled", EXPIRED, SKIPPED_OPTED_OUT, WITHDRAWN}
)

# Twilio: "Attempt to send to unsubscribed recipient" — the carrier has the customer opted out.
ERROR_UNSUBSCRIBED = "21610"

# Settings (``Setting`` rows; these are the defaults when a key is absent).
SETTING_RATE = "sms_rate_per_second"  # per sending number; one long code does about 1/s
DEFAULT_RATE_PER_SECOND = 1.0


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
    hold: timedelta | None = None,
) -> SmsMessage | None:
    """Store a text for the sender. Returns the row, or None when ``dedupe_key`` was already
    used (the same notification for the same order event goes out once, ever). ``hold`` keeps
    it back that long (a "ready" text: the undo window).

    A number that opted out gets a ``skipped_opted_out`` row instead: the log shows what we
    did not send and why. A manual message without a key gets a fresh one.
    """
    session = tx.session
    key = dedupe_key or f"manual:{uuid.uuid4()}"
    if already_queued(tx, key):
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
        next_attempt_at=None if opted_out else now + (hold or timedelta(0)),
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    if opted_out:
        log.info("not texting %s (%s): opted out", mask_phone(to), kind)
    return row


def withdraw(tx: Tx, row: SmsMessage, reason: str) -> None:
    """Take back a text the sender has not claimed: it is never sent, and the log says why."""
    row.status = WITHDRAWN
    row.error_code = reason
    row.next_attempt_at = None
    row.updated_at = utcnow()
    tx.session.add(row)
    tx.session.flush()
    log.info("text %s (%s) withdrawn before it left: %s", row.id, row.kind, reason)


# A move's text (the new pickup place, kind "confirmation": the pickup place confirmed again)
# is keyed by the order and its ``assign_version``: one text per move, however often it is heard.
MOVED_PREFIX = "moved:"


def moved_key(order_id: str, assign_version: int) -> str:
    return f"{MOVED_PREFIX}{order_id}:{assign_version}"


def moved_version(dedupe_key: str | None) -> int | None:
    """The ``assign_version`` a move's text was written for; None for any other text."""
    if dedupe_key is None or not dedupe_key.startswith(MOVED_PREFIX):
        return None
    version = dedupe_key.rpartition(":")[2]
    return int(version) if version.isdigit() else None


def already_queued(tx: Tx, dedupe_key: str) -> bool:
    query = select(SmsMessage.id).where(SmsMessage.dedupe_key == dedupe_key)
    return tx.session.exec(query).first() is not None


def can_move(current: str, new: str) -> bool:
    """Forward only: terminal states stay; failures end anything not yet final."""
    if current == new or current in TERMINAL:
        return False
    if new in (FAILED, UNDELIVERED, "canceled"):
        return True
    if new not in _RANK:  # a state Twilio added after us: record it unless we are past "sent"
        return _RANK.get(current, 0) < _RANK["sent"]
    return _RANK[new] > _RANK.get(current, 0)


def record_status(tx: Tx, sid: str, status: str, error_code: str | None = None) -> bool:
    """Apply a Twilio status callback (``MessageSid``, ``MessageStatus``, ``ErrorCode``).

    Returns True when the message moved; False for a stale/out-of-order callback (delivered,
    then a late "sent", stays delivered) or a sid we do not know yet. Idempotent: a replayed
    callback changes nothing.
    """
    session = tx.session
    status = status.strip().lower()
    row = session.exec(select(SmsMessage).where(SmsMessage.sid == sid)).first()
    if row is None:
        # Twilio can call back before the sender has committed the sid it just got (the
        # writer may be busy): keep the news until then (see ``apply_status``).
        _early_status(sid, status, error_code)
        return False
    return apply_status(tx, row, status, error_code)


def apply_status(tx: Tx, row: SmsMessage, status: str, error_code: str | None = None) -> bool:
    """Move ``row`` to ``status`` if that is forward; also apply any callback that arrived
    before the row had its sid."""
    moved = False
    for new, code in [(status, error_code), *_take_early(row.sid)]:
        if not can_move(row.status, new):
            continue
        row.status = new
        if code:
            row.error_code = str(code)
        moved = True
    if not moved:
        return False
    row.updated_at = utcnow()
    tx.session.add(row)
    if row.error_code == ERROR_UNSUBSCRIBED:
        mark_opted_out(tx, row.to_number)
    tx.session.flush()
    return True


# sid -> callbacks that arrived before the sid was stored. In memory on purpose: the window is the
# few milliseconds between Twilio's 201 and our commit, in this process; bounded so that callbacks
# for texts we never sent (a TwiML reply's) cannot grow it.
_EARLY_MAX = 512
_early: OrderedDict[str, list[tuple[str, str | None]]] = OrderedDict()
_early_lock = threading.Lock()


def _early_status(sid: str, status: str, error_code: str | None) -> None:
    with _early_lock:
        _early.setdefault(sid, []).append((status, error_code))
        while len(_early) > _EARLY_MAX:
            _early.popitem(last=False)


def _take_early(sid: str | None) -> list[tuple[str, str | None]]:
    if sid is None:
        return []
    with _early_lock:
        return _early.pop(sid, [])


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
        .where(
            SmsMessage.direction == "out",
            # The status index finds the few candidates. ``coalesce`` keeps SQLite off the sid
            # index, which would visit every text without a sid (each TwiML reply) first.
            col(SmsMessage.status).in_((PENDING, CLAIMED)),
            or_(SmsMessage.status == PENDING, func.coalesce(col(SmsMessage.sid), "") == ""),
        )
    )
    return int(session.exec(query).one())
