"""The sender's side of the outbound queue: claim, mark sent, retry or fail, recover.

Each function is one unit of work for ``Writer.run`` (``fn(tx, ...)``); the sender never holds a
transaction across a network call.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, func, or_, select

from expresso_desktop.services.writer import Tx
from expresso_desktop.sms.gateway import SendError, SendResult
from expresso_desktop.sms.outbound import messages as outbound
from expresso_desktop.sms.outbound import notifications
from expresso_desktop.store.repositories import settings_repo
from expresso_desktop.store.tables import Customer, Order, SmsMessage
from expresso_desktop.store.types import utcnow

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Job:
    """A claimed text (a detached snapshot: safe to use outside the transaction)."""

    id: int
    to: str
    body: str
    kind: str
    attempts: int
    expires_at: datetime | None
    claimed_at: datetime

    def valid_for_s(self) -> int | None:
        if self.expires_at is None:
            return None
        return max(1, int((self.expires_at - utcnow()).total_seconds()))


@dataclass(frozen=True, slots=True)
class Claim:
    job: Job | None
    next_due: datetime | None  # when the next pending text may go (when ``job`` is None)
    rate: float  # texts per second per sending number (the organiser's setting)


def send_rate(tx: Tx) -> float:
    return configured_rate(tx.session)


def configured_rate(session: Session) -> float:
    """Texts per second per sending number, as the organiser set it (else the default)."""
    value = settings_repo.get(
        outbound.SETTING_RATE, outbound.DEFAULT_RATE_PER_SECOND, session=session
    )
    try:
        rate = float(value)
    except (TypeError, ValueError):
        rate = outbound.DEFAULT_RATE_PER_SECOND
    return rate if rate > 0 else outbound.DEFAULT_RATE_PER_SECOND


def claim_next(tx: Tx, *, now: datetime, number: str) -> Claim:
    """Expire what went stale, then claim the next due text (status ``sending``, one more
    attempt) and commit that before any request is made."""
    session = tx.session
    rate = send_rate(tx)
    stale = select(SmsMessage).where(
        SmsMessage.direction == "out",
        SmsMessage.status == outbound.PENDING,
        col(SmsMessage.expires_at) <= now,
    )
    for old in session.exec(stale).all():
        _finish(tx, old, outbound.EXPIRED, None)
        log.info("text %s (%s) expired unsent", old.id, old.kind)
    due = (
        select(SmsMessage)
        .where(
            SmsMessage.direction == "out",
            SmsMessage.status == outbound.PENDING,
            or_(col(SmsMessage.next_attempt_at).is_(None), col(SmsMessage.next_attempt_at) <= now),
        )
        .order_by(col(SmsMessage.next_attempt_at), col(SmsMessage.id))
        .limit(1)
    )
    while (row := session.exec(due).first()) is not None:
        if _obsolete(tx, row):
            continue
        row.status = outbound.CLAIMED
        row.attempts += 1
        row.from_number = row.from_number or number
        row.updated_at = now
        session.add(row)
        session.flush()
        return Claim(_job(row), None, rate)
    next_due = session.exec(
        select(func.min(SmsMessage.next_attempt_at)).where(
            SmsMessage.direction == "out", SmsMessage.status == outbound.PENDING
        )
    ).one()
    return Claim(None, next_due, rate)


def _obsolete(tx: Tx, row: SmsMessage) -> bool:
    """Settle a text that must no longer go out: its "ready" was taken back (undone, cancelled,
    collected or Done again while it was held: withdrawn), the drink was collected before its
    reminder left, the order moved again (or was made) before its "moved" left, or the customer
    opted out after it was queued."""
    if row.kind == "ready":
        reason = notifications.why_stale(tx, row)
        if reason is not None:
            outbound.withdraw(tx, row, reason)
            return True
    if row.kind == "reminder" and row.order_id is not None:
        order = tx.session.get(Order, row.order_id)
        if order is None or order.status != "ready":
            _finish(tx, row, outbound.EXPIRED, f"order_{order.status if order else 'gone'}")
            return True
    version = outbound.moved_version(row.dedupe_key)
    if version is not None and row.order_id is not None:
        stale = _stale_move(tx, row.order_id, version)
        if stale is not None:
            _finish(tx, row, outbound.EXPIRED, stale)
            return True
    customer = tx.session.exec(select(Customer).where(Customer.phone == row.to_number)).first()
    if customer is not None and customer.opted_out:
        _finish(tx, row, outbound.SKIPPED_OPTED_OUT, None)
        return True
    return False


def _stale_move(tx: Tx, order_id: str, version: int) -> str | None:
    """Why a move's text no longer says where to go, or None while it still does."""
    order = tx.session.get(Order, order_id)
    if order is None:
        return "order_gone"
    if order.status not in ("new", "in_progress"):
        return f"order_{order.status}"  # the ready text (or the cancellation) says the rest
    if order.assign_version != version:
        return "order_moved_again"
    return None


