"""Thousands of malformed, oversized, mis-encoded and badly signed requests against the webhook:
only 4xx or 200 ever comes back, and the server keeps serving real texts afterwards."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from aiohttp.test_utils import TestClient
from twilio.request_validator import RequestValidator

from expresso_desktop.server.app import create_webhook_app
from expresso_desktop.server.webhook import WebhookAuth
from expresso_desktop.services.demo import seed_demo
from expresso_desktop.services.organiser import OrganiserServices, build_organiser_services
from expresso_desktop.settings import AppPaths

TOKEN = "fedcba9876543210fedcba9876543210"
PUBLIC = "https://coffee.example.com"
REQUESTS = 3000
SEED = 20240601
FIELDS = ["MessageSid", "SmsSid", "From", "To", "Body", "AccountSid", "NumMedia", "MessageStatus"]
TYPES = [
    "application/x-www-form-urlencoded",
    "application/x-www-form-urlencoded; charset=latin-1",
    "application/json",
    "text/plain",
    "multipart/form-data; boundary=xyz",
    "application/octet-stream",
    "",
]
ALLOWED = {200, 204, 400, 403, 405, 413, 415}


@pytest.fixture
def services(tmp_path: Path) -> Iterator[OrganiserServices]:
    built = build_organiser_services(AppPaths(tmp_path).ensure())
    built.writer.run_sync(lambda tx: seed_demo(tx, event_id=built.event_id, menu=built.menu))
    yield built
    built.close()


def junk_text(rng: random.Random, size: int) -> str:
    alphabet = "latte for Sam STOP status \x00\x07\r\n\t<>&'\"%+=😀é中\u202e\ud800"
    if size > 100:  # big values by repetition: generating them is not what we measure
        return (junk_text(rng, 100) * (size // 100 + 1))[:size]
    return "".join(rng.choices(alphabet, k=size))


def safe(value: str) -> str:
    return value.encode("utf-8", "surrogatepass").decode("utf-8", "replace")


def random_form(rng: random.Random) -> dict[str, str]:
    params: dict[str, str] = {}
    for name in rng.sample(FIELDS, rng.randint(0, len(FIELDS))):
        size = rng.choice([0, 1, 5, 40, 200, 2000, 2000, 30_000 if rng.random() < 0.1 else 0])
        params[name] = safe(junk_text(rng, size))
    if rng.random() < 0.5:  # many look almost right, so they reach the conversation
        params["MessageSid"] = f"SM{rng.getrandbits(128):032x}"
        params["From"] = f"+614{rng.randrange(10**8):08d}"
    for _ in range(rng.choice([0, 0, 1, 70])):
        params[safe(junk_text(rng, rng.randint(1, 8)))] = safe(junk_text(rng, rng.randint(0, 8)))
    return params


def random_request(rng: random.Random) -> tuple[str, bytes, dict[str, str]]:
    path = rng.choice(["/sms", "/sms", "/sms/status"])
    kind = rng.random()
    params = random_form(rng)
    headers: dict[str, str] = {"Content-Type": TYPES[0]}
    if kind < 0.45:  # a well-formed form, signed correctly
        body = urlencode(params).encode()
        headers["X-Twilio-Signature"] = RequestValidator(TOKEN).compute_signature(
            PUBLIC + path, params
        )
    elif kind < 0.65:  # raw bytes, maybe mis-encoded
        body = rng.randbytes(rng.choice([0, 10, 1000, 70_000]))
        if rng.random() < 0.5:
            body = b"Body=" + quote(body).encode() + b"&From=%ff%fe"
        headers["X-Twilio-Signature"] = rng.choice(["", "abc", "=" * 28, "é"])
    elif kind < 0.85:  # a signature for something else
        body = urlencode(params).encode()
        headers["X-Twilio-Signature"] = RequestValidator("wrong").compute_signature(
            PUBLIC + path, params
        )
    else:  # wrong content type, signature or not
        body = rng.choice([urlencode(params).encode(), b'{"Body": "latte"}', rng.randbytes(50)])
        headers["Content-Type"] = rng.choice(TYPES)
        if rng.random() < 0.5:
            headers["X-Twilio-Signature"] = "bogus"
    return path, body, headers


async def send(client: TestClient, rng: random.Random) -> int:
    path, body, headers = random_request(rng)
    resp = await client.post(path, data=body, headers=headers)
    await resp.read()
    return resp.status


async def test_fuzzed_requests_never_get_a_5xx(
    aiohttp_client: Any, services: OrganiserServices
) -> None:
    client = await aiohttp_client(
        create_webhook_app(services, webhook=WebhookAuth("simulator", TOKEN, PUBLIC))
    )
    rng = random.Random(SEED)
    statuses: Counter[int] = Counter()
    for _ in range(REQUESTS // 25):
        batch = [random.Random(rng.getrandbits(64)) for _ in range(25)]
        statuses.update(await asyncio.gather(*(send(client, r) for r in batch)))
    assert set(statuses) <= ALLOWED, statuses
    assert statuses[200] > 100 and statuses[403] > 100 and statuses[400] > 10, statuses
    # Still serving, and still right.
    assert (await client.get("/health")).status == 200
    params = {"MessageSid": "SM" + "a" * 32, "From": "+61499999999", "Body": "latte for Sam"}
    signature = RequestValidator(TOKEN).compute_signature(PUBLIC + "/sms", params)
    resp = await client.post("/sms", data=params, headers={"X-Twilio-Signature": signature})
    assert resp.status == 200 and "confirmed: latte for Sam" in await resp.text()
