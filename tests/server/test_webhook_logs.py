"""What a caller can make the webhook write to the organiser's log: a raw-socket client that
sends a signed-looking request's headers and hangs up before the body, many times over, through
the real app factory, the real listener and the real logging set-up (``logs.configure_logging``:
the rotating file under the data folder). The LAN API's public route (``/pair``) too."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from expresso_desktop.logs import LOG_FILE, configure_logging
from expresso_desktop.server.api_devices import LanInfo
from expresso_desktop.server.app import create_lan_app, create_webhook_app
from expresso_desktop.server.components import HttpListener
from expresso_desktop.server.webhook import WebhookAuth
from expresso_desktop.services.organiser import OrganiserServices, build_organiser_services
from expresso_desktop.settings import AppPaths
from tests.sms.helpers import notify, wait_until

HANG_UPS = 300
HEADERS = (
    b"POST /sms HTTP/1.1\r\nHost: coffee.example.com\r\nX-Twilio-Signature: abc\r\n"
    b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 500\r\n"
    b"Expect: 100-continue\r\n\r\n"
)
PAIR_HEADERS = (
    b"POST /api/v1/pair HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
    b"Content-Length: 500\r\nExpect: 100-continue\r\n\r\n"
)


@pytest.fixture
def services(tmp_path: Path) -> Iterator[OrganiserServices]:
    built = build_organiser_services(AppPaths(tmp_path / "organiser").ensure())
    yield built
    built.close()


@pytest.fixture
def logging_to(tmp_path: Path) -> Iterator[Any]:
    """``configure_logging`` as the CLI calls it; pytest's own handlers put back afterwards."""
    root = logging.getLogger()
    saved = list(root.handlers), root.level, logging.getLogger("aiohttp.access").level

    def configure(verbose: bool) -> Path:
        configure_logging(tmp_path / "logs", verbose=verbose)
        return tmp_path / "logs" / LOG_FILE

    yield configure
    for handler in list(root.handlers):
        root.removeHandler(handler)
        handler.close()
    for handler in saved[0]:
        root.addHandler(handler)
    root.setLevel(saved[1])
    logging.getLogger("aiohttp.access").setLevel(saved[2])


@dataclass
class Listener:
    host: str
    port: int
    answered: list[int]  # the status of every response, once its handler has logged


@pytest.fixture
async def listener(services: OrganiserServices) -> AsyncIterator[Listener]:
    """The webhook as ``serve`` runs it (``HttpListener``: no access log, handlers not
    cancelled when their client goes; aiohttp's test server differs on both)."""
    app = create_webhook_app(
        services, webhook=WebhookAuth("twilio", "0" * 32, "https://coffee.example.com")
    )
    async with listening(app) as running:
        yield running


@pytest.fixture
async def lan_listener(services: OrganiserServices) -> AsyncIterator[Listener]:
    """The LAN API's app (plain HTTP here: TLS is not what is under test)."""
    async with listening(create_lan_app(services, LanInfo("https://127.0.0.1:1", "AB"))) as lan:
        yield lan


@asynccontextmanager
async def listening(app: web.Application) -> AsyncIterator[Listener]:
    answered: list[int] = []

    async def count(_request: web.Request, response: web.StreamResponse) -> None:
        answered.append(response.status)
        notify()

    app.on_response_prepare.append(count)
    http = HttpListener("webhook", app, "127.0.0.1", 0)
    await http.start()
    assert http.bound_port is not None
    yield Listener("127.0.0.1", http.bound_port, answered)
    await http.stop()


async def hang_up_before_the_body(
    listener: Listener, headers: bytes = HEADERS, start: bytes = b"From=%2B61"
) -> None:
    reader, writer = await asyncio.open_connection(listener.host, listener.port)
    writer.write(headers)
    # "100 Continue": the handler has the request and waits for its body. Hang up now, as
    # a client over a real network does (one that hangs up sooner is dropped by aiohttp).
    assert (await reader.readline()).startswith(b"HTTP/1.1 100")
    writer.write(start)
    writer.close()
    await writer.wait_closed()


def flush() -> None:
    for handler in logging.getLogger().handlers:
        handler.flush()


@pytest.mark.parametrize("verbose", [False, True], ids=["normal", "verbose"])
async def test_clients_hanging_up_before_the_body_do_not_flood_the_log(
    listener: Listener, logging_to: Any, verbose: bool
) -> None:
    log_file: Path = logging_to(verbose)
    flush()
    before = log_file.stat().st_size
    for _ in range(HANG_UPS):
        await hang_up_before_the_body(listener)
    await wait_until(lambda: len(listener.answered) >= HANG_UPS)
    flush()
    with log_file.open(encoding="utf-8") as fh:
        fh.seek(before)
        written = fh.read()
    ours = [line for line in written.splitlines() if "expresso_desktop" in line]
    assert "Traceback" not in written and " ERROR " not in written, written[:2000]
    if verbose:  # one debug line per hang-up, and only the bucket's burst of them
        assert 1 <= len(ours) <= 5, ours
        assert all(" DEBUG expresso_desktop.server.webhook: a client hung up" in x for x in ours)
    else:
        assert written == ""  # was 1.1 kB of ERROR traceback per hang-up


async def test_refusals_are_logged_a_few_times_per_source_then_summed_up(
    listener: Listener, logging_to: Any
) -> None:
    log_file: Path = logging_to(False)
    url = f"http://{listener.host}:{listener.port}/sms"
    async with aiohttp.ClientSession() as session:
        for _ in range(50):
            async with session.post(url, data={"From": "+61400000001"}) as resp:  # unsigned
                assert resp.status == 403
    flush()
    lines = [x for x in log_file.read_text().splitlines() if "refused an unsigned" in x]
    assert len(lines) == 5 and all(" WARNING " in x and "127.0.0.1" in x for x in lines)


async def test_clients_hanging_up_on_the_lan_pairing_route_do_not_flood_the_log(
    lan_listener: Listener, logging_to: Any
) -> None:
    """``/pair`` needs no token: the error middleware tells a hang-up from a bug."""
    log_file: Path = logging_to(False)
    flush()
    before = log_file.stat().st_size
    for _ in range(100):
        await hang_up_before_the_body(lan_listener, PAIR_HEADERS, b'{"code": ')
    await wait_until(lambda: len(lan_listener.answered) >= 100)
    flush()
    assert log_file.stat().st_size == before  # was 1.2 kB of ERROR traceback per hang-up
