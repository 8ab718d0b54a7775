"""The live feed: events after commits, per-station audiences, resume, revocation, and TLS."""

from __future__ import annotations

import asyncio
import json
import stat
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from expresso_desktop.server.api_devices import LanInfo
from expresso_desktop.server.app import create_lan_app
from expresso_desktop.server.components import HttpListener
from expresso_desktop.server.live import REVOKED_CLOSE
from expresso_desktop.server.tls import ensure_identity
from expresso_desktop.services.organiser import OrganiserServices

from .conftest import Lan
from .lan_helpers import token_for

LATTE = {"drink": "latte"}
WAIT = 5.0


async def _next(ws: aiohttp.ClientWebSocketResponse, kind: str | None = None) -> dict[str, Any]:
    while True:
        msg = await asyncio.wait_for(ws.receive(), WAIT)
        assert msg.type == aiohttp.WSMsgType.TEXT, msg
        event = json.loads(msg.data)
        if kind is None or event["type"] == kind:
            return event


async def _connect(lan: Lan, token: str, query: str = "") -> aiohttp.ClientWebSocketResponse:
    ws = await lan.organiser.client.ws_connect(
        f"/api/v1/ws{query}", headers={"Authorization": f"Bearer {token}"}
    )
    hello = await _next(ws)
    assert hello["type"] == "hello"
    return ws


async def test_order_created_reaches_its_station_only(lan: Lan) -> None:
    other = token_for(lan.services, "barista", lan.station_ids[1]).token
    mine = await _connect(lan, lan.barista.token or "")
    theirs = await _connect(lan, other)
    boss = await _connect(lan, lan.organiser.token or "")
    order = await lan.barista.ok("POST", "/orders", {"items": [LATTE]}, 201)
    event = await _next(mine, "order.created")
    assert event["id"] == order["id"] and event["entity"] == "orders"
    assert event["version"] == order["row_version"] and event["data"]["number"] == "A001"
    assert (await _next(mine, "order_item.created"))["data"]["order_id"] == order["id"]
    assert (await _next(boss, "order.created"))["id"] == order["id"]
    # Station 2 hears of it only when it moves there.
    await lan.organiser.ok(
        "POST", f"/orders/{order['id']}/move", {"station_id": lan.station_ids[1]}
    )
    moved = await _next(theirs, "order.moved")
    assert moved["id"] == order["id"] and moved["from_station_id"] == lan.station_ids[0]
    assert (await _next(mine, "order.moved"))["data"]["station_id"] == lan.station_ids[1]
    for ws in (mine, theirs, boss):
        await ws.close()


async def test_resume_replays_what_was_missed(lan: Lan) -> None:
    first = await lan.barista.ok("POST", "/orders", {"items": [LATTE]}, 201)
    since = first["row_version"]
    second = await lan.barista.ok("POST", "/orders", {"items": [LATTE]}, 201)
    ws = await _connect(lan, lan.barista.token or "", f"?since={since}")
    replayed = await _next(ws, "order.created")
    assert replayed["id"] == second["id"]
    resumed = await _next(ws, "resumed")
    assert resumed["since"] == since and resumed["head"] >= second["row_version"]
    # The message form of resume, on the same socket.
    await ws.send_json({"type": "resume", "since": 0})
    assert (await _next(ws, "order.created"))["id"] == first["id"]
    await ws.send_json({"type": "resume", "since": "yesterday"})
    err = await _next(ws, "error")
    assert err["field"] == "since"
    await ws.send_json({"type": "ping"})
    await _next(ws, "pong")
    await ws.close()


async def test_secrets_never_travel(lan: Lan) -> None:
    ws = await _connect(lan, lan.organiser.token or "")
    await lan.organiser.ok("POST", "/staff", {"name": "Kim", "pin": "4826"}, 201)
    event = await _next(ws, "staff.created")
    assert "pin_hash" not in event["data"]
    await ws.close()


async def test_revoking_closes_the_socket(lan: Lan) -> None:
    ws = await _connect(lan, lan.barista.token or "")
    await lan.organiser.ok("POST", f"/devices/{lan.barista_device_id}/revoke")
    msg = await asyncio.wait_for(ws.receive(), WAIT)
    assert msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED), msg
    assert msg.data == REVOKED_CLOSE or ws.close_code == REVOKED_CLOSE, msg
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await _connect(lan, lan.barista.token or "")
    assert refused.value.status == 401


async def test_tls_fingerprint_pinning(services: OrganiserServices, tmp_path: Path) -> None:
    identity = ensure_identity(tmp_path / "tls")
    assert stat.S_IMODE(identity.key_path.stat().st_mode) == 0o600
    assert ensure_identity(tmp_path / "tls").fingerprint == identity.fingerprint  # stable
    app = create_lan_app(services, LanInfo("https://127.0.0.1", identity.fingerprint_hex))
    listener = HttpListener("lan", app, "127.0.0.1", 0, ssl_context=identity.server_context())
    await listener.start()
    token = token_for(services, "organiser").token
    headers = {"Authorization": f"Bearer {token}"}
    try:
        assert listener.url.startswith("https://127.0.0.1:")
        pinned = aiohttp.Fingerprint(identity.fingerprint)
        async with aiohttp.ClientSession() as session:
            async with session.get(
                f"{listener.url}/api/v1/devices/me", ssl=pinned, headers=headers
            ) as resp:
                assert resp.status == 200
            ws = await session.ws_connect(f"{listener.url}/api/v1/ws", ssl=pinned, headers=headers)
            assert (await _next(ws))["type"] == "hello"
            await ws.close()
            wrong = aiohttp.Fingerprint(bytes(32))
            with pytest.raises(aiohttp.ServerFingerprintMismatch):
                await session.get(f"{listener.url}/api/v1/devices/me", ssl=wrong)
            with pytest.raises(aiohttp.ClientConnectorCertificateError):
                await session.get(f"{listener.url}/api/v1/devices/me")  # not trusted blindly
            plain = listener.url.replace("https://", "http://")
            with pytest.raises(aiohttp.ClientError):
                await session.get(f"{plain}/api/v1/devices/me")  # no plain HTTP
    finally:
        await listener.stop()
