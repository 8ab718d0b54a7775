"""The SMS log for the organiser's Messages screen, read without Qt.

- ``MessageLog.page``: texts in and out, newest first, a page at a time (older pages on demand),
  filtered by direction, "not delivered", or a search (words of the text, an order number, a
  whole phone number typed in full). Numbers are always masked; a text's order comes with its
  number.
- ``MessageLog.changes``: what moved since the last read, cheaply whatever the log's size: the
  texts above the last head id (the primary key), the current state of the texts still on their
  way (by id), and — for the "not delivered" filter — the texts that failed since (the status
  index). A commit that touched SMS rows needs no more than that.
- ``MessageLog.queue``: the outbound queue's depth, its oldest text, how fast texts leave and
  the pace the sender keeps (the ``sms_rate_per_second`` setting).
- ``delivery``: the one vocabulary of a text's delivery state, a word and a mark (never colour
  alone), with the error explained when there is one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy import ColumnElement, Engine
from sqlmodel import Session, and_, col, func, not_, or_, select

from expresso_desktop.core.privacy import mask_phone, normalise_e164
from expresso_desktop.sms.inbound import REPLIED
from expresso_desktop.sms.outbound import messages as outbound
from expresso_desktop.sms.outbound.queue import configured_rate
from expresso_desktop.store.engine import read_session
from expresso_desktop.store.tables import Order, SmsMessage
from expresso_desktop.store.types import utcnow

PAGE = 200
# How many texts still on their way one read re-checks (the newest shown); older ones settle.
OPEN_IDS_MAX = 500
# "Not delivered" texts are re-read by ``updated_at`` from this long before the last read: a
# transaction that stamped a row just before that read began may commit just after it.
UPDATED_MARGIN = timedelta(seconds=60)
RECENT = timedelta(minutes=5)  # the window "sent lately" counts over
FAILED_WINDOW = timedelta(hours=1)

Direction = Literal["in", "out"]
MASK = "•"  # a purged text's numbers are stored masked already

KIND_LABELS = {
    "inbound": "customer's text",
    "confirmation": "confirmation",
    "ready": "ready",
    "reminder": "reminder",
    "cancellation": "cancellation",
    "manual": "from the organiser",
    "reply": "reply",
}

# Why a text failed, in words (Twilio's common error codes, and our gateways' own).
ERROR_REASONS = {
    "21211": "not a valid phone number",
    "21408": "texting that country is not enabled on the account",
    "21610": "the customer unsubscribed (STOP)",
    "21614": "not a mobile number",
    "30003": "the phone is off or out of reach",
    "30004": "the message was blocked",
    "30005": "unknown number, or no longer in service",
    "30006": "a landline, or a carrier we cannot reach",
    "30007": "filtered by the carrier",
    "30008": "unknown error at the carrier",
    "auth": "the gateway refused our login",
    "phone_unreachable": "the Android phone did not answer",
    "transient": "the gateway could not be reached",
    "permanent": "the gateway refused it",
}
# ``expired`` for these reasons is the sender doing its job (a "ready" for a drink already
# collected), not a text that failed.
_NO_LONGER_NEEDED_PREFIX = "order_"
_PURGED = "purged"
_FAILED = (outbound.FAILED, outbound.UNDELIVERED, "canceled")
_SENDING = frozenset({"sending", "accepted", "scheduled", "queued"})


@dataclass(frozen=True, slots=True)
class Delivery:
    """A text's delivery state for a person: ``word`` and ``mark`` always shown together."""

    word: str
    mark: str
    problem: bool = False
    detail: str = ""

    @property
    def text(self) -> str:
        return f"{self.mark} {self.word}" + (f": {self.detail}" if self.detail else "")


def explain_error(code: str | None) -> str:
    if not code:
        return ""
    reason = ERROR_REASONS.get(code)
    if reason is None and code.startswith(_NO_LONGER_NEEDED_PREFIX):
        reason = "no longer needed (" + code.removeprefix(_NO_LONGER_NEEDED_PREFIX) + ")"
    if reason is None and code == _PURGED:
        reason = "customer data purged"
    return f"{reason} (error {code})" if reason and code.isdigit() else reason or f"error {code}"


