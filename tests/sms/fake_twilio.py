"""A local fake of the parts of Twilio's REST API Expresso uses, on 127.0.0.1.

Real HTTP, real basic auth, Twilio's JSON shapes and error bodies, so the real ``twilio`` client
runs against it unchanged (pointed here through ``EXPRESSO_TWILIO_API_BASE``). Every request is
recorded; failures can be scripted; signed status callbacks can be fired at a URL.
"""

from __future__ import annotations

import asyncio
import base64
import secrets
import time
from dataclasses import dataclass, field
from email.utils import format_datetime
from typing import Any

import aiohttp
from aiohttp import web
from twilio.request_validator import RequestValidator

from expresso_desktop.store.types import utcnow
from tests.sms.helpers import notify

API = "/2010-04-01/Accounts/{account}"


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    form: dict[str, str]
    auth: tuple[str, str] | None
    at: float  # time.monotonic() on arrival


@dataclass
class Number:
    sid: str
    phone_number: str
    sms_url: str = ""
    sms_method: str = "POST"
    status_callback: str = ""


@dataclass
class FakeTwilio:
    account_sid: str = "ACfake" + "0" * 28  # clearly not a real account
    auth_token: str = "fake-auth-token"
    api_key: str | None = None
    api_secret: str | None = None
    requests: list[Recorded] = field(default_factory=list)
    messages: list[dict[str, Any]] = field(default_factory=list)
    numbers: list[Number] = field(default_factory=list)
    # Scripted answers for the next Messages.json POSTs: (HTTP status, Twilio error code).
    failures: list[tuple[int, int | None]] = field(default_factory=list)
    # Answer Messages.json only this long after storing the message (a crash mid-request).
    response_delay_s: float = 0.0
    # The sender's lookups (GET Messages.json: "did you get this text?"): scripted failures,
    # and a gate that holds every lookup until the test sets it (a slow Twilio).
    lookup_failures: list[tuple[int, int | None]] = field(default_factory=list)
    lookup_gate: asyncio.Event | None = None
    url: str = ""
    _runner: web.AppRunner | None = None

    # --- scripting --------------------------------------------------------------------------

    def fail_next(self, status: int, code: int | None = None, *, times: int = 1) -> None:
        self.failures.extend([(status, code)] * times)

    def add_number(self, phone_number: str) -> Number:
        number = Number("PN" + secrets.token_hex(16), phone_number)
        self.numbers.append(number)
        return number

    def sends(self) -> list[Recorded]:
        """Message-creating requests that were accepted or refused (everything POSTed)."""
        return [
            r for r in self.requests if r.method == "POST" and r.path.endswith("/Messages.json")
        ]

    def bodies(self) -> list[str]:
        return [m["body"] for m in self.messages]

    def lookups(self) -> list[Recorded]:
        """Message-listing requests (the sender checking an interrupted text)."""
        return [r for r in self.requests if r.method == "GET" and r.path.endswith("/Messages.json")]

    # --- lifecycle --------------------------------------------------------------------------

    async def start(self) -> str:
        app = web.Application()
        base = API.format(account="{account}")
        app.router.add_post(base + "/Messages.json", self._create_message)
        app.router.add_get(base + "/Messages.json", self._list_messages)
        app.router.add_get(base + "/IncomingPhoneNumbers.json", self._list_numbers)
        app.router.add_post(base + "/IncomingPhoneNumbers/{sid}.json", self._update_number)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # --- status callbacks -------------------------------------------------------------------

    async def send_status_callback(
        self,
        url: str,
        sid: str,
        status: str,
        *,
        error_code: str | None = None,
        signed_for: str | None = None,
    ) -> int:
        """POST a status callback to ``url`` signed exactly as Twilio signs it, for
        ``signed_for`` (the public URL Twilio was given) when the request goes elsewhere (a
        tunnel's far end)."""
        message = next((m for m in self.messages if m["sid"] == sid), {})
        params = {
            "MessageSid": sid,
            "SmsSid": sid,
            "MessageStatus": status,
            "SmsStatus": status,
            "AccountSid": self.account_sid,
            "From": message.get("from", ""),
            "To": message.get("to", ""),
            "ApiVersion": "2010-04-01",
        }
        if error_code:
            params["ErrorCode"] = error_code
        signature = RequestValidator(self.auth_token).compute_signature(signed_for or url, params)
        async with (
            aiohttp.ClientSession() as session,
            session.post(url, data=params, headers={"X-Twilio-Signature": signature}) as resp,
        ):
            return resp.status

    # --- handlers ---------------------------------------------------------------------------

    async def _record(self, request: web.Request) -> tuple[Recorded, web.Response | None]:
        form = {k: str(v) for k, v in (await request.post()).items()}
        recorded = Recorded(
            request.method,
            request.path,
            dict(request.query),
            form,
            _basic_auth(request),
            time.monotonic(),
        )
        self.requests.append(recorded)
        notify()  # a test may be waiting for this request
        if request.match_info["account"] != self.account_sid:
            return recorded, _error(404, 20404, "The requested resource was not found")
        allowed = {(self.account_sid, self.auth_token)}
        if self.api_key and self.api_secret:
            allowed.add((self.api_key, self.api_secret))
        if recorded.auth not in allowed:
            return recorded, _error(401, 20003, "Authenticate")
        return recorded, None

    async def _create_message(self, request: web.Request) -> web.Response:
        recorded, refused = await self._record(request)
        if refused is not None:
            return refused
        if self.failures:
            status, code = self.failures.pop(0)
            return _error(status, code, "scripted failure")
        form = recorded.form
        if not form.get("To") or not form.get("Body"):
            return _error(400, 21604, "A 'To' phone number and a 'Body' are required.")
        sid = "SM" + secrets.token_hex(16)
        message = {
            "sid": sid,
            "account_sid": self.account_sid,
            "to": form["To"],
            "from": form.get("From"),
            "body": form["Body"],
            "status": "queued",
            "direction": "outbound-api",
            "num_segments": "1",
            "date_created": format_datetime(utcnow(), usegmt=True),
            "date_updated": format_datetime(utcnow(), usegmt=True),
            "date_sent": None,
            "error_code": None,
            "error_message": None,
            "uri": f"{API.format(account=self.account_sid)}/Messages/{sid}.json",
        }
        self.messages.append(message)
        notify()
        if self.response_delay_s:
            await asyncio.sleep(self.response_delay_s)
        return web.json_response(message, status=201)

    async def _list_messages(self, request: web.Request) -> web.Response:
        _, refused = await self._record(request)
        if refused is not None:
            return refused
        if self.lookup_gate is not None:
            await self.lookup_gate.wait()
        if self.lookup_failures:
            status, code = self.lookup_failures.pop(0)
            return _error(status, code, "scripted failure")
        found = [
            m
            for m in reversed(self.messages)  # newest first, like Twilio
            if m["to"] == request.query.get("To", m["to"])
            and m["from"] == request.query.get("From", m["from"])
        ]
        return web.json_response({"messages": found, **_page(request, "Messages")})

    async def _list_numbers(self, request: web.Request) -> web.Response:
        _, refused = await self._record(request)
        if refused is not None:
            return refused
        wanted = request.query.get("PhoneNumber")
        found = [_number_json(self, n) for n in self.numbers if wanted in (None, n.phone_number)]
        return web.json_response(
            {"incoming_phone_numbers": found, **_page(request, "IncomingPhoneNumbers")}
        )

    async def _update_number(self, request: web.Request) -> web.Response:
        recorded, refused = await self._record(request)
        if refused is not None:
            return refused
        number = next((n for n in self.numbers if n.sid == request.match_info["sid"]), None)
        if number is None:
            return _error(404, 20404, "The requested resource was not found")
        form = recorded.form
        number.sms_url = form.get("SmsUrl", number.sms_url)
        number.sms_method = form.get("SmsMethod", number.sms_method)
        number.status_callback = form.get("StatusCallback", number.status_callback)
        return web.json_response(_number_json(self, number))


def _number_json(fake: FakeTwilio, number: Number) -> dict[str, Any]:
    return {
        "sid": number.sid,
        "account_sid": fake.account_sid,
        "phone_number": number.phone_number,
        "sms_url": number.sms_url,
        "sms_method": number.sms_method,
        "status_callback": number.status_callback,
    }


def _page(request: web.Request, name: str) -> dict[str, Any]:
    return {
        "page": 0,
        "page_size": 50,
        "start": 0,
        "end": 0,
        "first_page_uri": request.path_qs,
        "next_page_uri": None,
        "previous_page_uri": None,
        "uri": request.path_qs,
    }


def _basic_auth(request: web.Request) -> tuple[str, str] | None:
    header = request.headers.get("Authorization", "")
    if not header.startswith("Basic "):
        return None
    try:
        user, _, password = base64.b64decode(header[6:]).decode().partition(":")
    except ValueError:
        return None
    return user, password


def _error(status: int, code: int | None, message: str) -> web.Response:
    if code is None:  # what a proxy or load balancer in front of Twilio answers: not JSON
        return web.Response(status=status, text=f"<html>{status}</html>", content_type="text/html")
    body = {"code": code, "message": message, "more_info": "", "status": status}
    return web.json_response(body, status=status)
