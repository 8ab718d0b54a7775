"""``serve`` as a real process against the fake Twilio: it registers the webhooks and says so,
and a kill -9 in the middle of sending loses and doubles nothing."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import sys
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from functools import partial
from pathlib import Path

import pytest

from expresso_desktop.server.webhook_runtime import build_webhook
from expresso_desktop.services.organiser import OrganiserServices, build_organiser_services
from expresso_desktop.settings import AppPaths
from expresso_desktop.sms.outbound import messages as outbound
from expresso_desktop.sms.outbound.wiring import build_outbound
from tests.conftest import REPO
from tests.sms.fake_twilio import FakeTwilio
from tests.sms.helpers import outbound_rows, put_setting, wait_until

PUBLIC = "https://coffee.example.net"

Serve = Callable[..., Awaitable[tuple[asyncio.subprocess.Process, list[str]]]]


@pytest.fixture
async def serve(tmp_path: Path) -> AsyncIterator[Serve]:
    procs: list[asyncio.subprocess.Process] = []

    async def start(*extra: str) -> tuple[asyncio.subprocess.Process, list[str]]:
        log = (tmp_path / f"serve-{len(procs)}.err").open("w")
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            str(REPO / "main.py"),
            "--data-dir",
            str(tmp_path / "data"),
            "serve",
            "--webhook-port",
            "0",
            # The stations' LAN API is not under test here: loopback, any port, no mDNS.
            "--lan-host",
            "127.0.0.1",
            "--lan-port",
            "0",
            "--no-mdns",
            *extra,
            stdout=asyncio.subprocess.PIPE,
            stderr=log,
            env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        )
        log.close()
        procs.append(proc)
        lines: list[str] = []
        assert proc.stdout is not None
        while not lines or not lines[-1].startswith("Expresso serving"):
            line = await asyncio.wait_for(proc.stdout.readline(), 30)
            if not line:
                raise AssertionError("serve exited: " + "".join(lines) + _stderr(tmp_path))
            lines.append(line.decode())
        return proc, lines

    yield start
    for proc in procs:
        if proc.returncode is None:
            proc.kill()
        await proc.wait()


def _stderr(tmp_path: Path) -> str:
    return "".join(p.read_text() for p in sorted(tmp_path.glob("serve-*.err")))


async def _terminate(proc: asyncio.subprocess.Process) -> int:
    proc.send_signal(signal.SIGTERM)
    return await asyncio.wait_for(proc.wait(), 30)


async def test_serve_sets_the_twilio_webhooks_and_says_so(
    serve: Serve, twilio_env: FakeTwilio
) -> None:
    proc, lines = await serve("--public-url", PUBLIC)
    assert f"Expresso Twilio webhooks set: {PUBLIC}/sms\n" in lines
    [number] = twilio_env.numbers
    assert (number.sms_url, number.status_callback) == (f"{PUBLIC}/sms", f"{PUBLIC}/sms/status")
    assert await _terminate(proc) == 0


async def test_serve_says_clearly_when_it_could_not_set_the_webhooks(
    serve: Serve, twilio_env: FakeTwilio
) -> None:
    twilio_env.numbers.clear()  # the configured number is not in this account
    proc, lines = await serve("--public-url", PUBLIC)
    [line] = [line for line in lines if "webhooks" in line]
    assert line.startswith("Expresso Twilio webhooks NOT set: the number +61400000999 is not")
    assert proc.returncode is None  # still serving: the simulator and the LAN keep working
    assert await _terminate(proc) == 0


@pytest.mark.slow
async def test_kill_9_while_sending_loses_and_doubles_nothing(
    serve: Serve, twilio_env: FakeTwilio, tmp_path: Path
) -> None:
    fake = twilio_env
    fake.response_delay_s = 0.03  # widen the window between Twilio storing and us hearing
    bodies = [f"Order #A{i:03d} is ready" for i in range(1, 41)]
    services = build_organiser_services(AppPaths(tmp_path / "data").ensure())
    try:
        put_setting(services, outbound.SETTING_RATE, 25)
        for i, body in enumerate(bodies):
            work = partial(
                outbound.enqueue,
                to=f"+614000001{i:02d}",
                body=body,
                kind="ready",
                dedupe_key=f"ready:{i}",
            )
            services.writer.run_sync(work)
    finally:
        services.close()

    for kill_after in (8, 20):
        proc, _ = await serve()
        await wait_until(lambda n=kill_after: len(fake.messages) >= n, timeout=30)
        proc.kill()  # SIGKILL: no shutdown code runs
        await proc.wait()
    proc, _ = await serve()
    db = tmp_path / "data" / "organiser.db"
    await wait_until(lambda: _unsent(db) == 0, timeout=60)
    assert await _terminate(proc) == 0

    sent = Counter(fake.bodies())
    assert sorted(sent) == sorted(bodies), "every queued text reached Twilio"
    assert max(sent.values()) == 1, [b for b, n in sent.items() if n > 1]
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        sids = {row[0] for row in conn.execute("SELECT sid FROM sms_messages")}
    assert sids == {m["sid"] for m in fake.messages}


def _unsent(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        query = "SELECT count(*) FROM sms_messages WHERE direction = 'out' AND sid IS NULL"
        return int(conn.execute(query).fetchone()[0])


async def test_signed_status_callbacks_move_a_text_forward_only(
    services: OrganiserServices, twilio_env: FakeTwilio
) -> None:
    """The SMS half of ``serve`` in-process: a text goes out, Twilio's signed callbacks come
    back through the webhook listener (as through a tunnel) and only ever move it forward."""
    put_setting(services, outbound.SETTING_RATE, 50)
    webhook = build_webhook(services, host="127.0.0.1", port=0, public_url=PUBLIC)
    components = [*webhook.components, *build_outbound(services, public_url=PUBLIC).components]
    for component in components:
        await component.start()
    try:
        listener = webhook.listener
        work = partial(outbound.enqueue, to="+61400123456", body="ready", kind="ready")
        services.writer.run_sync(work)
        await wait_until(lambda: twilio_env.messages)
        [message] = twilio_env.messages
        assert twilio_env.sends()[0].form["StatusCallback"] == f"{PUBLIC}/sms/status"

        async def callback(status: str, **kwargs: str) -> int:
            return await twilio_env.send_status_callback(
                listener.url + "/sms/status",
                message["sid"],
                status,
                signed_for=f"{PUBLIC}/sms/status",
                **kwargs,
            )

        assert await callback("delivered") < 300
        assert await callback("sent") < 300  # late and out of order
        forged = await twilio_env.send_status_callback(
            listener.url + "/sms/status", message["sid"], "failed"
        )  # signed for the wrong URL
        assert forged == 403
        [row] = outbound_rows(services)
        assert (row.sid, row.status) == (message["sid"], "delivered")
    finally:
        for component in reversed(components):
            await component.stop()
