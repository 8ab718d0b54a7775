"""Inbound texts: stored once per ``MessageSid``, answered once, the answer kept for replays.

``receive`` runs inside the writer: it looks the sid up (a retried or replayed webhook gets the
stored reply and creates nothing), stores the inbound text, runs the conversation in a savepoint
and stores the reply beside it, all in the caller's transaction. ``InboundQueue`` is the async
front door: texts that arrive while the writer is busy are handled together in one transaction
(group commit: one fsync for the batch), so the webhook keeps up when Twilio bursts.

SMS rows are organiser-only (they carry phone numbers) and are never emitted to the change log.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from sqlmodel import select

from expresso_desktop.core.privacy import mask_phone
from expresso_desktop.services.changes import RECEIVED_TEXTS
from expresso_desktop.services.writer import Tx, Writer
from expresso_desktop.sms.conversation import Conversation, Outcome
from expresso_desktop.sms.outbound import messages as outbound
from expresso_desktop.store import raw
from expresso_desktop.store.tables import SmsMessage
from expresso_desktop.store.types import utcnow

log = logging.getLogger(__name__)

RECEIVED = "received"
# A reply that went back inside the webhook's TwiML: never queued, so the sender never sees it.
REPLIED = "replied"
MAX_BATCH = 32


@dataclass(frozen=True)
class InboundText:
    sid: str
    from_number: str
    to_number: str
    body: str


@dataclass(frozen=True)
class InboundResult:
    reply: str | None
    order_id: str | None = None
    duplicate: bool = False


def reply_key(sid: str) -> str:
    return f"reply:{sid}"


def receive(
    tx: Tx, conversation: Conversation, text: InboundText, *, now: datetime | None = None
) -> InboundResult:
    session = tx.session
    if raw.first(session, _SID_SEEN, (text.sid,)) is not None:
        stored = session.exec(
            select(SmsMessage).where(SmsMessage.dedupe_key == reply_key(text.sid))
        ).first()
        log.info("replayed webhook for a text from %s", mask_phone(text.from_number))
        return InboundResult(
            stored.body if stored else None, stored.order_id if stored else None, True
        )
    now = now or utcnow()
    outcome = _converse(tx, conversation, text, now)
    order_id = outcome.order.id if outcome.order is not None else None
    # Stored after the conversation, in one statement: a replay in the same batch still finds
    # it, and a failed conversation still leaves its text on record.
    common = {"order_id": order_id, "customer_id": outcome.customer_id, "created_at": now}
    rows = [
        _sms_row(
            direction="in",
            kind="inbound",
            from_number=text.from_number,
            to_number=text.to_number,
            body=text.body,
            sid=text.sid,
            status=RECEIVED,
            **common,
        )
    ]
    if outcome.reply:
        rows.append(
            _sms_row(
                direction="out",
                kind="confirmation" if outcome.intent == "order" else "reply",
                from_number=text.to_number,
                to_number=text.from_number,
                body=outcome.reply,
                dedupe_key=reply_key(text.sid),
                status=REPLIED,
                **common,
            )
        )
    _insert(tx, rows)
    log.debug("text from %s: %s", mask_phone(text.from_number), outcome.intent)
    return InboundResult(outcome.reply, order_id)


def _insert(tx: Tx, rows: list[dict[str, object]]) -> None:
    """Plain SQL and plain rows, as on every text (they are never read back as objects); the
    change set still says SMS rows were written, for the screens that list them, but not as
    rows to send: the reply went back in the webhook's answer, so the sender need not look."""
    _SMS_INSERT.many(tx.session, rows)
    tx.changes.touched.add(RECEIVED_TEXTS)


def _sms_row(**values: object) -> dict[str, object]:
    """A row of every column: the model's defaults (what ``SmsMessage(...)`` fills in), then
    ``values``; ``updated_at`` is ``created_at``."""
    return _SMS_DEFAULTS | {"updated_at": values["created_at"]} | values


_SMS_DEFAULTS: dict[str, object] = SmsMessage(
    direction="in", kind="inbound", from_number="", to_number="", body=""
).model_dump(exclude={"id"})
_SMS_TABLE = SmsMessage.__table__  # type: ignore[attr-defined]
_SMS_INSERT = raw.Insert(_SMS_TABLE, [c.key for c in _SMS_TABLE.columns if c.key != "id"])
_SID_SEEN = f"SELECT 1 FROM {_SMS_TABLE.name} WHERE sid = ?"


def _converse(tx: Tx, conversation: Conversation, text: InboundText, now: datetime) -> Outcome:
    """The conversation in a savepoint: a bug in it costs this text a polite apology, not the
    whole batch its transaction (nor Twilio a 500 it would retry into the same bug)."""
    try:
        with tx.savepoint():
            return conversation.handle(tx, text.from_number, text.body, now=now)
    except Exception:
        log.exception("the conversation failed on a text from %s", mask_phone(text.from_number))
        return Outcome(conversation.replies.text("error"), "error")


