"""What the phone's webhooks mean for the SMS tables: a customer's text enters the same inbound
queue as a Twilio text (``sms.inbound``), keyed by the phone's message id; its reply, which Twilio
would have carried back in TwiML, goes out through the outbound queue instead.

The phone's ``messageId`` for a received SMS is a 32-bit hash of the sender, the time and the text
(the app's ``ReceiverService``): the same text delivered twice (the phone retrying a webhook we did
not answer) has the same id, which is the point; two different texts colliding is rare but not
impossible across an event, so the stored sid also carries a digest of the sender (never the
number itself: sids reach logs).
"""

from __future__ import annotations

import hashlib

from sqlmodel import select

from expresso_desktop.services.writer import Tx
from expresso_desktop.sms.inbound import REPLIED, reply_key
from expresso_desktop.sms.outbound import messages as outbound
from expresso_desktop.store.tables import SmsMessage
from expresso_desktop.store.types import utcnow

INBOUND_PREFIX = "ANin-"

# The phone's events in our (Twilio's) status words; forward-only from there (``record_status``).
STATUS_EVENTS = {
    "sms:sent": "sent",
    "sms:delivered": "delivered",
    "sms:failed": outbound.FAILED,
    "sms:cancelled": "canceled",
}
FAILED_CODE = "phone_failed"


def inbound_sid(message_id: str, sender: str) -> str:
    digest = hashlib.sha256(sender.encode()).hexdigest()[:10]
    return f"{INBOUND_PREFIX}{message_id}-{digest}"


def queue_reply(tx: Tx, *, sid: str) -> bool:
    """Hand the stored reply to a phone text to the sender (once: a retried webhook finds it
    already queued). Returns True when it was queued now."""
    row = tx.session.exec(select(SmsMessage).where(SmsMessage.dedupe_key == reply_key(sid))).first()
    if row is None or row.status != REPLIED:
        return False
    now = utcnow()
    row.status = outbound.PENDING
    row.next_attempt_at = now
    row.updated_at = now
    tx.session.add(row)
    tx.session.flush()
    return True