def mark_sent(tx: Tx, *, message_id: int, result: SendResult) -> None:
    row = tx.session.get(SmsMessage, message_id)
    if row is None:
        return
    row.sid = result.sid
    row.error_code = None
    if row.status == outbound.CLAIMED:  # our claim ends: it stands wherever Twilio says
        row.status = result.status
        row.next_attempt_at = None
        row.updated_at = utcnow()
    tx.session.add(row)
    tx.session.flush()
    outbound.apply_status(tx, row, row.status)  # callbacks that arrived before the sid did


def mark_failed(tx: Tx, *, message_id: int, error: SendError, retry_at: datetime | None) -> str:
    """Retry at ``retry_at`` (None: give up). Returns what happened, for the log."""
    row = tx.session.get(SmsMessage, message_id)
    if row is None:
        return "gone"
    code = error.code or ("transient" if error.transient else "permanent")
    if retry_at is not None and (row.expires_at is None or retry_at < row.expires_at):
        row.status = outbound.PENDING
        row.next_attempt_at = retry_at
        row.error_code = code
        row.updated_at = utcnow()
        tx.session.add(row)
        tx.session.flush()
        return f"retry at {retry_at:%H:%M:%S}"
    if error.transient and retry_at is not None:
        _finish(tx, row, outbound.EXPIRED, code)
        return "expired"
    _finish(tx, row, outbound.FAILED, code)
    if code == outbound.ERROR_UNSUBSCRIBED:
        outbound.mark_opted_out(tx, row.to_number)
    return "failed"


def interrupted(tx: Tx, *, number: str) -> list[Job]:
    """Texts that were in flight when the previous run stopped (claimed, no sid)."""
    rows = tx.session.exec(
        select(SmsMessage).where(
            SmsMessage.direction == "out",
            SmsMessage.status == outbound.CLAIMED,
            col(SmsMessage.sid).is_(None),
        )
    ).all()
    return [_job(row) for row in rows]


def adopt(tx: Tx, *, message_id: int, candidates: list[str]) -> bool:
    """After a crash: take the first sid Twilio knows for this text that no other row has."""
    row = tx.session.get(SmsMessage, message_id)
    if row is None:
        return True
    for sid in candidates:
        if tx.session.exec(select(SmsMessage.id).where(SmsMessage.sid == sid)).first() is None:
            mark_sent(tx, message_id=message_id, result=SendResult(sid, "queued"))
            return True
    return False


def release(tx: Tx, *, message_id: int) -> None:
    """Back to the queue now, the claim's attempt not counted."""
    row = tx.session.get(SmsMessage, message_id)
    if row is None or row.status != outbound.CLAIMED or row.sid is not None:
        return
    row.status = outbound.PENDING
    row.attempts = max(0, row.attempts - 1)
    row.next_attempt_at = utcnow()
    tx.session.add(row)
    tx.session.flush()


def _finish(tx: Tx, row: SmsMessage, status: str, error_code: str | None) -> None:
    row.status = status
    if error_code is not None:
        row.error_code = error_code
    row.next_attempt_at = None
    row.updated_at = utcnow()
    tx.session.add(row)
    tx.session.flush()


def _job(row: SmsMessage) -> Job:
    assert row.id is not None
    return Job(
        id=row.id,
        to=row.to_number,
        body=row.body,
        kind=row.kind,
        attempts=row.attempts,
        expires_at=row.expires_at,
        claimed_at=row.updated_at,
    )