@dataclass(frozen=True)
class LateReply:
    """A reply that missed the webhook's deadline: it follows as an ordinary outbound text."""

    text: InboundText
    reply: str


def receive_many(
    tx: Tx,
    conversation: Conversation,
    texts: Sequence[InboundText],
    late: Sequence[LateReply] = (),
) -> list[InboundResult]:
    results = [receive(tx, conversation, text) for text in texts]
    for reply in late:
        _queue_late(tx, reply)
    return results


def _queue_late(tx: Tx, late: LateReply) -> None:
    """Queue a late reply for the sender (once per text: its dedupe key), in a savepoint: if
    that fails, the texts sharing the transaction are still stored and answered."""
    try:
        with tx.savepoint():
            outbound.enqueue(
                tx,
                to=late.text.from_number,
                body=late.reply,
                kind="reply",
                from_number=late.text.to_number,
                dedupe_key=f"late-reply:{late.text.sid}",
            )
    except Exception:
        log.exception("could not queue the late reply to %s", mask_phone(late.text.from_number))


@dataclass(frozen=True)
class _Waiting:
    """A text in the queue, the future its sender waits on and the timer of its deadline."""

    text: InboundText
    future: asyncio.Future[InboundResult | None]
    timer: asyncio.TimerHandle | None

    def answer(self, result: InboundResult) -> bool:
        """Hand ``result`` over; True if the deadline had passed (the sender got None)."""
        if self.timer is not None:
            self.timer.cancel()
        if not self.future.done():
            self.future.set_result(result)
            return False
        return not self.future.cancelled()  # a sender that gave up is owed nothing

    def fail(self, exc: Exception) -> None:
        if self.timer is not None:
            self.timer.cancel()
        if not self.future.done():
            self.future.set_exception(exc)


def _expire(future: asyncio.Future[InboundResult | None]) -> None:
    if not future.done():
        future.set_result(None)


class InboundQueue:
    """Hands texts to the writer, batching those that arrive while it is busy.

    Replies that missed the webhook's deadline ride in the next batch's transaction too: they
    come when the writer is behind, and a commit of their own each would put it further
    behind (under a burst every text was late, and every late reply took one more fsync)."""

    def __init__(self, writer: Writer, conversation: Conversation, max_batch: int = MAX_BATCH):
        self.writer = writer
        self.conversation = conversation
        self.max_batch = max_batch
        self._waiting: list[_Waiting] = []
        self._late: list[LateReply] = []
        self._drainer: asyncio.Task[None] | None = None

    async def submit(self, text: InboundText) -> InboundResult:
        future: asyncio.Future[InboundResult | None] = asyncio.get_running_loop().create_future()
        self._waiting.append(_Waiting(text, future, None))
        self._drain_soon()
        result = await future
        assert result is not None  # no deadline: only the result ends the wait
        return result

    def within(self, text: InboundText, deadline_s: float) -> asyncio.Future[InboundResult | None]:
        """The future of ``text``'s result, or of None once ``deadline_s`` has passed without
        one: the result, when it comes, is then queued as a late reply (``reply_late``). One
        future and one timer per text (the webhook's answer; ``wait_for`` around ``shield``
        made three more futures and their callbacks per text)."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[InboundResult | None] = loop.create_future()
        timer = loop.call_later(deadline_s, _expire, future)
        self._waiting.append(_Waiting(text, future, timer))
        self._drain_soon()
        return future

    def reply_late(self, text: InboundText, reply: str) -> None:
        """Queue ``reply`` to ``text`` as an outbound text, with the next batch (on the loop)."""
        self._late.append(LateReply(text, reply))
        self._drain_soon()

    def _drain_soon(self) -> None:
        if self._drainer is None or self._drainer.done():
            self._drainer = asyncio.get_running_loop().create_task(self._drain())

    async def _drain(self) -> None:
        while self._waiting or self._late:
            batch = self._waiting[: self.max_batch]
            del self._waiting[: self.max_batch]
            late, self._late = self._late, []
            texts = [waiting.text for waiting in batch]
            work = partial(receive_many, conversation=self.conversation, texts=texts, late=late)
            try:
                results = await self.writer.run(work)
            except Exception as exc:  # the store failed: every text in the batch hears it
                if late:
                    log.error("%d late replies were not queued: %s", len(late), exc)
                for waiting in batch:
                    waiting.fail(exc)
                continue
            for waiting, result in zip(batch, results, strict=True):
                if waiting.answer(result) and result.reply:  # too late: it follows as a text
                    self._late.append(LateReply(waiting.text, result.reply))
