"""``POST /sms`` and ``POST /sms/status`` through the real app factory, signed exactly as Twilio
signs (twilio's own RequestValidator) for the configured public URL."""

from __future__ import annotations

import asyncio
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlparse

import pytest
from aiohttp.test_utils import TestClient
from multidict import MultiDict
from sqlmodel import func, select
from twilio.request_validator import HMAC_SHA256, RequestValidator, add_port, remove_port

from expresso_desktop.errors import KnownError
from expresso_desktop.server import webhook
from expresso_desktop.server.app import create_webhook_app
from expresso_desktop.server.webhook import WebhookAuth, resolve_auth
from expresso_desktop.services.demo import seed_demo
from expresso_desktop.services.organiser import OrganiserServices, build_organiser_services
from expresso_desktop.settings import AppPaths
from expresso_desktop.sms.credentials import TwilioConfig
from expresso_desktop.sms.outbound import messages as outbound
from expresso_desktop.store.engine import read_session
from expresso_desktop.store.tables import Customer, Order, SmsMessage
from tests.sms.helpers import wait_until

TOKEN = "0123456789abcdef0123456789abcdef"  # a made-up auth token
PUBLIC = "https://coffee.example.com/hooks"  # what Twilio calls; the tunnel forwards to us
PHONE = "+61400000001"
_sids = iter(range(1, 1_000_000))


@pytest.fixture
def services(tmp_path: Path) -> Iterator[OrganiserServices]:
    built = build_organiser_services(AppPaths(tmp_path).ensure())
    built.writer.run_sync(lambda tx: seed_demo(tx, event_id=built.event_id, menu=built.menu))
    yield built
    built.close()


@pytest.fixture
async def client(aiohttp_client: Any, services: OrganiserServices) -> AsyncIterator[TestClient]:
    auth = WebhookAuth("twilio", TOKEN, PUBLIC)
    yield await aiohttp_client(create_webhook_app(services, webhook=auth))


def form(body: str, *, phone: str = PHONE, sid: str | None = None) -> dict[str, str]:
    sid = sid or f"SM{next(_sids):032x}"
    return {
        "MessageSid": sid,
        "SmsSid": sid,
        "AccountSid": "AC" + "0" * 32,
        "MessagingServiceSid": "",
        "From": phone,
        "To": "+61400000999",
        "Body": body,
        "NumMedia": "0",
        "NumSegments": "1",
    }


def signature(params: dict[str, str], path: str = "/sms", url: str = PUBLIC, **kw: Any) -> str:
    return str(RequestValidator(TOKEN).compute_signature(url + path, params, **kw))


async def post(
    client: TestClient, params: dict[str, str], path: str = "/sms", **headers: str
) -> tuple[int, str]:
    headers.setdefault("X-Twilio-Signature", signature(params, path))
    resp = await client.post(path, data=params, headers=headers)
    return resp.status, await resp.text()


async def text(client: TestClient, body: str, **kw: Any) -> str | None:
    status, twiml = await post(client, form(body, **kw))
    assert status == 200, twiml
    messages = [m.text or "" for m in ET.fromstring(twiml).iter("Message")]
    assert len(messages) <= 1
    return messages[0] if messages else None


def count(services: OrganiserServices, model: Any) -> int:
    with read_session(services.engine) as session:
        return int(session.exec(select(func.count()).select_from(model)).one())


