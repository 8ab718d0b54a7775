"""The crash trial with the phone as the gateway: a real ``serve`` process killed with SIGKILL in
the middle of a storm of signed ``sms:received`` webhooks from the fake phone, again and again.
Every text the phone got a 200 for has its order after the restart, none has two, and the texts the
phone never heard back about (it sends them again, freshly signed, as the app does) make one
order each."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from expresso_desktop.sms.android_inbound import inbound_sid
from tests.conftest import REPO
from tests.sms.fake_android import FakeAndroid
from tests.throttle import without_throttle

ROUNDS = 3
ACKS_BEFORE_KILL = 30
WORKERS = 6
KEY = "crash-trial-signing-key-0123456789"


@asynccontextmanager
async def serve(data: Path, phone: FakeAndroid) -> AsyncIterator[tuple[Any, str]]:
    log = (data.parent / "serve.log").open("ab")
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "EXPRESSO_SMS_GATEWAY": "android",
        "EXPRESSO_ANDROID_URL": phone.url,
        "EXPRESSO_ANDROID_USER": phone.user,
        "EXPRESSO_ANDROID_PASSWORD": phone.password,
        "EXPRESSO_ANDROID_SIGNING_KEY": KEY,
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        str(REPO / "main.py"),
        "--data-dir",
        str(data),
        "serve",
        "--demo",
        "--webhook-port",
        "0",
        "--lan-host",
        "127.0.0.1",
        "--lan-port",
        "0",
        "--no-mdns",
        stdout=asyncio.subprocess.PIPE,
        stderr=log,
        env=env,
    )
    try:
        assert proc.stdout is not None
        lines: list[str] = []
        while not lines or "serving" not in lines[-1]:
            line = (await asyncio.wait_for(proc.stdout.readline(), 30)).decode()
            assert line, "serve exited early:\n" + "".join(lines)
            lines.append(line)
        assert any("Phone webhooks set" in line for line in lines), lines
        (hook,) = [h for h in phone.webhooks.values() if h["event"] == "sms:received"]
        yield proc, hook["url"]
    finally:
        if proc.returncode is None:
            proc.kill()
        await proc.wait()
        log.close()


@pytest.mark.slow
async def test_kill_9_mid_storm_of_phone_webhooks(tmp_path: Path) -> None:
    phone = FakeAndroid(auto_report=False)
    await phone.start()
    data = tmp_path / "data"
    without_throttle(data)
    names = iter(["Sam", "Priya", "Alex", "Mia", "Jo", "Hilary", "Yoshi", "Tom", "Lee"] * 1000)
    numbers = iter(range(10_000_000))
    acked: dict[str, dict[str, Any]] = {}  # our sid -> payload
    unanswered: dict[str, dict[str, Any]] = {}
    cut_off = 0

    async def deliver(url: str, payload: dict[str, Any]) -> int:
        return await phone.post(url, phone.envelope("sms:received", payload, "expresso"))

    async def worker(url: str, stop: asyncio.Event) -> None:
        while not stop.is_set():
            payload = phone.received_payload(f"+614{next(numbers):08d}", f"latte for {next(names)}")
            sid = inbound_sid(payload["messageId"], payload["sender"])
            unanswered[sid] = payload
            status = await deliver(url, payload)
            if status == 0:
                return  # the server is gone
            assert status == 200, status
            acked[sid] = payload
            del unanswered[sid]

    try:
        for _ in range(ROUNDS):
            async with serve(data, phone) as (proc, url):
                # The phone retries what we never answered; redeliveries of answered texts
                # change nothing.
                for sid, payload in list(unanswered.items()):
                    assert await deliver(url, payload) == 200
                    acked[sid] = payload
                    del unanswered[sid]
                for payload in list(acked.values())[:10]:
                    assert await deliver(url, payload) == 200
                stop = asyncio.Event()
                before = len(acked)
                workers = [asyncio.create_task(worker(url, stop)) for _ in range(WORKERS)]
                deadline = asyncio.get_running_loop().time() + 30
                while len(acked) < before + ACKS_BEFORE_KILL:
                    assert asyncio.get_running_loop().time() < deadline, "the storm stalled"
                    assert proc.returncode is None and not any(w.done() for w in workers)
                    await asyncio.sleep(0.005)
                proc.kill()  # SIGKILL, with requests in flight
                await proc.wait()
                stop.set()
                await asyncio.gather(*workers)
                cut_off += len(unanswered)

        async with serve(data, phone) as (_, url):
            for sid, payload in list(unanswered.items()):
                assert await deliver(url, payload) == 200
                acked[sid] = payload
    finally:
        await phone.stop()

    db = sqlite3.connect(data / "organiser.db")
    try:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        inbound = dict(
            db.execute(
                "SELECT m.sid, m.order_id FROM sms_messages m WHERE m.direction = 'in'"
            ).fetchall()
        )
        order_count = db.execute("SELECT count(*) FROM orders").fetchone()[0]
        replies = db.execute(
            "SELECT count(*), count(DISTINCT dedupe_key) FROM sms_messages "
            "WHERE direction = 'out' AND dedupe_key LIKE 'reply:ANin-%'"
        ).fetchone()
    finally:
        db.close()
    assert len(acked) >= ROUNDS * ACKS_BEFORE_KILL
    assert cut_off > 0  # the kills really landed mid-storm
    assert set(acked) <= set(inbound)  # nothing the phone was told we have is lost
    assert all(inbound[sid] for sid in acked)  # and each made its order
    assert order_count == len(inbound) == len(acked)  # one order per text, and only those
    assert replies[0] == replies[1] == len(acked)  # one confirmation each, queued for the phone
