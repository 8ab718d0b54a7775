"""Sending through an Android phone running "SMS Gateway for Android" in Local Server mode, with the
app's official client (``android-sms-gateway``, ``AsyncAPIClient``) over its aiohttp backend.

Built against the app's v1.68 local-server API (the app's ``swagger.json`` and its
``localserver/routes``; the docs' "Webhooks" page): ``POST /messages`` (basic auth), ``GET
/messages``, ``GET /health``, ``POST /webhooks``, ``PATCH /settings``. The local server has no
``/3rdparty/v1`` prefix: the client's ``base_url`` is the phone's own ``http://PHONE:8080``.

We choose each message's id ourselves (a fresh ``AN…`` id per attempt); the phone's delivery
webhooks (``sms:sent``/``sms:delivered``/``sms:failed``) name it as ``messageId``, which is how
they find the outbound row (its ``sid``).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import aiohttp
from android_sms_gateway import (
    AsyncAPIClient,
    DeviceSettings,
    Message,
    MessagesQueryFilter,
    ProcessState,
    QueryPagination,
    SettingsWebhooks,
    TextMessage,
    Webhook,
    WebhookEvent,
)
from android_sms_gateway.ahttp import AiohttpAsyncHttpClient
from android_sms_gateway.errors import APIError

from expresso_desktop.errors import KnownError
from expresso_desktop.sms.android_config import AndroidConfig
from expresso_desktop.sms.gateway import SendError, SendResult

log = logging.getLogger(__name__)

REQUEST_TIMEOUT_S = 15.0
WEBHOOK_PATH = "/android/webhook"
SID_PREFIX = "AN"
# The phone cannot be reached at all (off, off the Wi-Fi, app stopped): texts wait for it.
UNREACHABLE = "phone_unreachable"
# Our webhook ids on the phone: fixed, so registering again replaces rather than adds.
WEBHOOK_EVENTS = {
    WebhookEvent.SMS_RECEIVED: "expresso-sms-received",
    WebhookEvent.SMS_SENT: "expresso-sms-sent",
    WebhookEvent.SMS_DELIVERED: "expresso-sms-delivered",
    WebhookEvent.SMS_FAILED: "expresso-sms-failed",
}
# The phone's message states in our (Twilio's) status words, for the forward-only ladder.
STATES = {
    ProcessState.Pending: "queued",
    ProcessState.Processed: "sending",
    ProcessState.Sent: "sent",
    ProcessState.Delivered: "delivered",
    ProcessState.Failed: "failed",
    ProcessState.Cancelling: "queued",
    ProcessState.Cancelled: "canceled",
}


class PhoneWebhookError(KnownError):
    """The phone's webhooks could not be set; the message says why and what to do."""


@dataclass(frozen=True, slots=True)
class PhoneHealth:
    reachable: bool
    detail: str  # "pass", "warn", "fail" or why it could not be asked; never a secret


