"""Sending through Twilio's REST API with the ``twilio`` library's async client.

The library's own async HTTP client passes ``auth=`` to aiohttp (deprecated) and cannot be
pointed at another host (``edge``/``region`` only change the name under twilio.com), so
``_HttpClient`` is a small aiohttp client of ours that sets the Authorization header itself and
rewrites scheme + host to ``api_base`` when one is configured (a local fake in the tests).
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
from datetime import datetime, timedelta
from urllib.parse import urlsplit, urlunsplit

import aiohttp
from twilio.base.exceptions import TwilioException, TwilioRestException, TwilioServiceException
from twilio.http import AsyncHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from expresso_desktop.core.privacy import mask_phone
from expresso_desktop.errors import KnownError
from expresso_desktop.sms.credentials import TwilioConfig
from expresso_desktop.sms.gateway import SendError, SendResult, WebhookRegistration

log = logging.getLogger(__name__)

# twilio's request/response logging prints query strings (phone numbers) at INFO: keep it quiet.
_library_log = logging.getLogger("expresso_desktop.sms.twilio_http")
_library_log.setLevel(logging.WARNING)

REQUEST_TIMEOUT_S = 15.0
MAX_VALIDITY_S = 36_000  # Twilio's limit for ValidityPeriod
# Twilio error codes for "try again later" that do not come with a 5xx/429 status.
_TRANSIENT_CODES = frozenset({"20429", "20500", "20503", "30001"})
# Bad credentials: every text would fail the same way until the organiser fixes them, so keep the
# queue rather than burn it (the sender still gives up at its attempt limit or the expiry).
_AUTH_STATUSES = frozenset({401, 403})


class WebhookError(KnownError):
    """The number's webhooks could not be set; the message says why and what to do."""


def join_url(base: str, path: str) -> str:
    return base.rstrip("/") + path


