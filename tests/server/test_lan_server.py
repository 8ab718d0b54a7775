"""The LAN listener as ``serve`` and the window run it (server/lan_server.py): over TLS on
127.0.0.1, it says where it really listens (``lan.json``), sees its devices (``last_seen``),
and on stop closes every station's socket with "going away" (1001) before the HTTP runner's
cleanup."""

from __future__ import annotations

import asyncio
import json
import os
import stat
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import datetime

import aiohttp
import pytest

from expresso_desktop.server.lan_server import (
    RUNTIME_FILE,
    LanListener,
    build_lan,
    read_lan_runtime,
)
from expresso_desktop.server.live import HUB
from expresso_desktop.services import devices
from expresso_desktop.services.changes import ChangeSet
from expresso_desktop.services.organiser import OrganiserServices
from expresso_desktop.store.engine import read_session
from tests.waiting import until

from .lan_helpers import token_for

WAIT = 10.0


@pytest.fixture
async def listener(services: OrganiserServices) -> AsyncIterator[LanListener]:
    lan = build_lan(services, host="127.0.0.1", port=0, mdns_interfaces=None, mdns=False)
    await lan.listener.start()
    try:
        yield lan.listener
    finally:
        await lan.listener.stop()


def _session(listener: LanListener, token: str) -> aiohttp.ClientSession:
    pinned = aiohttp.Fingerprint(listener.identity.fingerprint)
    return aiohttp.ClientSession(
        base_url=listener.url,
        headers={"Authorization": f"Bearer {token}"},
        connector=aiohttp.TCPConnector(ssl=pinned),
    )


async def _receive(ws: aiohttp.ClientWebSocketResponse) -> aiohttp.WSMessage:
    return await asyncio.wait_for(ws.receive(), WAIT)


def _last_seen(services: OrganiserServices, device_id: int) -> datetime | None:
    with read_session(services.engine) as session:
        found = [d for d in devices.list_devices(session=session) if d.id == device_id]
    return found[0].last_seen


async def test_the_listener_says_where_it_really_listens_until_it_stops(
    services: OrganiserServices,
) -> None:
    data = services.paths.data_dir
    lan = build_lan(services, host="127.0.0.1", port=0, mdns_interfaces=None, mdns=False)
    await lan.listener.start()
    try:
        running = read_lan_runtime(data)
        assert running is not None
        assert (running.url, running.port) == (lan.listener.url, lan.listener.bound_port)
        assert running.fingerprint == lan.listener.identity.fingerprint_hex
        assert running.pid == os.getpid() and running.host == "127.0.0.1"
        assert stat.S_IMODE((data / RUNTIME_FILE).stat().st_mode) == 0o600
    finally:
        await lan.listener.stop()
    assert read_lan_runtime(data) is None and not (data / RUNTIME_FILE).exists()


def test_an_address_left_by_a_dead_organiser_is_not_believed(
    services: OrganiserServices,
) -> None:
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], check=True,
                          capture_output=True, text=True)  # fmt: skip
    data = services.paths.data_dir
    left = {"url": "https://192.0.2.2:8443", "host": "0.0.0.0", "port": 8443,
            "fingerprint": "AB", "pid": int(gone.stdout)}  # fmt: skip
    (data / RUNTIME_FILE).write_text(json.dumps(left), encoding="utf-8")
    assert read_lan_runtime(data) is None
    (data / RUNTIME_FILE).write_text(json.dumps({**left, "pid": os.getpid()}), encoding="utf-8")
    running = read_lan_runtime(data)
    assert running is not None and running.url == "https://192.0.2.2:8443"


async def test_requests_and_open_sockets_mark_a_device_seen(
    services: OrganiserServices, listener: LanListener
) -> None:
    heard: list[ChangeSet] = []
    services.bus.subscribe(heard.append)
    board = token_for(services, "display", name="board")
    feed = token_for(services, "display", name="feed")
    assert _last_seen(services, board.device_id) is None
    async with _session(listener, board.token) as http:
        async with http.get("/api/v1/devices/me") as resp:
            assert resp.status == 200
        await until(lambda: _last_seen(services, board.device_id) is not None, WAIT)
    assert any(c.devices_touched and c.initiator == "lan:seen" for c in heard)  # Setup refreshes

    # A socket left open says nothing, yet the device is there: its sighting is renewed
    # while it stays connected (here every tick: the 30 s throttle set to nothing).
    listener.app[HUB].sightings = devices.Sightings(every_s=0.0)
    async with _session(listener, feed.token) as http, http.ws_connect("/api/v1/ws") as ws:
        await until(lambda: _last_seen(services, feed.device_id) is not None, WAIT)
        first = _last_seen(services, feed.device_id)
        assert first is not None
        await until(lambda: (_last_seen(services, feed.device_id) or first) > first, WAIT)
        assert not ws.closed


async def test_stopping_closes_every_socket_going_away(services: OrganiserServices) -> None:
    lan = build_lan(services, host="127.0.0.1", port=0, mdns_interfaces=None, mdns=False)
    await lan.listener.start()
    station = token_for(services, "display", name="station")
    try:
        async with (
            _session(lan.listener, station.token) as http,
            http.ws_connect("/api/v1/ws") as live,
            http.ws_connect("/api/v1/sync/ws") as pokes,
        ):
            for ws in (live, pokes):  # each greets first: both are open and served
                assert (await asyncio.wait_for(ws.receive(), WAIT)).type == aiohttp.WSMsgType.TEXT
            # Stations always read (that is how they answer our close frame at once).
            closes = [asyncio.create_task(_receive(ws)) for ws in (live, pokes)]
            await lan.listener.stop()
            for msg in await asyncio.gather(*closes):
                assert msg.type is aiohttp.WSMsgType.CLOSE, msg
                assert msg.data == aiohttp.WSCloseCode.GOING_AWAY
    finally:
        await lan.listener.stop()
