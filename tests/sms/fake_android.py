"""A local fake of an Android phone running "SMS Gateway for Android" (v1.68) in Local Server mode,
on 127.0.0.1: the parts of its REST API Expresso uses, and its webhook sender.

Real HTTP with basic auth and the app's JSON shapes (``POST /messages`` answering 202 with the
message's state, ``GET /messages``, ``GET /health``, ``POST /webhooks`` with the app's URL rule,
``PATCH /settings`` for the signing key), so the real ``android-sms-gateway`` client runs against it
unchanged. Webhooks are sent as the app sends them: a JSON envelope (``id``, ``webhookId``,
``event``, ``deviceId``, ``payload``) signed with ``X-Signature`` = hex HMAC-SHA256 of body +
``X-Timestamp``. ``take_down()``/``bring_up()`` make the phone unreachable (its port closed) and
back on the same port.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import aiohttp
from aiohttp import web

from tests.sms.helpers import notify

DEVICE_ID = "fffffffffake0000device"


def sign(key: str, body: str, timestamp: str) -> str:
    return hmac.new(key.encode(), (body + timestamp).encode(), hashlib.sha256).hexdigest()


@dataclass
class FakeAndroid:
    user: str = "sms"
    password: str = "fake-phone-password"
    signing_key: str = "phone-default"  # the app's own 8-char default until we set ours
    number: str = "+61400000777"
    messages: list[dict[str, Any]] = field(default_factory=list)
    webhooks: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: list[tuple[str, str]] = field(default_factory=list)
    auto_report: bool = True  # fire sms:sent then sms:delivered for each message sent
    url: str = ""
    port: int = 0
    _runner: web.AppRunner | None = None
    _site: web.TCPSite | None = None
    _session: aiohttp.ClientSession | None = None
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)

    async def start(self) -> None:
        app = web.Application(middlewares=[self._auth])
        app.add_routes(
            [
                web.get("/health", self._health),
                web.post("/messages", self._send),
                web.post("/message", self._send),
                web.get("/messages", self._list),
                web.post("/webhooks", self._add_webhook),
                web.get("/webhooks", self._list_webhooks),
                web.patch("/settings", self._settings),
            ]
        )
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await self.bring_up()
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))

    async def bring_up(self) -> None:
        assert self._runner is not None
        self._site = web.TCPSite(self._runner, "127.0.0.1", self.port)
        await self._site.start()
        server = self._site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{self.port}"

    async def take_down(self) -> None:
        if self._site is not None:
            await self._site.stop()
            self._site = None

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        if self._session is not None:
            await self._session.close()
        await self.take_down()
        if self._runner is not None:
            await self._runner.cleanup()

    # -- the local server ------------------------------------------------------------------------
    @web.middleware
    async def _auth(self, request: web.Request, handler: Any) -> web.StreamResponse:
        self.requests.append((request.method, request.path))
        notify()
        if request.path != "/health":
            expected = base64.b64encode(f"{self.user}:{self.password}".encode()).decode()
            if request.headers.get("Authorization") != f"Basic {expected}":
                return web.Response(status=401, text="Unauthorized")
        return await handler(request)

    async def _health(self, request: web.Request) -> web.Response:
        return web.json_response(
            {"status": "pass", "version": "1.68.0", "releaseId": 1, "checks": {}}
        )

    async def _send(self, request: web.Request) -> web.Response:
        data = await request.json()
        text = (data.get("textMessage") or {}).get("text") or data.get("message")
        numbers = data.get("phoneNumbers") or []
        if not text or not numbers:
            return web.json_response({"message": "message is empty"}, status=400)
        message_id = data.get("id") or secrets.token_urlsafe(16)
        if any(m["id"] == message_id for m in self.messages):
            return web.json_response({"message": "message already exists"}, status=409)
        message = {
            "id": message_id,
            "deviceId": DEVICE_ID,
            "state": "Pending",
            "isHashed": False,
            "isEncrypted": False,
            "recipients": [{"phoneNumber": n, "state": "Pending"} for n in numbers],
            "states": {"Pending": _now_iso()},
            "text": text,
            "ttl": data.get("ttl"),
            "created": time.time(),
        }
        self.messages.append(message)
        answer = {k: v for k, v in message.items() if k not in ("text", "ttl", "created")}
        if self.auto_report:
            task = asyncio.get_running_loop().create_task(self._report(message))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return web.json_response(answer, status=202)

    async def _report(self, message: dict[str, Any]) -> None:
        for event in ("sms:sent", "sms:delivered"):
            for number in message["recipients"]:
                payload = {"messageId": message["id"], "recipient": number["phoneNumber"]}
                await self.emit(event, payload)

    async def _list(self, request: web.Request) -> web.Response:
        since = request.query.get("from")
        floor = datetime.fromisoformat(since).timestamp() if since else 0.0
        rows = [m for m in self.messages if m["created"] >= floor]
        if request.query.get("sort") == "-created_at":
            rows.reverse()
        keep = ("id", "deviceId", "state", "isHashed", "isEncrypted", "recipients", "states")
        return web.json_response([{k: m[k] for k in keep} for m in rows])

    async def _add_webhook(self, request: web.Request) -> web.Response:
        data = await request.json()
        url = str(data.get("url", ""))
        if not (url.startswith("https://") or url.startswith("http://127.0.0.1")):
            return web.json_response(
                {"message": "url must start with https:// or http://127.0.0.1"}, status=400
            )
        hook = {
            "id": data.get("id") or secrets.token_urlsafe(8),
            "url": url,
            "event": data["event"],
            "deviceId": None,
            "source": "Local",
        }
        self.webhooks[hook["id"]] = hook
        return web.json_response(hook, status=201)

    async def _list_webhooks(self, request: web.Request) -> web.Response:
        return web.json_response(list(self.webhooks.values()))

    async def _settings(self, request: web.Request) -> web.Response:
        data = await request.json()
        key = (data.get("webhooks") or {}).get("signing_key")
        if key:
            self.signing_key = key
        return web.json_response({"webhooks": {"retry_count": 14}})

    # -- the webhook sender -----------------------------------------------------------------------
    def envelope(self, event: str, payload: dict[str, Any], hook_id: str) -> str:
        body = {
            "id": secrets.token_urlsafe(16),
            "webhookId": hook_id,
            "event": event,
            "deviceId": DEVICE_ID,
            "payload": payload,
        }
        return json.dumps(body, separators=(",", ":"))

    async def post(
        self, url: str, body: str, *, timestamp: int | None = None, key: str | None = None
    ) -> int:
        """One signed delivery of ``body``; the HTTP status, or 0 when nobody answered."""
        ts = str(int(time.time()) if timestamp is None else timestamp)
        headers = {
            "Content-Type": "application/json",
            "X-Timestamp": ts,
            "X-Signature": sign(key or self.signing_key, body, ts),
        }
        assert self._session is not None
        try:
            async with self._session.post(url, data=body.encode(), headers=headers) as resp:
                await resp.read()
                return resp.status
        except (aiohttp.ClientError, TimeoutError):
            return 0

    async def emit(self, event: str, payload: dict[str, Any]) -> list[int]:
        """Send ``event`` to every webhook registered for it, as the app does."""
        statuses = []
        for hook in list(self.webhooks.values()):
            if hook["event"] == event:
                body = self.envelope(event, payload, hook["id"])
                statuses.append(await self.post(hook["url"], body))
        return statuses

    def received_payload(
        self, sender: str, text: str, *, at: datetime | None = None
    ) -> dict[str, Any]:
        """An ``sms:received`` payload; ``messageId`` is content based, as the app's."""
        at = at or datetime.now(UTC)
        digest = hashlib.sha256(f"{sender}|{at.isoformat()}|{text}".encode()).hexdigest()
        return {
            "messageId": digest[:8],
            "message": text,
            "sender": sender,
            "recipient": self.number,
            "phoneNumber": sender,
            "simNumber": 1,
            "receivedAt": at.isoformat(),
        }

    async def receive_sms(self, sender: str, text: str) -> list[int]:
        return await self.emit("sms:received", self.received_payload(sender, text))

    def sent_to(self, number: str) -> list[str]:
        return [
            m["text"]
            for m in self.messages
            if any(r["phoneNumber"] == number for r in m["recipients"])
        ]


def _now_iso() -> str:
    return datetime.now(UTC).isoformat()