async def test_signed_one_shot_order_is_stored_and_confirmed_in_twiml(
    client: TestClient, services: OrganiserServices
) -> None:
    params = form("large oat flat white for Sam at station 2")
    resp = await client.post("/sms", data=params, headers={"X-Twilio-Signature": signature(params)})
    assert resp.status == 200
    assert resp.content_type == "text/xml"
    body = await resp.text()
    assert body.startswith('<?xml version="1.0" encoding="UTF-8"?><Response><Message>')
    reply = ET.fromstring(body).find("Message")
    assert reply is not None and reply.text is not None
    assert reply.text.startswith("Order #A001 confirmed: large oat flat white for Sam. Station 2")
    with read_session(services.engine) as session:
        (order,) = session.exec(select(Order)).all()
        inbound = session.exec(select(SmsMessage).where(SmsMessage.sid == params["MessageSid"]))
        (row,) = inbound.all()
    assert (order.number, order.customer_name) == ("A001", "Sam")
    assert (row.direction, row.body, row.order_id) == ("in", params["Body"], order.id)


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Twilio-Signature": ""},
        {"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"},
        {"X-Twilio-Signature": "ünïcode"},
    ],
)
async def test_missing_or_wrong_signature_is_403_and_stores_nothing(
    client: TestClient, services: OrganiserServices, headers: dict[str, str]
) -> None:
    resp = await client.post("/sms", data=form("latte for Sam"), headers=headers)
    assert resp.status == 403
    for model in (SmsMessage, Customer, Order):
        assert count(services, model) == 0


