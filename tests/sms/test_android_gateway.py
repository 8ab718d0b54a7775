"""The Android phone as the event's gateway, end to end in one process: the webhook listener and
the outbound side as ``serve`` builds them, the real ``android-sms-gateway`` client, and the fake
phone on 127.0.0.1 sending its signed webhooks."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from functools import partial

import pytest
from sqlmodel import select

from expresso_desktop.lifecycle import Component
from expresso_desktop.server.webhook_runtime import Webhook, build_webhook
from expresso_desktop.services import orders
from expresso_desktop.services.changes import ChangeSet
from expresso_desktop.services.demo import seed_demo
from expresso_desktop.services.organiser import OrganiserServices
from expresso_desktop.sms.android_config import load_android_config
from expresso_desktop.sms.android_gateway import UNREACHABLE, AndroidGateway
from expresso_desktop.sms.android_monitor import ALERT_KIND, AndroidPhone
from expresso_desktop.sms.gateway_status import GatewayStatus
from expresso_desktop.sms.outbound import messages as outbound
from expresso_desktop.sms.outbound.sender import OutboundSender, SenderSettings
from expresso_desktop.sms.outbound.wiring import Outbound, build_outbound
from expresso_desktop.store.engine import read_session
from expresso_desktop.store.tables import Order, SmsMessage
from tests.sms.fake_android import FakeAndroid
from tests.sms.fake_clock import FakeClock
from tests.sms.helpers import (
    CUSTOMER_PHONE,
    add_customer,
    add_order,
    outbound_rows,
    put_setting,
    wait_until,
)

KEY = "k" * 43
BODY = "Your flat white is ready"


@pytest.fixture
async def phone(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeAndroid]:
    fake = FakeAndroid()
    await fake.start()
    monkeypatch.setenv("EXPRESSO_SMS_GATEWAY", "android")
    monkeypatch.setenv("EXPRESSO_ANDROID_URL", fake.url)
    monkeypatch.setenv("EXPRESSO_ANDROID_USER", fake.user)
    monkeypatch.setenv("EXPRESSO_ANDROID_PASSWORD", fake.password)
    monkeypatch.setenv("EXPRESSO_ANDROID_SIGNING_KEY", KEY)
    monkeypatch.setenv("EXPRESSO_ANDROID_NUMBER", fake.number)
    yield fake
    await fake.stop()


@dataclass
class Running:
    webhook: Webhook
    outbound: Outbound

    @property
    def url(self) -> str:
        return self.webhook.listener.url + "/android/webhook"


@pytest.fixture
async def running(services: OrganiserServices, phone: FakeAndroid) -> AsyncIterator[Running]:
    put_setting(services, outbound.SETTING_RATE, 50)
    services.writer.run_sync(
        lambda tx: seed_demo(tx, event_id=services.event_id, menu=services.menu)
    )
    webhook = build_webhook(services, host="127.0.0.1", port=0, public_url=None)
    out = build_outbound(  # no undo window: these follow a ready text to the phone at once
        services,
        sweep_interval_s=3600,
        webhook_base=lambda: webhook.listener.url,
        ready_hold=timedelta(0),
    )
    started: list[Component] = []
    for component in (*webhook.components, *out.components):
        await component.start()
        started.append(component)
    yield Running(webhook, out)
    for component in reversed(started):
        await component.stop()


def _orders(services: OrganiserServices) -> list[Order]:
    with read_session(services.engine) as session:
        return list(session.exec(select(Order)).all())


async def test_start_registers_our_signed_webhooks_on_the_phone(
    running: Running, phone: FakeAndroid
) -> None:
    assert running.outbound.phone is not None and running.outbound.phone.webhooks_ok
    assert phone.signing_key == KEY  # ours, not the phone's 8-character default
    assert {h["event"] for h in phone.webhooks.values()} == {
        "sms:received",
        "sms:sent",
        "sms:delivered",
        "sms:failed",
    }
    assert {h["url"] for h in phone.webhooks.values()} == {running.url}
    assert "Phone webhooks set" in (running.outbound.phone.status_line or "")


async def test_an_order_texted_to_the_phone_is_confirmed_through_the_phone(
    services: OrganiserServices, running: Running, phone: FakeAndroid
) -> None:
    assert await phone.receive_sms(CUSTOMER_PHONE, "large oat latte for Sam") == [200]
    replies = await wait_until(lambda: phone.sent_to(CUSTOMER_PHONE))
    assert replies[0].startswith("Order #"), replies
    assert len(_orders(services)) == 1
    # The phone's sms:sent / sms:delivered move the reply forward to delivered.
    await wait_until(lambda: [r.status for r in outbound_rows(services)] == ["delivered"])
    (row,) = outbound_rows(services)
    assert row.kind == "confirmation" and row.sid is not None and row.sid.startswith("AN")


async def test_the_phone_sending_a_webhook_again_makes_no_second_order(
    services: OrganiserServices, running: Running, phone: FakeAndroid
) -> None:
    payload = phone.received_payload(CUSTOMER_PHONE, "flat white for Sam")
    (hook,) = [h for h in phone.webhooks.values() if h["event"] == "sms:received"]
    for _ in range(3):  # each a fresh envelope and signature, as the app's retries are
        body = phone.envelope("sms:received", payload, hook["id"])
        assert await phone.post(running.url, body) == 200
    await wait_until(lambda: len(phone.messages) == 1)
    assert len(_orders(services)) == 1
    assert len(outbound_rows(services)) == 1


async def test_a_sender_that_is_not_a_phone_number_makes_nothing(
    services: OrganiserServices, running: Running, phone: FakeAndroid
) -> None:
    for junk in ("😀", "<script>", "client:sam"):
        assert await phone.receive_sms(junk, "large latte for Sam") == [200]
    assert _orders(services) == [] and outbound_rows(services) == []
    # The same number however the phone spaces it is one customer.
    assert await phone.receive_sms("+61 400 000 777", "latte for Kim") == [200]
    assert await phone.receive_sms("+61400000777", "status") == [200]
    await wait_until(lambda: len(outbound_rows(services)) == 2)
    assert {r.to_number for r in outbound_rows(services)} == {"+61400000777"}
    assert len(_orders(services)) == 1


async def test_forged_and_replayed_webhooks_are_refused(
    services: OrganiserServices, running: Running, phone: FakeAndroid
) -> None:
    body = phone.envelope(
        "sms:received", phone.received_payload(CUSTOMER_PHONE, "latte for Eve"), "x"
    )
    assert await phone.post(running.url, body, key="not-the-key") == 403
    assert await phone.post(running.url, body, timestamp=int(time.time()) - 301) == 403
    assert await phone.post(running.url, body, timestamp=int(time.time()) + 301) == 403
    tampered = body.replace("latte", "mocha")
    now = str(int(time.time()))
    from tests.sms.fake_android import sign

    headers_ok = sign(KEY, body, now)
    # A valid signature over a different body: refused.
    async with phone._session.post(  # type: ignore[union-attr]
        running.url,
        data=tampered.encode(),
        headers={"X-Timestamp": now, "X-Signature": headers_ok},
    ) as resp:
        assert resp.status == 403
    assert _orders(services) == []
    # The genuine request once, then the very same request (a capture) again.
    ts = int(time.time())
    assert await phone.post(running.url, body, timestamp=ts) == 200
    assert await phone.post(running.url, body, timestamp=ts) == 403
    async with phone._session.post(running.url, data=body.encode()) as resp:  # type: ignore[union-attr]
        assert resp.status == 403  # unsigned
    assert len(_orders(services)) == 1


async def test_a_ready_text_goes_out_through_the_phone(
    services: OrganiserServices, running: Running, phone: FakeAndroid
) -> None:
    order_id = add_order(services, add_customer(services))
    services.writer.run_sync(partial(orders.mark_ready, order_id=order_id))
    (text,) = await wait_until(lambda: phone.sent_to(CUSTOMER_PHONE))
    assert "ready" in text
    await wait_until(lambda: [r.status for r in outbound_rows(services)] == ["delivered"])


async def test_an_opted_out_customer_gets_no_ready_text(
    services: OrganiserServices, running: Running, phone: FakeAndroid
) -> None:
    assert await phone.receive_sms(CUSTOMER_PHONE, "STOP") == [200]
    await wait_until(lambda: all(r.status != "pending" for r in outbound_rows(services)))
    before = phone.sent_to(CUSTOMER_PHONE)
    with read_session(services.engine) as session:
        customer_id = session.exec(select(SmsMessage.customer_id)).first()
    order_id = add_order(services, customer_id)
    services.writer.run_sync(partial(orders.mark_ready, order_id=order_id))
    await wait_until(lambda: any(r.kind == "ready" for r in outbound_rows(services)))
    (ready,) = [r for r in outbound_rows(services) if r.kind == "ready"]
    assert ready.status == outbound.SKIPPED_OPTED_OUT
    assert phone.sent_to(CUSTOMER_PHONE) == before


async def test_a_failed_text_is_marked_failed(
    services: OrganiserServices, running: Running, phone: FakeAndroid
) -> None:
    phone.auto_report = False
    order_id = add_order(services, add_customer(services))
    services.writer.run_sync(partial(orders.mark_ready, order_id=order_id))
    await wait_until(lambda: phone.messages)
    message_id = phone.messages[0]["id"]
    await phone.emit("sms:failed", {"messageId": message_id, "reason": "RESULT_ERROR_NO_SERVICE"})
    await phone.emit("sms:sent", {"messageId": message_id})  # late: stays failed
    await wait_until(lambda: [r.status for r in outbound_rows(services)] == ["failed"])
    assert outbound_rows(services)[0].error_code == "phone_failed"


async def test_phone_down_texts_wait_then_go_out_once_when_it_is_back(
    services: OrganiserServices, phone: FakeAndroid
) -> None:
    put_setting(services, outbound.SETTING_RATE, 50)
    config = load_android_config()
    assert config is not None
    gateway = AndroidGateway(config)
    clock = FakeClock()
    alerts: list[str] = []

    def on_commit(changes: ChangeSet) -> None:
        alerts.extend(a.kind for a in changes.alerts)

    unsubscribe = services.bus.subscribe(on_commit)
    # One attempt only: the sender gives up at once, and the phone's return revives the text.
    sender = OutboundSender(
        services.writer, gateway, SenderSettings(max_attempts=1, idle_poll_s=60), clock=clock
    )
    watcher = AndroidPhone(
        gateway, services.writer, lambda: None, probe_interval_s=30, clock=FakeClock()
    )
    await sender.start()
    await watcher.start()
    try:
        assert watcher.health is not None and watcher.health.reachable
        await phone.take_down()
        text = partial(outbound.enqueue, to=CUSTOMER_PHONE, body=BODY, kind="reply")
        services.writer.run_sync(text)
        await wait_until(lambda: [r.status for r in outbound_rows(services)] == ["failed"])
        assert outbound_rows(services)[0].error_code == UNREACHABLE
        await watcher.probe()
        assert alerts == [ALERT_KIND]
        status = GatewayStatus(services.engine).phone()
        assert status.reachable is False and "NOT ANSWERING" in status.text
        await phone.bring_up()
        await watcher.probe()
        # No listener here for the phone's delivery reports: "queued" is the phone's answer.
        await wait_until(lambda: [r.status for r in outbound_rows(services)] == ["queued"])
        assert phone.sent_to(CUSTOMER_PHONE) == [BODY]
        assert GatewayStatus(services.engine).phone().reachable is True
    finally:
        unsubscribe()
        await watcher.stop()
        await sender.stop()


async def test_registration_says_clearly_when_the_phone_refuses_the_url(
    services: OrganiserServices, phone: FakeAndroid
) -> None:
    config = load_android_config()
    assert config is not None
    gateway = AndroidGateway(config)
    watcher = AndroidPhone(gateway, services.writer, lambda: "http://192.168.1.5:8787")
    await watcher.start()
    try:
        assert watcher.webhooks_ok is False
        assert "NOT set" in (watcher.status_line or "") and "https://" in (
            watcher.status_line or ""
        )
    finally:
        await watcher.stop()
        await gateway.close()