def is_problem(status: str, error_code: str | None) -> bool:
    """A text that did not reach the customer and should have (kept in step with
    ``_problem_clause``)."""
    if status in _FAILED:
        return True
    return status == outbound.EXPIRED and not _no_longer_needed(error_code)


def _no_longer_needed(error_code: str | None) -> bool:
    return error_code is not None and (
        error_code.startswith(_NO_LONGER_NEEDED_PREFIX) or error_code == _PURGED
    )


def delivery(direction: str, status: str, error_code: str | None) -> Delivery:
    """The state of one text as the log shows it."""
    if direction == "in":
        return Delivery("received", "↓")
    why = explain_error(error_code)
    if status == REPLIED:
        return Delivery("replied", "✓", detail="answered in the webhook's reply")
    if status == outbound.PENDING:
        return Delivery("queued", "○", detail=f"retrying; last try: {why}" if why else "")
    if status in _SENDING:
        return Delivery("sending", "◔")
    if status == "sent":
        return Delivery("sent", "◑")
    if status in (outbound.DELIVERED, "read"):
        return Delivery("delivered", "✓")
    if status in _FAILED:
        word = "not delivered" if status == outbound.UNDELIVERED else "failed"
        return Delivery(word, "✕", problem=True, detail=why)
    if status == outbound.SKIPPED_OPTED_OUT:
        return Delivery("not sent", "⊘", detail="the customer opted out (STOP)")
    if status == outbound.WITHDRAWN:  # a held "ready" taken back (undone before it left)
        return Delivery("withdrawn", "⊘", detail=why or "taken back before it was sent")
    if status == outbound.EXPIRED:
        problem = is_problem(status, error_code)
        return Delivery("not sent", "✕" if problem else "⊘", problem, why or "expired unsent")
    return Delivery(status, "?")


@dataclass(frozen=True, slots=True)
class LoggedText:
    """One text as the log shows it: the customer's number masked, the body plain text."""

    id: int
    direction: Direction
    kind: str
    number: str  # the customer's side (from for a text in, to for a text out), masked
    body: str
    status: str
    error_code: str | None
    order_id: str | None
    order_number: str | None
    created_at: datetime
    updated_at: datetime

    @property
    def delivery(self) -> Delivery:
        return delivery(self.direction, self.status, self.error_code)

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)

    @property
    def settled(self) -> bool:
        """Nothing will move this text any more (a text in, a reply, a final state)."""
        return self.direction == "in" or self.status == REPLIED or self.status in outbound.TERMINAL


@dataclass(frozen=True, slots=True)
class LogQuery:
    """Which texts the log shows: a direction, only the ones not delivered, a search."""

    direction: Direction | None = None
    problems_only: bool = False
    search: str = ""


@dataclass(frozen=True, slots=True)
class LogPage:
    rows: tuple[LoggedText, ...]  # newest first
    head_id: int  # the newest text's id in the whole log when read (0: none yet)
    more: bool  # older texts match beyond this page
    read_at: datetime


@dataclass(frozen=True, slots=True)
class LogChanges:
    new: tuple[LoggedText, ...]  # newest first, all above the previous head
    updated: tuple[LoggedText, ...]  # texts already shown (or failed since) in their state now
    head_id: int
    read_at: datetime
    overflow: bool  # more new texts than a page: show the newest page again instead