class AndroidGateway:
    """Sends as the phone's own number (``config.number``, for the log only: the SIM decides)."""

    name = "android"

    def __init__(self, config: AndroidConfig) -> None:
        self.config = config
        self.from_number = config.number
        self._session: aiohttp.ClientSession | None = None
        self._client: AsyncAPIClient | None = None

    async def start(self) -> None:
        if self._session is None:
            # No keep-alive: a phone that dropped off the Wi-Fi leaves pooled connections that
            # hang until the timeout; a fresh connection is refused at once (and costs little
            # on a LAN, at one text a second).
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S),
                connector=aiohttp.TCPConnector(force_close=True),
            )
            self._client = AsyncAPIClient(
                self.config.user,
                self.config.password,
                base_url=self.config.url,
                http_client=AiohttpAsyncHttpClient(self._session),
            )

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
            self._client = None

    @property
    def client(self) -> AsyncAPIClient:
        if self._client is None:
            raise RuntimeError("the Android gateway is not started")
        return self._client

    async def send(self, to: str, body: str, *, valid_for_s: int | None = None) -> SendResult:
        message = Message(
            phone_numbers=[to],
            text_message=TextMessage(text=body),
            with_delivery_report=True,
            ttl=max(1, valid_for_s) if valid_for_s is not None else None,
            id=SID_PREFIX + uuid.uuid4().hex,
        )
        try:
            state = await self.client.send(message)
        except Exception as exc:
            raise classify(exc) from None
        return SendResult(state.id, STATES.get(state.state, "queued"))

    async def find_sent(self, to: str, body: str, since: datetime) -> list[str]:
        """The phone's messages to ``to`` created since ``since``, newest first. The client's
        message list carries no text, so the body cannot be compared: a text to the same
        customer in the same minute counts as this one (the sender asks only after a crash)."""
        floor = since - timedelta(minutes=1)  # clocks differ a little
        try:
            recent = await self.client.get_messages(
                query=MessagesQueryFilter(from_=floor),
                pagination=QueryPagination(limit=50),
                sort="-created_at",
            )
        except Exception as exc:
            raise classify(exc) from None
        return [
            m.id
            for m in recent
            if m.id.startswith(SID_PREFIX) and any(r.phone_number == to for r in m.recipients)
        ]

    async def health(self) -> PhoneHealth:
        try:
            answer = await self.client.health_check()
        except APIError as exc:
            # The app answers 500 with its health body when a check fails: it is there.
            return PhoneHealth(exc.status_code is not None, f"HTTP {exc.status_code}")
        except Exception as exc:
            return PhoneHealth(False, classify(exc).reason)
        return PhoneHealth(True, answer.status.value)

    async def register_webhooks(self, base_url: str) -> str:
        """Write our signing key to the phone and point its four events at
        ``base_url``/android/webhook. Returns that URL; raises ``PhoneWebhookError``."""
        url = base_url.rstrip("/") + WEBHOOK_PATH
        try:
            await self.client.patch_settings(
                DeviceSettings(webhooks=SettingsWebhooks(signing_key=self.config.signing_key))
            )
            for event, webhook_id in WEBHOOK_EVENTS.items():
                await self.client.create_webhook(Webhook(id=webhook_id, url=url, event=event))
        except APIError as exc:
            said = ""
            if isinstance(exc.response, dict) and isinstance(exc.response.get("message"), str):
                said = f": {exc.response['message'][:200]}"
            raise PhoneWebhookError(
                f"the phone refused the webhook (HTTP {exc.status_code}){said}",
                hint="The app only calls https:// URLs, or http://127.0.0.1 (adb reverse); set "
                "`expresso gateway android set --webhook-url https://…`.",
            ) from None
        except Exception as exc:
            raise PhoneWebhookError(
                f"could not set the phone's webhooks: {classify(exc).reason}",
                hint=f"Is the app's Local Server on at {self.config.url}?",
            ) from None
        log.info("phone webhooks set to %s", url)
        return url


def classify(exc: BaseException) -> SendError:
    """Whatever the client raised, as a ``SendError`` whose reason is safe to log."""
    if isinstance(exc, APIError):
        status = int(exc.status_code or 0)
        if status in (401, 403):
            log.error("the phone refused our login (HTTP %s): check `expresso gateway`", status)
            return SendError(f"phone refused login (HTTP {status})", transient=True, code="auth")
        transient = status >= 500 or status in (0, 408, 429)
        return SendError(f"phone error (HTTP {status})", transient=transient, code=str(status))
    if isinstance(exc, aiohttp.ClientError | asyncio.TimeoutError | OSError):
        return SendError(
            f"cannot reach the phone ({type(exc).__name__})", transient=True, code=UNREACHABLE
        )
    if isinstance(exc, ValueError | KeyError | TypeError):  # an answer we cannot read
        return SendError(f"unexpected answer from the phone ({type(exc).__name__})", transient=True)
    raise exc