class _HttpClient(AsyncHttpClient):
    def __init__(self, api_base: str | None, timeout_s: float) -> None:
        super().__init__(_library_log, True, timeout_s)
        self._base = urlsplit(api_base) if api_base else None
        self._session: aiohttp.ClientSession | None = None

    def rewrite(self, url: str) -> str:
        if self._base is None:
            return url
        parts = urlsplit(url)
        path = self._base.path.rstrip("/") + parts.path
        return urlunsplit((self._base.scheme, self._base.netloc, path, parts.query, ""))

    async def open(self) -> None:
        if self._session is None:
            total = aiohttp.ClientTimeout(total=self.timeout)
            self._session = aiohttp.ClientSession(timeout=total)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def request(
        self,
        method: str,
        url: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> Response:
        if self._session is None:
            raise RuntimeError("the Twilio gateway is not started")
        headers = dict(headers or {})
        if auth is not None:
            token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode("ascii")
            headers["Authorization"] = f"Basic {token}"
        async with self._session.request(
            method.upper(),
            self.rewrite(url),
            params=params,  # type: ignore[arg-type]
            data=data,
            headers=headers,
            allow_redirects=allow_redirects,
            timeout=aiohttp.ClientTimeout(total=timeout or self.timeout),
        ) as response:
            text = await response.text()
            return Response(response.status, text, response.headers)


class TwilioGateway:
    """Sends as ``config.number``; asks Twilio for status callbacks at ``public_url``/sms/status
    when there is a public URL (without one, a text's status stops at "queued")."""

    name = "twilio"

    def __init__(self, config: TwilioConfig, *, public_url: str | None = None) -> None:
        self.config = config
        self.from_number = config.number
        self.public_url = public_url.rstrip("/") if public_url else None
        self._http = _HttpClient(config.api_base, REQUEST_TIMEOUT_S)
        username, password = config.rest_auth
        self._client = Client(
            username, password, account_sid=config.account_sid, http_client=self._http
        )

    @property
    def status_callback(self) -> str | None:
        return join_url(self.public_url, "/sms/status") if self.public_url else None

    async def start(self) -> None:
        await self._http.open()

    async def close(self) -> None:
        await self._http.close()

    async def send(self, to: str, body: str, *, valid_for_s: int | None = None) -> SendResult:
        kwargs: dict[str, object] = {"to": to, "from_": self.from_number, "body": body}
        if self.status_callback:
            kwargs["status_callback"] = self.status_callback
        if valid_for_s is not None:
            # Twilio drops it from its own queue too if it is still there when it goes stale.
            kwargs["validity_period"] = max(1, min(MAX_VALIDITY_S, valid_for_s))
        try:
            message = await self._client.messages.create_async(**kwargs)
        except Exception as exc:
            raise classify(exc) from None
        if not message.sid:
            raise SendError("Twilio accepted the request but returned no sid", transient=True)
        return SendResult(message.sid, (message.status or "queued").lower())

    async def find_sent(self, to: str, body: str, since: datetime) -> list[str]:
        try:
            recent = await self._client.messages.list_async(to=to, from_=self.from_number, limit=50)
        except Exception as exc:
            raise classify(exc) from None
        floor = since - timedelta(minutes=1)  # clocks differ a little
        return [
            m.sid
            for m in recent
            if m.sid and m.body == body and (m.date_created is None or m.date_created >= floor)
        ]

    async def register_webhooks(self, public_url: str) -> WebhookRegistration:
        """Point the number's incoming-SMS webhook at ``public_url``/sms (POST).

        Also sets the number's ``StatusCallback``; note Twilio uses that one for calls: the
        texts' delivery callbacks come from the per-message ``StatusCallback`` we send.
        """
        base = public_url.rstrip("/")
        if urlsplit(base).scheme not in ("http", "https"):
            raise WebhookError(f"the public URL must start with https:// (got {public_url!r})")
        sms_url, status_url = join_url(base, "/sms"), join_url(base, "/sms/status")
        number = self.from_number
        try:
            found = await self._client.incoming_phone_numbers.list_async(
                phone_number=number, limit=5
            )
            match = next((n for n in found if n.phone_number == number), None)
            if match is None:
                raise WebhookError(
                    f"the number {number} is not in the Twilio account "
                    f"{self.config.account_sid[:6]}…",
                    hint="Check EXPRESSO_TWILIO_NUMBER (or `expresso twilio set --number`).",
                )
            await self._client.incoming_phone_numbers(match.sid).update_async(
                sms_url=sms_url,
                sms_method="POST",
                status_callback=status_url,
                status_callback_method="POST",
            )
        except WebhookError:
            raise
        except Exception as exc:
            error = classify(exc)
            raise WebhookError(
                f"could not set the Twilio webhooks: {error.reason}",
                hint=f"Set the number's messaging webhook to {sms_url} (POST) in the Twilio "
                "console, or fix the problem and restart.",
            ) from None
        log.info("Twilio webhooks for %s set to %s", mask_phone(number), sms_url)
        return WebhookRegistration(number, sms_url, status_url)


def classify(exc: BaseException) -> SendError:
    """Turn whatever the client raised into a ``SendError`` whose reason is safe to log."""
    if isinstance(exc, TwilioRestException | TwilioServiceException):
        status = int(exc.status or 0)
        code = str(exc.code) if exc.code is not None else str(status)
        transient = status >= 500 or status == 429 or code in _TRANSIENT_CODES
        if status in _AUTH_STATUSES:
            log.error("Twilio refused our credentials (HTTP %s): check `expresso twilio`", status)
            transient = True
        return SendError(f"Twilio error {code} (HTTP {status})", transient=transient, code=code)
    if isinstance(exc, aiohttp.ClientError | asyncio.TimeoutError | OSError):
        return SendError(f"cannot reach Twilio ({type(exc).__name__})", transient=True)
    if isinstance(exc, TwilioException):
        # A list (page) request that failed carries the raw response instead of a code.
        response = exc.args[1] if len(exc.args) > 1 else None
        if isinstance(response, Response):
            return classify(_rest_exception(response))
        return SendError(f"Twilio client error ({type(exc).__name__})", transient=True)
    raise exc


def _rest_exception(response: Response) -> TwilioRestException:
    try:
        code = json.loads(response.text).get("code")
    except (ValueError, AttributeError):
        code = None
    status = response.status_code
    return TwilioRestException(status, "", "page request failed", code or status)
