"""A customer's phone for tests: texts sent to the real webhook app exactly as Twilio would
(signed for the public URL), the reply read back from the TwiML."""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET
from collections.abc import Awaitable, Callable
from typing import Any

from twilio.request_validator import RequestValidator

from expresso_desktop.server.app import create_webhook_app
from expresso_desktop.server.webhook import WebhookAuth
from expresso_desktop.services.organiser import OrganiserServices

TOKEN = "0123456789abcdef0123456789abcdef"  # a made-up auth token
PUBLIC = "https://coffee.example.com/hooks"
PHONE = "+61400000001"
_sids = itertools.count(1)

Send = Callable[..., Awaitable[str | None]]


async def signed_sender(aiohttp_client: Any, services: OrganiserServices) -> Send:
    """``await send(body, phone=PHONE)`` → the reply the customer gets (None: no reply)."""
    client = await aiohttp_client(
        create_webhook_app(services, webhook=WebhookAuth("twilio", TOKEN, PUBLIC))
    )

    async def send(body: str, phone: str = PHONE) -> str | None:
        sid = f"SM{next(_sids):032x}"
        params = {
            "MessageSid": sid,
            "AccountSid": "AC" + "0" * 32,
            "From": phone,
            "To": "+61400000999",
            "Body": body,
            "NumMedia": "0",
        }
        signature = RequestValidator(TOKEN).compute_signature(PUBLIC + "/sms", params)
        resp = await client.post("/sms", data=params, headers={"X-Twilio-Signature": signature})
        assert resp.status == 200, await resp.text()
        replies = [m.text or "" for m in ET.fromstring(await resp.text()).iter("Message")]
        assert len(replies) <= 1
        return replies[0] if replies else None

    return send