async def test_only_the_configured_public_url_is_trusted(
    client: TestClient, services: OrganiserServices
) -> None:
    params = form("latte for Sam")
    own_url = str(client.make_url("")).rstrip("/")
    forged = signature(params, url=own_url)  # signed for the URL the request arrived on
    forwarded = {"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "http", "Host": "x"}
    assert (await post(client, params, **{"X-Twilio-Signature": forged}))[0] == 403
    evil = signature(params, url="http://evil.example")
    status, _ = await post(client, params, **{"X-Twilio-Signature": evil}, **forwarded)
    assert status == 403
    tampered = dict(params, Body="10 lattes for Sam")
    assert (await post(client, tampered, **{"X-Twilio-Signature": signature(params)}))[0] == 403
    dropped = {k: v for k, v in params.items() if k != "MessagingServiceSid"}  # an empty field
    assert (await post(client, dropped, **{"X-Twilio-Signature": signature(params)}))[0] == 403
    assert count(services, SmsMessage) == 0
    assert (await post(client, params))[0] == 200


async def test_sha256_signatures_are_accepted(client: TestClient) -> None:
    params = form("latte for Sam")
    headers = {
        "X-Twilio-Signature": signature(params, algorithm=HMAC_SHA256),
        "X-Twilio-Webhooks-Signature-Settings": "key=k1,algorithm=HMAC_SHA256",
    }
    assert (await post(client, params, **headers))[0] == 200
    headers["X-Twilio-Webhooks-Signature-Settings"] = "algorithm=HMAC_MD5"
    assert (await post(client, form("latte"), **headers))[0] == 403


async def test_replayed_message_sid_returns_the_same_reply_and_creates_nothing(
    client: TestClient, services: OrganiserServices
) -> None:
    params = form("flat white for Sam")
    first = await post(client, params)
    again = await post(client, params)
    concurrent = await asyncio.gather(*(post(client, params) for _ in range(5)))
    assert first[0] == 200 and "Order #A001" in first[1]
    assert {again, *concurrent} == {first}
    fresh = form("flat white for Sam")
    together = await asyncio.gather(post(client, fresh), post(client, fresh))
    assert together[0] == together[1] and "Order #A002" in together[0][1]
    assert count(services, Order) == 2
    assert count(services, SmsMessage) == 4  # two texts in, two replies out


async def test_the_conversation_through_the_webhook(
    client: TestClient, services: OrganiserServices
) -> None:
    assert "What name" in (await text(client, "large latte") or "")
    assert "large latte for Sam" in (await text(client, "Sam") or "")
    assert "for Sam" in (await text(client, "cappuccino") or "")
    assert "is in the queue" in (await text(client, "STATUS") or "")
    assert "is cancelled" in (await text(client, "CANCEL ORDER") or "")
    assert (await text(client, "MENU") or "").startswith("Menu: latte, cappuccino")
    assert "CANCEL ORDER" in (await text(client, "HELP") or "")
    assert "Order #A003 confirmed: cappuccino for Sam" in (await text(client, "USUAL") or "")
    assert "didn't catch" in (await text(client, "??? zzz") or "")
    assert count(services, Order) == 3
    other = "+61400000002"
    assert await text(client, "STOP", phone=other) is None
    for _ in range(12):  # an opted-out number hears nothing, not even "slow down"
        assert await text(client, "latte for Jo", phone=other) is None
    assert "subscribed again" in (await text(client, "START", phone=other) or "")
    assert count(services, Order) == 3


async def test_flood_limit_is_one_slow_down_then_silence_but_always_200(
    client: TestClient, services: OrganiserServices
) -> None:
    replies = [await text(client, "hello", phone="+61400000077") for _ in range(13)]
    assert all(r and r.startswith("Hi!") for r in replies[:10])
    assert replies[10] is not None and "very fast" in replies[10]
    assert replies[11:] == [None, None]
    assert await text(client, "hello", phone="+61400000078") is not None


async def test_only_health_and_the_webhooks_are_exposed(client: TestClient) -> None:
    assert (await client.get("/health")).status == 200
    for path in ("/", "/api/orders", "/sms/", "/sms/statusx", "/ws", "/admin", "/simulator"):
        assert (await client.get(path)).status == 404, path
        assert (await client.post(path, data={})).status == 404, path
    assert (await client.get("/sms")).status == 405


async def test_status_callbacks_move_outbound_messages_forward(
    client: TestClient, services: OrganiserServices
) -> None:
    def queue(tx: Any) -> None:
        row = outbound.enqueue(tx, to=PHONE, body="ready!", kind="ready", dedupe_key="k")
        assert row is not None
        row.sid, row.status = "SM" + "f" * 32, "queued"
        tx.session.add(row)

    services.writer.run_sync(queue)
    sid = "SM" + "f" * 32
    for status in ("delivered", "sent"):  # out of order: "sent" must not undo "delivered"
        params = {"MessageSid": sid, "MessageStatus": status, "AccountSid": "AC" + "0" * 32}
        assert (await post(client, params, "/sms/status"))[0] == 204
    with read_session(services.engine) as session:
        row = session.exec(select(SmsMessage).where(SmsMessage.sid == sid)).one()
    assert row.status == "delivered"
    unknown = {"MessageSid": "SMnope", "MessageStatus": "sent"}
    assert (await post(client, unknown, "/sms/status"))[0] == 204
    assert (await post(client, {"MessageSid": sid}, "/sms/status"))[0] == 400
    forged = await post(client, unknown, "/sms/status", **{"X-Twilio-Signature": "x"})
    assert forged[0] == 403


async def test_a_slow_reply_follows_as_a_queued_text(
    client: TestClient, services: OrganiserServices, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(webhook, "REPLY_DEADLINE_S", 0.0)
    params = form("latte for Sam")
    status, twiml = await post(client, params)
    assert status == 200 and "<Message>" not in twiml

    def queued() -> list[SmsMessage]:
        with read_session(services.engine) as session:
            key = f"late-reply:{params['MessageSid']}"
            return list(session.exec(select(SmsMessage).where(SmsMessage.dedupe_key == key)))

    (late,) = await wait_until(queued, bus=services.bus)  # queued in a commit after the reply
    assert late.status == outbound.PENDING and late.body.startswith("Order #A001 confirmed")


async def test_malformed_requests_are_4xx(client: TestClient, services: OrganiserServices) -> None:
    good = form("latte")
    raw_cases: list[tuple[bytes, str]] = [
        (b"\xff\xfe\x00garbage", "application/x-www-form-urlencoded"),
        (b"Body=%ff%fe&From=%2B614", "application/x-www-form-urlencoded"),
        (urlencode(good).encode(), "application/json"),
        (b'{"Body": "latte"}', "application/json"),
        (b"x" * 70_000, "application/x-www-form-urlencoded"),
        ("&".join(f"f{i}=1" for i in range(100)).encode(), "application/x-www-form-urlencoded"),
    ]
    for raw, ctype in raw_cases:
        resp = await client.post(
            "/sms", data=raw, headers={"Content-Type": ctype, "X-Twilio-Signature": "abc"}
        )
        assert 400 <= resp.status < 500, (raw[:40], resp.status)
    missing = {k: v for k, v in good.items() if k != "From"}
    assert (await post(client, missing))[0] == 400
    no_sid = {k: v for k, v in good.items() if k not in ("MessageSid", "SmsSid")}
    assert (await post(client, no_sid))[0] == 400
    assert count(services, SmsMessage) == 0
    no_body = {k: v for k, v in good.items() if k != "Body"}
    assert (await post(client, no_body))[0] == 200  # an MMS with no text: still answered


def test_twilio_without_an_auth_token_refuses_to_start(tmp_path: Path) -> None:
    key_only = TwilioConfig(
        account_sid="AC" + "1" * 32, number="+61400000999", api_key="SK" + "2" * 32, api_secret="s"
    )
    with pytest.raises(KnownError, match="without an auth token"):
        resolve_auth(tmp_path, key_only, PUBLIC)
    full = TwilioConfig(account_sid="AC" + "1" * 32, number="+61400000999", auth_token=TOKEN)
    auth = resolve_auth(tmp_path, full, PUBLIC)
    assert (auth.mode, auth.token, auth.public_url) == ("twilio", TOKEN, PUBLIC)
    assert not (tmp_path / "simulator.secret").exists()
    sim = resolve_auth(tmp_path, None, None)
    assert sim.mode == "simulator" and sim.token == (tmp_path / "simulator.secret").read_text()
    assert (tmp_path / "simulator.secret").stat().st_mode & 0o077 == 0
    assert resolve_auth(tmp_path, None, None).token == sim.token  # made once, then kept


async def test_without_auth_every_sms_request_is_refused(
    aiohttp_client: Any, services: OrganiserServices
) -> None:
    client = await aiohttp_client(create_webhook_app(services))
    assert (await post(client, form("latte for Sam")))[0] == 403
    unknown_url = await aiohttp_client(
        create_webhook_app(services, webhook=WebhookAuth("twilio", TOKEN))
    )
    assert (await post(unknown_url, form("latte for Sam")))[0] == 403
    assert count(services, SmsMessage) == 0


@pytest.mark.parametrize(
    "sender",
    ["😀", "<script>", "client:sam", "   ", "0400 000 001", "whatsapp:+61400000001", "+0400000001"],
)
async def test_a_sender_that_is_not_a_phone_number_is_refused_politely(
    client: TestClient, services: OrganiserServices, sender: str
) -> None:
    assert await text(client, "large latte for Sam", phone=sender) == webhook.NOT_A_PHONE_REPLY
    for model in (SmsMessage, Customer, Order):
        assert count(services, model) == 0


async def test_a_spaced_number_is_the_same_customer(
    client: TestClient, services: OrganiserServices
) -> None:
    assert "Order #A001" in (await text(client, "latte for Sam", phone="+61 400 000 001") or "")
    assert "Order #A002" in (await text(client, "mocha for Sam", phone=PHONE) or "")
    with read_session(services.engine) as session:
        (customer,) = session.exec(select(Customer)).all()
        numbers = {
            row.from_number for row in session.exec(select(SmsMessage)) if row.direction == "in"
        }
    assert customer.phone == PHONE and numbers == {PHONE}


def test_signatures_are_checked_as_twilio_checks_them() -> None:
    # ``WebhookAuth.valid`` does less work per request than Twilio's validator (the URL's
    # forms worked out once, one signature in the usual case): it must answer the same.
    auth = WebhookAuth("twilio", TOKEN)
    twilio = RequestValidator(TOKEN)
    params = MultiDict(form("latte for Sam") | {"Extra": "b"})
    params.add("Extra", "a")
    urls = (
        "https://hooks.example.com/sms",
        "https://hooks.example.com:443/sms",
        "http://127.0.0.1:8080/sms?x=1&y=%20",
    )
    for url in urls:
        for signed_for in {url, remove_port(urlparse(url)), add_port(urlparse(url))}:
            for algorithm in ("HMAC_SHA1", HMAC_SHA256):
                good = twilio.compute_signature(signed_for, params, algorithm)
                for signature in (good, good[:-2] + "xx", "", "é" + good):
                    expected = twilio.validate(url, params, signature, algorithm)
                    assert auth.valid(url, params, signature, algorithm) == expected
        assert not auth.valid(url, params, "x", "HMAC_MD5")  # not an algorithm Twilio has
