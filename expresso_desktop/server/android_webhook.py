"""The phone's webhooks: ``POST /android/webhook`` (SMS Gateway for Android, Local Server mode).

Authentication is the app's documented payload signing: ``X-Signature`` is the hex HMAC-SHA256,
keyed with the signing key, of the raw body followed by the ``X-Timestamp`` header (Unix
seconds). We check it over the bytes as received (before any JSON parsing), in constant time;
refuse a timestamp more than ``WINDOW_S`` from our clock (the docs' ±5 minutes); and refuse a
signature seen before within that window (a captured request sent again: the app signs every
attempt afresh, so its own retries never repeat one). A refused request is a 403 and stores
nothing. Replays that get past all that (after a restart) still change nothing: received texts
are deduplicated by the phone's message id, delivery statuses only move forward.

``sms:received`` goes through the same inbound queue as Twilio's texts; we answer 200 only once
the text, its order and its reply (queued for the phone) are committed, so a text the phone was
told we have is never lost, and one we did not answer is sent again by the phone.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from aiohttp import web

from expresso_desktop.core.privacy import normalise_e164
from expresso_desktop.server.webhook import INBOUND
from expresso_desktop.sms.android_inbound import (
    FAILED_CODE,
    STATUS_EVENTS,
    inbound_sid,
    queue_reply,
)
from expresso_desktop.sms.inbound import InboundText
from expresso_desktop.sms.outbound import messages as outbound

log = logging.getLogger(__name__)
_NATIONAL = re.compile(r"[0-9]{6,15}")

SIGNATURE_HEADER = "X-Signature"
TIMESTAMP_HEADER = "X-Timestamp"
WINDOW_S = 300
MAX_ID = 64
MAX_NUMBER = 40
MAX_BODY = 1600
_SEEN_MAX = 10_000


@dataclass
class AndroidWebhookAuth:
    """The key the phone signs with, and the signatures already used (in memory, for the
    window: enough to stop a replay while it could still pass the timestamp check)."""

    signing_key: str = field(repr=False)
    window_s: int = WINDOW_S
    clock: Callable[[], float] = time.time
    _seen: OrderedDict[str, float] = field(default_factory=OrderedDict, repr=False)

    def check(self, body: bytes, timestamp: str, signature: str) -> str | None:
        """None when the request is genuine and fresh, else why not (for the log)."""
        if not timestamp.isdigit() or len(timestamp) > 12:
            return "no valid timestamp"
        expected = hmac.new(
            self.signing_key.encode(), body + timestamp.encode(), hashlib.sha256
        ).hexdigest()
        if not hmac.compare_digest(expected, signature.strip().lower()):
            return "invalid signature"
        now = self.clock()
        if abs(now - int(timestamp)) > self.window_s:
            return "timestamp outside the window"
        while self._seen and next(iter(self._seen.values())) < now:
            self._seen.popitem(last=False)
        if expected in self._seen:
            return "replayed signature"
        self._seen[expected] = int(timestamp) + self.window_s
        while len(self._seen) > _SEEN_MAX:
            self._seen.popitem(last=False)
        return None


ANDROID_AUTH = web.AppKey("android_auth", AndroidWebhookAuth)
routes = web.RouteTableDef()


@routes.post("/android/webhook")
async def android_webhook(request: web.Request) -> web.Response:
    event = await _signed_event(request)
    kind = event.get("event")
    payload = event.get("payload")
    if not isinstance(kind, str) or not isinstance(payload, dict):
        raise web.HTTPBadRequest(text="event and payload are required")
    if kind == "sms:received":
        return await _received(request, payload)
    if kind in STATUS_EVENTS:
        return await _status(request, kind, payload)
    return web.Response(status=204)  # system:ping and events we did not ask for


async def _received(request: web.Request, payload: dict[str, Any]) -> web.Response:
    message_id = _text(payload, "messageId", MAX_ID)
    sender = _text(payload, "sender", MAX_NUMBER) or _text(payload, "phoneNumber", MAX_NUMBER)
    body = payload.get("message")
    if not message_id or not sender or not isinstance(body, str):
        raise web.HTTPBadRequest(text="messageId, sender and message are required")
    phone = _phone(sender)
    if phone is None:  # junk in the sender field: no customer, no order, nothing to answer
        log.warning("refused a phone text: the sender is not a phone number")
        return web.json_response({"ok": False, "refused": "sender is not a phone number"})
    sender = phone
    recipient = _text(payload, "recipient", MAX_NUMBER) or ""
    sid = inbound_sid(message_id, sender)
    queue = request.app[INBOUND]
    # A StoreError becomes a 503 in the error middleware: the phone sends it again.
    result = await queue.submit(InboundText(sid, sender, recipient, body[:MAX_BODY]))
    if result.reply:
        await queue.writer.run(partial(queue_reply, sid=sid), initiator="sms")
    return web.json_response({"ok": True, "duplicate": result.duplicate})


def _phone(sender: str) -> str | None:
    """E.164 when it can be (one customer per number however it is spaced); a phone on some
    networks reports a national number (digits only) — we can still answer it through the
    phone, so it is kept as it is. Anything else (emoji, markup, ``client:…``) is refused."""
    phone = normalise_e164(sender)
    if phone is None and _NATIONAL.fullmatch(sender.strip()):
        phone = sender.strip()
    return phone


async def _status(request: web.Request, kind: str, payload: dict[str, Any]) -> web.Response:
    message_id = _text(payload, "messageId", MAX_ID)
    if not message_id:
        raise web.HTTPBadRequest(text="messageId is required")
    status = STATUS_EVENTS[kind]
    code = FAILED_CODE if status == outbound.FAILED else None
    if code:
        reason = payload.get("reason")
        log.warning("the phone could not send a text: %s", str(reason)[:120])
    await request.app[INBOUND].writer.run(
        partial(outbound.record_status, sid=message_id, status=status, error_code=code)
    )
    return web.Response(status=204)


async def _signed_event(request: web.Request) -> dict[str, Any]:
    auth = request.app.get(ANDROID_AUTH)
    signature = request.headers.get(SIGNATURE_HEADER, "")
    timestamp = request.headers.get(TIMESTAMP_HEADER, "")
    if auth is None or not signature or not timestamp:
        raise web.HTTPForbidden(text="missing signature")
    raw = await request.read()  # bounded by the app's client_max_size (413 beyond it)
    why = auth.check(raw, timestamp, signature)
    if why is not None:
        log.warning("phone webhook refused: %s", why)
        raise web.HTTPForbidden(text="invalid signature")
    try:
        event = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise web.HTTPBadRequest(text="the body is not JSON") from None
    if not isinstance(event, dict):
        raise web.HTTPBadRequest(text="the body is not a JSON object")
    return event


def _text(payload: dict[str, Any], key: str, limit: int) -> str | None:
    value = payload.get(key)
    if isinstance(value, str) and 0 < len(value) <= limit and value.isprintable():
        return value
    return None
