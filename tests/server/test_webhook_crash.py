"""A real ``serve`` process killed with SIGKILL in the middle of a webhook storm, again and again:
every text that got a 200 has its order after the restart, none has two, and the database is
intact. Texts whose answer was lost are retried (as Twilio would) and still make one order each."""

from __future__ import annotations

import asyncio
import os
import re
import sqlite3
import sys
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
import pytest

from expresso_desktop.sms.simulator import SIGNATURE_HEADER, Target, sign, twilio_form
from tests.throttle import without_throttle

REPO = Path(__file__).resolve().parents[2]
ROUNDS = 3
ACKS_BEFORE_KILL = 40
WORKERS = 8
LAN_OFF = ("--lan-host", "127.0.0.1", "--lan-port", "0", "--no-mdns")  # not under test here


@asynccontextmanager
async def serve(data: Path) -> AsyncIterator[asyncio.subprocess.Process]:
    log = (data.parent / "serve.log").open("ab")
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        str(REPO / "main.py"),
        "--data-dir",
        str(data),
        "serve",
        "--demo",
        "--webhook-port",
        "0",
        *LAN_OFF,
        stdout=asyncio.subprocess.PIPE,
        stderr=log,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    try:
        assert proc.stdout is not None
        lines = []
        while not lines or "serving" not in lines[-1]:
            line = (await asyncio.wait_for(proc.stdout.readline(), 30)).decode()
            assert line, "serve exited early:\n" + "".join(lines)
            lines.append(line)
        assert re.search(r"webhook on http://127\.0\.0\.1:\d+", "".join(lines))
        yield proc
    finally:
        if proc.returncode is None:
            proc.kill()
        await proc.wait()
        log.close()


async def post(
    session: aiohttp.ClientSession, target: Target, params: dict[str, str]
) -> tuple[int, str | None]:
    headers = {SIGNATURE_HEADER: sign(target.secret, target.public_url + "/sms", params)}
    async with session.post(target.url + "/sms", data=params, headers=headers) as resp:
        body = await resp.text()
        if resp.status != 200:
            return resp.status, None
        messages = [m.text or "" for m in ET.fromstring(body).iter("Message")]
        return 200, messages[0] if messages else ""


@pytest.mark.slow
async def test_kill_9_mid_storm_loses_nothing_acknowledged_and_doubles_nothing(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    without_throttle(data)
    names = iter(["Sam", "Priya", "Alex", "Mia", "Jo", "Hilary", "Yoshi", "Tom", "Lee"] * 1000)
    phones = iter(range(10_000_000))
    acked: dict[str, tuple[dict[str, str], str]] = {}  # sid -> (form, reply)
    unanswered: dict[str, dict[str, str]] = {}
    timeout = aiohttp.ClientTimeout(total=10)
    cut_off = 0  # requests in flight when the process died

    async def worker(session: aiohttp.ClientSession, target: Target, stop: asyncio.Event) -> None:
        while not stop.is_set():
            params = twilio_form(f"+614{next(phones):08d}", f"latte for {next(names)}")
            unanswered[params["MessageSid"]] = params
            try:
                status, reply = await post(session, target, params)
            except (aiohttp.ClientError, TimeoutError):
                return  # the server is gone
            assert status == 200
            assert reply is not None and reply.startswith("Order #"), reply
            acked[params["MessageSid"]] = (params, reply)
            del unanswered[params["MessageSid"]]

    for _ in range(ROUNDS):
        async with serve(data) as proc, aiohttp.ClientSession(timeout=timeout) as session:
            target = Target.for_data_dir(data)
            # Twilio retries what we never answered; replays of answered texts change nothing.
            for params in list(unanswered.values()):
                status, reply = await post(session, target, params)
                assert status == 200 and reply and reply.startswith("Order #")
                acked[params["MessageSid"]] = (params, reply)
                del unanswered[params["MessageSid"]]
            for params, reply in list(acked.values())[:10]:
                assert await post(session, target, params) == (200, reply)
            stop = asyncio.Event()
            before = len(acked)
            workers = [asyncio.create_task(worker(session, target, stop)) for _ in range(WORKERS)]
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

    async with serve(data), aiohttp.ClientSession(timeout=timeout) as session:
        target = Target.for_data_dir(data)
        for params in list(unanswered.values()):
            status, reply = await post(session, target, params)
            assert status == 200 and reply
            acked[params["MessageSid"]] = (params, reply)
        for params, reply in acked.values():
            assert await post(session, target, params) == (200, reply)

    db = sqlite3.connect(data / "organiser.db")
    try:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        rows = db.execute(
            "SELECT m.sid, o.number FROM sms_messages m JOIN orders o ON o.id = m.order_id "
            "WHERE m.direction = 'in'"
        ).fetchall()
        order_count = db.execute("SELECT count(*) FROM orders").fetchone()[0]
        per_phone = db.execute(
            "SELECT max(n) FROM (SELECT count(*) AS n FROM orders GROUP BY customer_id)"
        ).fetchone()[0]
    finally:
        db.close()
    numbers = dict(rows)
    assert len(acked) >= ROUNDS * ACKS_BEFORE_KILL
    assert cut_off > 0  # the kills really landed mid-storm
    for sid, (_, reply) in acked.items():
        assert reply.startswith(f"Order #{numbers[sid]} confirmed"), (sid, reply)
    assert order_count == len(rows) == len(acked)  # one order per text, and only those
    assert per_phone == 1