@dataclass(frozen=True, slots=True)
class QueueStats:
    """The outbound queue at ``read_at``."""

    waiting: int  # stored, not yet accepted by the gateway
    oldest_waiting_at: datetime | None
    sent_recently: int  # accepted by the gateway within ``RECENT``
    failed_recently: int  # not delivered within ``FAILED_WINDOW``
    rate_per_second: float  # the pace the sender keeps per sending number
    read_at: datetime

    @property
    def pace(self) -> str:
        rate = self.rate_per_second
        if rate >= 1:
            return f"{rate:g} text{'s' if rate != 1 else ''}/s"
        return f"1 text every {1 / rate:.3g} s"

    def waiting_text(self, now: datetime) -> str:
        if not self.waiting:
            return "✓ Nothing waiting to go out"
        texts = "text" if self.waiting == 1 else "texts"
        oldest = ""
        if self.oldest_waiting_at is not None:
            oldest = f", oldest {_age(now - self.oldest_waiting_at)}"
        clears = max(1, round(self.waiting / self.rate_per_second))
        return f"○ {self.waiting} {texts} waiting{oldest}; about {clears} s to send all"

    @property
    def flow_text(self) -> str:
        minutes = int(RECENT.total_seconds() // 60)
        return f"{self.sent_recently} sent in the last {minutes} min · paced at {self.pace}"

    @property
    def failed_text(self) -> str:
        if not self.failed_recently:
            return ""
        texts = "text" if self.failed_recently == 1 else "texts"
        return f"✕ {self.failed_recently} {texts} not delivered in the last hour"


def _age(delta: timedelta) -> str:
    seconds = max(0, int(delta.total_seconds()))
    if seconds < 90:
        return f"{seconds} s"
    if seconds < 90 * 60:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h"


class MessageLog:
    """The reads above for one organiser database and event (blocking: run them off the GUI
    thread). ``event_id`` is the event whose order numbers a search and a text name."""

    def __init__(self, engine: Engine, event_id: int) -> None:
        self._engine = engine
        self.event_id = event_id

    def page(
        self, query: LogQuery = LogQuery(), *, before_id: int | None = None, limit: int = PAGE
    ) -> LogPage:
        """The newest texts matching ``query`` (older than ``before_id`` when given)."""
        with read_session(self._engine) as session:
            head = _head(session)
            statement = _texts().where(*self._filters(session, query))
            if before_id is not None:
                statement = statement.where(col(SmsMessage.id) < before_id)
            rows = _read(session, statement.order_by(col(SmsMessage.id).desc()).limit(limit + 1))
        return LogPage(rows[:limit], head, len(rows) > limit, utcnow())

    def changes(
        self,
        query: LogQuery,
        *,
        after_id: int,
        open_ids: Iterable[int] = (),
        since: datetime | None = None,
        limit: int = PAGE,
    ) -> LogChanges:
        """Texts above ``after_id`` matching ``query``; ``open_ids`` (texts shown that were
        still on their way) as they are now; with ``problems_only``, the texts that failed
        since ``since`` (the previous read's ``read_at``)."""
        wanted = sorted(set(open_ids), reverse=True)[:OPEN_IDS_MAX]
        with read_session(self._engine) as session:
            head = _head(session)
            filters = self._filters(session, query)
            fresh = _read(
                session,
                _texts()
                .where(col(SmsMessage.id) > after_id, *filters)
                .order_by(col(SmsMessage.id).desc())
                .limit(limit + 1),
            )
            moved: dict[int, LoggedText] = {}
            if wanted:
                found = _read(session, _texts().where(col(SmsMessage.id).in_(wanted)))
                moved.update((text.id, text) for text in found)
            if query.problems_only and since is not None:
                failed = _texts().where(
                    col(SmsMessage.id) <= after_id,
                    col(SmsMessage.updated_at) >= since - UPDATED_MARGIN,
                    *filters,
                )
                moved.update((text.id, text) for text in _read(session, failed.limit(limit)))
        return LogChanges(fresh[:limit], tuple(moved.values()), head, utcnow(), len(fresh) > limit)

    def thread(self, order_id: str) -> tuple[LoggedText, ...]:
        """Every text of one order, oldest first (the Orders screen's thread)."""
        with read_session(self._engine) as session:
            statement = _texts().where(col(SmsMessage.order_id) == order_id)
            return _read(session, statement.order_by(col(SmsMessage.id)))

    def queue(self) -> QueueStats:
        now = utcnow()
        out = SmsMessage.direction == "out"
        with read_session(self._engine) as session:
            waiting = outbound.queue_depth(session)
            oldest = session.exec(
                select(func.min(SmsMessage.created_at)).where(
                    out, SmsMessage.status == outbound.PENDING
                )
            ).one()
            sent = session.exec(
                select(func.count())
                .select_from(SmsMessage)
                .where(
                    out,
                    col(SmsMessage.created_at) >= now - RECENT,
                    col(SmsMessage.sid).is_not(None),
                )
            ).one()
            failed = session.exec(
                select(func.count())
                .select_from(SmsMessage)
                .where(out, col(SmsMessage.created_at) >= now - FAILED_WINDOW, _problem_clause())
            ).one()
            rate = configured_rate(session)
        return QueueStats(waiting, oldest, int(sent), int(failed), rate, now)

    def _filters(self, session: Session, query: LogQuery) -> list[ColumnElement[bool]]:
        filters: list[ColumnElement[bool]] = []
        if query.direction is not None:
            filters.append(col(SmsMessage.direction) == query.direction)
        if query.problems_only:
            filters.append(_problem_clause())
        if query.search.strip():
            filters.append(self._search(session, query.search.strip()))
        return filters

    def _search(self, session: Session, text: str) -> ColumnElement[bool]:
        """A whole phone number finds its texts; otherwise an order number or words of the
        text (case-insensitive, as typed: ``%`` and ``_`` are not wildcards)."""
        phone = normalise_e164(text)
        if phone is not None:
            return or_(SmsMessage.from_number == phone, SmsMessage.to_number == phone)
        escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        in_body = col(SmsMessage.body).like(f"%{escaped}%", escape="\\")
        order = session.exec(
            select(Order.id).where(
                Order.event_id == self.event_id, col(Order.number) == text.upper()
            )
        ).first()
        return or_(in_body, SmsMessage.order_id == order) if order is not None else in_body


def _problem_clause() -> ColumnElement[bool]:
    """``is_problem`` in SQL."""
    reason = col(SmsMessage.error_code)
    no_longer_needed = and_(
        reason.is_not(None),
        or_(reason.like(_NO_LONGER_NEEDED_PREFIX + "%"), reason == _PURGED),
    )
    return or_(
        col(SmsMessage.status).in_(_FAILED),
        and_(col(SmsMessage.status) == outbound.EXPIRED, not_(no_longer_needed)),
    )


def _head(session: Session) -> int:
    newest = session.connection().execute(sa.select(func.max(col(SmsMessage.id)))).scalar()
    return int(newest or 0)


# A text's columns and its order's number: plain rows, no ORM objects (a page is read often).
_COLUMNS = (
    col(SmsMessage.id),
    col(SmsMessage.direction),
    col(SmsMessage.kind),
    col(SmsMessage.from_number),
    col(SmsMessage.to_number),
    col(SmsMessage.body),
    col(SmsMessage.status),
    col(SmsMessage.error_code),
    col(SmsMessage.order_id),
    col(Order.number),
    col(SmsMessage.created_at),
    col(SmsMessage.updated_at),
)


def _texts() -> sa.Select[*tuple[Any, ...]]:
    return sa.select(*_COLUMNS).outerjoin(Order, col(Order.id) == col(SmsMessage.order_id))


def _read(session: Session, statement: sa.Select[*tuple[Any, ...]]) -> tuple[LoggedText, ...]:
    return tuple(_text(*row) for row in session.connection().execute(statement))


def _text(
    message_id: int,
    direction: Direction,
    kind: str,
    from_number: str,
    to_number: str,
    body: str,
    status: str,
    error_code: str | None,
    order_id: str | None,
    order_number: str | None,
    created_at: datetime,
    updated_at: datetime,
) -> LoggedText:
    customer_side = from_number if direction == "in" else to_number
    return LoggedText(
        id=message_id,
        direction=direction,
        kind=kind,
        number=customer_side if MASK in customer_side else mask_phone(customer_side),
        body=body,
        status=status,
        error_code=error_code,
        order_id=order_id,
        order_number=order_number,
        created_at=created_at,
        updated_at=updated_at,
    )
