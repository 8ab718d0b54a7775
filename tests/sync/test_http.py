"""The sync routes on the real LAN app (auth, status codes, pokes) and the station's HTTP
transport against them — over plain HTTP for the routes, over TLS with a pinned certificate
for the transport."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from expresso_desktop.server.api_devices import LanInfo
from expresso_desktop.server.api_sync import NEAR_HEAD, POKES
from expresso_desktop.server.app import create_lan_app
from expresso_desktop.server.components import HttpListener
from expresso_desktop.services import devices
from expresso_desktop.sync import outbox
from expresso_desktop.sync.engine import SyncEngine
from expresso_desktop.sync.http_transport import HttpTransport, Unauthorized, pair
from expresso_desktop.sync.replica import Replica, put
from expresso_desktop.sync.runner import SyncRunner
from expresso_desktop.sync.transport import TransportError
from tests.waiting import until

from .harness import Organiser


@pytest.fixture
def org(tmp_path: Path) -> Iterator[Organiser]:
    organiser = Organiser(tmp_path, journal=False)
    organiser.seed()
    organiser.sync = organiser.services.sync  # the routes' server is the real one
    yield organiser
    organiser.close()


def _token(org: Organiser, role: str = "barista", station: int | None = 1) -> str:
    station_id = org.station_ids()[station - 1] if station else None
    issued = org.services.writer.run_sync(
        lambda tx: devices.add_device(
            session=tx.session, name=f"{role} device", role=role, station_id=station_id
        )
    )
    return issued.token


def _station(tmp_path: Path, org: Organiser, url: str, token: str, fp: bytes) -> SyncEngine:
    replica = Replica(tmp_path / f"station-{time.monotonic_ns()}.db")
    with replica.write() as conn:
        put(conn, "station_id", str(org.station_ids()[0]))
    return SyncEngine(replica, HttpTransport(url, token, fp))


async def test_a_station_syncs_over_pinned_tls(
    org: Organiser, lan: tuple[str, bytes], tmp_path: Path
) -> None:
    url, fp = lan
    engine = _station(tmp_path, org, url, _token(org), fp)
    try:
        order_id = org.add_order(org.station_ids()[0])
        await engine.sync_once()
        outbox.record(engine.replica, "order.start", {"order_id": order_id})
        await engine.sync_once()
        assert org.order(order_id).status == "in_progress"
        assert engine.replica.state_hash() == org.state_hash()
    finally:
        await engine.transport.close()
        engine.replica.close()


async def test_another_certificate_is_refused(
    org: Organiser, lan: tuple[str, bytes], tmp_path: Path
) -> None:
    url, _ = lan
    engine = _station(tmp_path, org, url, _token(org), b"\x01" * 32)
    try:
        with pytest.raises(TransportError, match="certificate"):
            await engine.sync_once()
        assert engine.replica.epoch is None  # nothing was downloaded from it
    finally:
        await engine.transport.close()
        engine.replica.close()


async def test_a_revoked_token_stops_syncing(
    org: Organiser, lan: tuple[str, bytes], tmp_path: Path
) -> None:
    url, fp = lan
    engine = _station(tmp_path, org, url, "not-a-token", fp)
    try:
        with pytest.raises(Unauthorized):
            await engine.sync_once()
    finally:
        await engine.transport.close()
        engine.replica.close()


async def test_pairing_pins_the_certificate_it_was_shown(
    org: Organiser, lan: tuple[str, bytes]
) -> None:
    url, fp = lan
    code = org.services.writer.run_sync(
        lambda tx: devices.create_pairing_code(
            session=tx.session, role="barista", station_id=org.station_ids()[0]
        )
    )
    answer, pinned = await pair(url, code.code, "kiosk", None)
    assert pinned == fp
    assert answer["device"]["station_id"] == org.station_ids()[0]


async def test_pokes_make_a_change_visible_at_once(
    org: Organiser, lan: tuple[str, bytes], listener: HttpListener, tmp_path: Path
) -> None:
    url, fp = lan
    engine = _station(tmp_path, org, url, _token(org), fp)
    runner = SyncRunner(engine, interval_s=30.0)  # the timer would be far too slow
    stop = asyncio.Event()
    task = asyncio.create_task(runner.run(stop))
    try:
        await until(lambda: engine.replica.epoch is not None)
        await until(lambda: bool(listener.app[POKES].sockets))  # the poke socket is up
        order_id = org.add_order(org.station_ids()[0])
        # Within until's 5 s: the poke did it, the 30 s timer cannot have.
        await until(lambda: _has(engine.replica, order_id))
    finally:
        stop.set()
        await task
        engine.replica.close()


async def test_a_catch_up_far_behind_converges_page_by_page(
    org: Organiser, lan: tuple[str, bytes], listener: HttpListener, tmp_path: Path
) -> None:
    """Pages far from the head are read on a worker thread, the last ones near it on the
    loop (``api_sync.NEAR_HEAD``): the station ends equal to the organiser either way."""
    url, fp = lan
    hub = listener.app[POKES]
    assert hub.head == org.head()  # known from the start, before any commit is announced
    engine = _station(tmp_path, org, url, _token(org), fp)
    engine.page_size = 10
    try:
        await engine.sync_once()
        for n in range(NEAR_HEAD):
            org.add_order(org.station_ids()[n % 2], name=f"guest {n}")
        await until(lambda: hub.head == org.head())
        assert hub.head - engine.replica.cursor > NEAR_HEAD
        await engine.sync_once()
        assert engine.replica.cursor == org.head()
        assert engine.replica.state_hash() == org.state_hash()
    finally:
        await engine.transport.close()
        engine.replica.close()


def _has(replica: Replica, order_id: str) -> bool:
    from expresso_desktop.store import sync_rows

    with replica.read() as conn:
        return sync_rows.read_image(conn, "orders", order_id) is not None


# -- the routes themselves (plain HTTP test client) -------------------------------------------


@pytest.fixture
async def client(org: Organiser, aiohttp_client: Any) -> Any:
    app = create_lan_app(org.services, LanInfo("https://127.0.0.1", ":".join(["AB"] * 32)))
    return await aiohttp_client(app)


async def _post(client: Any, path: str, body: Any, token: str | None) -> tuple[int, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with client.post(f"/api/v1/sync/{path}", json=body, headers=headers) as resp:
        return resp.status, await resp.json()


async def test_routes_need_a_device_token(client: Any) -> None:
    status, body = await _post(client, "hello", {"client_id": "x"}, None)
    assert status == 401 and body["error"] == "unauthorized"


async def test_route_status_codes(client: Any, org: Organiser) -> None:
    token = _token(org)
    status, hello = await _post(client, "hello", {"client_id": "c1"}, token)
    assert status == 200 and hello["last_mutation_seq"] == 0
    status, body = await _post(
        client, "push", {"client_id": "c1", "epoch": "old", "mutations": []}, token
    )
    assert status == 409 and body["error"] == "EpochMismatch" and body["epoch"] == hello["epoch"]
    status, body = await _post(
        client, "push", {"client_id": "c2", "epoch": hello["epoch"], "mutations": []}, token
    )
    assert status == 409 and body["error"] == "ClientStateNotFound"
    status, body = await _post(
        client, "push", {"client_id": "c1", "epoch": hello["epoch"], "mutations": "no"}, token
    )
    assert status == 422 and body["field"] == "mutations"
    params = {"client_id": "c1", "epoch": hello["epoch"], "cursor": "10000000"}
    headers = {"Authorization": f"Bearer {token}"}
    async with client.get("/api/v1/sync/pull", params=params, headers=headers) as resp:
        assert (await resp.json())["reason"] == "cursor_ahead"


async def test_t1_the_same_push_on_two_connections_applies_once(
    client: Any, org: Organiser, aiohttp_client: Any
) -> None:
    token = _token(org)
    _, hello = await _post(client, "hello", {"client_id": "t1"}, token)
    item = org.stock_items(org.station_ids()[0])[0]
    mutations = [
        {"seq": n, "name": "stock.consume", "args": {"item_id": item.id, "qty": 1}}
        for n in range(1, 51)
    ]
    body = {"client_id": "t1", "epoch": hello["epoch"], "mutations": mutations}
    base = str(client.make_url("/api/v1/sync/push"))
    headers = {"Authorization": f"Bearer {token}"}
    async with aiohttp.ClientSession() as one, aiohttp.ClientSession() as two:

        async def send(session: aiohttp.ClientSession) -> dict[str, Any]:
            async with session.post(base, json=body, headers=headers) as resp:
                return await resp.json()

        answers = await asyncio.gather(send(one), send(two))
    statuses = sorted(r["status"] for a in answers for r in a["results"])
    assert statuses == ["applied"] * 50 + ["duplicate"] * 50
    assert org.stock_items(org.station_ids()[0])[0].level == item.level - 50
