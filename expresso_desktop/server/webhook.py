"""Twilio's webhooks: ``POST /sms`` (a customer's text) and ``POST /sms/status`` (delivery news).

Every request must carry a valid ``X-Twilio-Signature``, computed over the *configured* public URL
+ the request's path and query (a tunnel delivers to ``http://127.0.0.1:PORT``; the request's own
URL and forwarded headers are never trusted) and every form field. A missing or wrong signature is
a 403 and nothing is stored. With no Twilio account the simulator's secret signs instead (see
``sms.simulator``); with an account but no auth token the webhook refuses to start.

Malformed requests get a 4xx, never a 5xx. A ``From`` that is not a phone number in E.164 form
(``client:sam``, ``<script>``, an emoji) gets a polite TwiML reply and is stored nowhere; a spaced
one (``+61 400 000 001``) is the same customer as the compact one. The reply is TwiML, answered
as soon as the writer has committed the text and its order; if that ever takes longer than
``REPLY_DEADLINE_S`` the reply goes out through the outbound queue instead, so Twilio never
waits on us.

Anyone on the internet can reach this listener, so what a caller can make us log is bounded:
a client that hangs up before its body is not an error (one debug line), and refusals are
logged per remote address through a token bucket (``logs.LogLimiter``).
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Literal
from urllib.parse import parse_qsl, urlparse
from xml.sax.saxutils import escape

from aiohttp import web
from multidict import MultiDict
from twilio.request_validator import (
    SIGNATURE_HEADER,
    SIGNATURE_SETTINGS_HEADER,
    RequestValidator,
    add_port,
    get_signature_algorithm,
    remove_port,
)

from expresso_desktop.core.privacy import normalise_e164
from expresso_desktop.errors import KnownError
from expresso_desktop.logs import LogLimiter
from expresso_desktop.server.keys import SERVICES
from expresso_desktop.services.read_cache import ReadCache
from expresso_desktop.sms.conversation import Conversation
from expresso_desktop.sms.credentials import TwilioConfig
from expresso_desktop.sms.inbound import InboundQueue, InboundText
from expresso_desktop.sms.outbound import messages as outbound
from expresso_desktop.sms.simulator import simulator_secret

log = logging.getLogger(__name__)

REPLY_DEADLINE_S = 1.5  # Twilio waits 15 s; we promise 2
MAX_FIELDS = 64
MAX_SID = 64
MAX_NUMBER = 40
MAX_BODY = 1600  # Twilio's own limit for one text
_MAX_URLS = 64  # signed-for URLs whose forms (with and without the port) are remembered
FORM = "application/x-www-form-urlencoded"
NOT_A_PHONE_REPLY = (
    "Sorry, we can only take orders texted from a mobile phone number. "
    "Please text us from your phone."
)


@dataclass
class WebhookAuth:
    """Who may call the webhook: the secret signatures are made with, and the public base URL
    they are made for. ``public_url`` may be set after start (the port, a tunnel's URL)."""

    mode: Literal["twilio", "simulator"]
    token: str = field(repr=False)
    public_url: str | None = None
    validator: RequestValidator = field(init=False, repr=False)
    _variants: dict[str, tuple[str, ...]] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        self.validator = RequestValidator(self.token)

    def url_for(self, path_qs: str) -> str | None:
        return None if not self.public_url else self.public_url.rstrip("/") + path_qs

    def valid(self, url: str, form: MultiDict[str], signature: str, algorithm: str) -> bool:
        """What Twilio's ``RequestValidator.validate`` answers, with less work per request: it
        parses ``url`` and signs the form twice (the URL with and without its port: Twilio's
        signing is inconsistent about ports); here the URL's forms are worked out once per URL,
        and the form is signed over the URL as configured first, the other forms only if that
        did not match. An algorithm Twilio does not know is a refusal (``validate`` says so
        with a warning)."""
        expected = signature.encode("utf-8", "replace")  # a header is any text
        try:
            return any(
                hmac.compare_digest(
                    self.validator.compute_signature(u, form, algorithm).encode(), expected
                )
                for u in self._urls(url)
            )
        except ValueError:  # the algorithm
            return self.validator.validate(url, form, signature, algorithm)

    def _urls(self, url: str) -> tuple[str, ...]:
        urls = self._variants.get(url)
        if urls is None:
            parsed = urlparse(url)
            urls = tuple(dict.fromkeys((url, remove_port(parsed), add_port(parsed))))
            if len(self._variants) >= _MAX_URLS:  # the query is the caller's: keep it bounded
                self._variants.clear()
            self._variants[url] = urls
        return urls


def resolve_auth(
    data_dir: Path, config: TwilioConfig | None, public_url: str | None
) -> WebhookAuth:
    """Twilio's auth token when an account is configured, else the simulator's secret."""
    if config is None:
        return WebhookAuth("simulator", simulator_secret(data_dir) or "", public_url)
    if not config.can_check_signatures or not config.auth_token:
        raise KnownError(
            "Twilio is configured without an auth token, so the SMS webhook cannot check that "
            "requests really come from Twilio; it will not start without one",
            hint="Add the auth token (TWILIO_AUTH_TOKEN or `expresso twilio set`).",
        )
    return WebhookAuth("twilio", config.auth_token, public_url)


WEBHOOK_AUTH = web.AppKey("webhook_auth", WebhookAuth)
INBOUND = web.AppKey("inbound", InboundQueue)
# Refusals and hang-ups, per remote address: 5 lines at once, then one a minute.
NOISE = web.AppKey("webhook_noise", LogLimiter)
routes = web.RouteTableDef()


async def webhook_context(app: web.Application) -> AsyncIterator[None]:
    """The webhook listener's state while it runs: the customer conversation, its read cache
    (dropped when the change bus announces what it caches) and the inbound queue."""
    services = app[SERVICES]
    cache = ReadCache(services.bus)
    conversation = Conversation(
        event_id=services.event_id, menu=services.menus, templates=services.texts, cache=cache
    )
    app[INBOUND] = InboundQueue(services.writer, conversation)
    app[NOISE] = LogLimiter()
    yield
    cache.close()


@routes.post("/sms")
async def sms(request: web.Request) -> web.Response:
    form = await _signed_form(request)
    sid = form.get("MessageSid") or form.get("SmsMessageSid") or ""
    sender = form.get("From", "")
    if not _ok(sid, MAX_SID) or not _ok(sender, MAX_NUMBER):
        raise web.HTTPBadRequest(text="MessageSid and From are required")
    phone = normalise_e164(sender)
    if phone is None:  # no customer, no order: a reply says why
        _note(request, logging.WARNING, "refused a text from %r: not a phone number", sender)
        return _twiml(NOT_A_PHONE_REPLY)
    text = InboundText(sid, phone, form.get("To", "")[:MAX_NUMBER], form.get("Body", "")[:MAX_BODY])
    # A StoreError becomes a 503 in the error middleware: Twilio retries.
    result = await request.app[INBOUND].within(text, REPLY_DEADLINE_S)
    if result is None:  # the writer is behind: one line a minute says so, not one a text
        _LATE_NOTES.log(log, logging.WARNING, "late", _LATE_NOTE, REPLY_DEADLINE_S)
        return _twiml(None)  # the reply follows as a text
    return _twiml(result.reply)


@routes.post("/sms/status")
async def sms_status(request: web.Request) -> web.Response:
    form = await _signed_form(request)
    sid = form.get("MessageSid") or form.get("SmsSid") or ""
    status = form.get("MessageStatus") or form.get("SmsStatus") or ""
    if not _ok(sid, MAX_SID) or not _ok(status, 32):
        raise web.HTTPBadRequest(text="MessageSid and MessageStatus are required")
    error_code = form.get("ErrorCode", "")[:16] or None
    await request.app[INBOUND].writer.run(
        partial(outbound.record_status, sid=sid, status=status, error_code=error_code)
    )
    return web.Response(status=204)


async def _signed_form(request: web.Request) -> MultiDict[str]:
    """The form fields, once the signature over them is checked; 4xx for anything else."""
    auth = request.app.get(WEBHOOK_AUTH)
    signature = request.headers.get(SIGNATURE_HEADER, "")
    if not signature or auth is None:
        _note(request, logging.WARNING, "refused an unsigned webhook request")
        raise web.HTTPForbidden(text="missing signature")
    if request.content_type != FORM:
        raise web.HTTPUnsupportedMediaType(text=f"expected {FORM}")
    try:
        raw = await request.read()  # bounded by the app's client_max_size (413 beyond it)
    except ConnectionError:  # the client hung up before its body: nobody to answer
        _note(request, logging.DEBUG, "a client hung up before sending its whole request")
        raise web.HTTPBadRequest(text="incomplete request") from None
    try:
        pairs = parse_qsl(
            raw.decode("ascii"),
            keep_blank_values=True,
            encoding="utf-8",
            errors="strict",
            max_num_fields=MAX_FIELDS,
        )
    except (UnicodeDecodeError, ValueError):
        raise web.HTTPBadRequest(text="the body is not a valid form") from None
    form: MultiDict[str] = MultiDict(pairs)
    url = auth.url_for(request.path_qs)
    algorithm = get_signature_algorithm(request.headers.get(SIGNATURE_SETTINGS_HEADER, ""))
    if url is None:
        _note(request, logging.WARNING, "webhook called before its public URL is known: refused")
        raise web.HTTPForbidden(text="invalid signature")
    if not auth.valid(url, form, signature, algorithm):
        _note(request, logging.WARNING, "refused a webhook request with a wrong signature")
        raise web.HTTPForbidden(text="invalid signature")
    return form


def _note(request: web.Request, level: int, msg: str, *args: object) -> None:
    """Log something a caller caused, at most a few lines a minute per remote address (behind
    a tunnel every request comes from the tunnel's end, so they all share one budget)."""
    source = request.remote or "?"
    noise = request.app.get(NOISE)
    if noise is None:  # the listener is not running (a bare app in a test)
        log.log(level, msg + " (from %s)", *args, source)
        return
    noise.log(log, level, source, msg + " (from %s)", *args, source)


def _ok(value: str, limit: int) -> bool:
    return 0 < len(value) <= limit and value.isprintable()


def _twiml(reply: str | None) -> web.Response:
    """The TwiML Twilio's own ``MessagingResponse`` writes, without building an element tree
    on every text: the XML declaration, and the reply (escaped) as one ``<Message>``."""
    body = f"<Response><Message>{escape(reply)}</Message></Response>" if reply else "<Response />"
    return web.Response(text=_XML + body, content_type="text/xml")


_XML = '<?xml version="1.0" encoding="UTF-8"?>'
_LATE_NOTE = "reply took longer than %.1f s; it will follow as a text"
_LATE_NOTES = LogLimiter(burst=1)
