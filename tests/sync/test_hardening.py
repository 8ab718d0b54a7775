"""Issue 15, findings 1, 2 and 7 through the real LAN app: a second device token, real station
replicas pushing over pinned TLS, real WebSockets."""

from __future__ import annotations

import shutil
import sqlite3
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlmodel import select

from expresso_desktop.core.staff import hash_pin
from expresso_desktop.server import live
from expresso_desktop.server.components import HttpListener
from expresso_desktop.server.live import HUB
from expresso_desktop.services import devices, pairing
from expresso_desktop.services.changes import emit
from expresso_desktop.store import sync_rows
from expresso_desktop.store.engine import read_session
from expresso_desktop.store.tables import StaffUser
from expresso_desktop.sync import login, outbox, station_queries
from expresso_desktop.sync.engine import SyncEngine
from expresso_desktop.sync.http_transport import HttpTransport
from expresso_desktop.sync.replica import Replica, new_identity, put
from expresso_desktop.sync.transport import ReplicaRefused

from .harness import Organiser

PIN = "4821"


@pytest.fixture
def org(tmp_path: Path) -> Iterator[Organiser]:
    organiser = Organiser(tmp_path, journal=False)
    organiser.seed()
    organiser.sync = organiser.services.sync
    yield organiser
    organiser.close()


def _device(org: Organiser, role: str = "barista", station: int | None = 1) -> tuple[int, str]:
    station_id = org.station_ids()[station - 1] if station else None
    issued = org.services.writer.run_sync(
        lambda tx: devices.add_device(
            session=tx.session, name=f"{role} device", role=role, station_id=station_id
        )
    )
    return issued.device_id, issued.token


def _station(path: Path, org: Organiser, url: str, token: str, fp: bytes) -> SyncEngine:
    replica = Replica(path)
    with replica.write() as conn:
        put(conn, "station_id", str(org.station_ids()[0]))
    return SyncEngine(replica, HttpTransport(url, token, fp))


async def _close(*engines: SyncEngine) -> None:
    for engine in engines:
        await engine.transport.close()
        engine.replica.close()


async def _call(url: str, fp: bytes, token: str, method: str, path: str, **kw: Any) -> Any:
    headers = {"Authorization": f"Bearer {token}"}
    async with (
        aiohttp.ClientSession() as session,
        session.request(
            method, f"{url}/api/v1/sync/{path}", headers=headers, ssl=aiohttp.Fingerprint(fp), **kw
        ) as resp,
    ):
        return resp.status, await resp.json()


def _walk_in(org: Organiser) -> dict[str, Any]:
    order_id = f"walk-in-{uuid.uuid4()}"
    return {"order_id": order_id, "station_id": org.station_ids()[0], "items": [{"drink": "latte"}]}


# -- finding 1: a sync id belongs to the device that registered it -------------------------------


async def test_another_device_cannot_use_a_stations_sync_id(
    org: Organiser, lan: tuple[str, bytes], tmp_path: Path
) -> None:
    url, fp = lan
    _, token = _device(org)
    station = _station(tmp_path / "a.db", org, url, token, fp)
    _, display = _device(org, "display", None)
    try:
        await station.sync_once()
        item = org.stock_items(org.station_ids()[0])[0]
        outbox.record(station.replica, "stock.consume", {"item_id": item.id, "qty": 1})
        await station.sync_once()
        client_id = station.replica.client_id
        hello = {"client_id": client_id, "last_seq": 0}
        status, body = await _call(url, fp, display, "POST", "hello", json=hello)
        assert status == 403 and body["error"] == "ClientIdTaken"
        assert "pair this station again" in body["message"]
        junk = [{"seq": n, "name": "stock.consume", "args": {"item_id": item.id, "qty": 9}}
                for n in range(2, 22)]  # fmt: skip
        push = {"client_id": client_id, "epoch": station.replica.epoch, "mutations": junk}
        status, body = await _call(url, fp, display, "POST", "push", json=push)
        assert status == 403 and body["error"] == "ClientIdTaken"
        for path in ("pull", "snapshot"):
            query = {"client_id": client_id, "epoch": station.replica.epoch, "cursor": "0"}
            status, body = await _call(url, fp, display, "GET", path, params=query)
            assert status == 403 and body["error"] == "ClientIdTaken", path
        status, _ = await _call(url, fp, display, "POST", "hello", json={"client_id": "organiser"})
        assert status == 403
        # Nothing of the display's was applied: the station's next walk-ins all count.
        level = org.stock_items(org.station_ids()[0])[0].level
        assert level == item.level - 1
        orders = [_walk_in(org) for _ in range(5)]
        for args in orders:
            outbox.record(station.replica, "order.create", args)
        await station.sync_once()
        assert all(org.order(a["order_id"]).status == "new" for a in orders)
        assert station.replica.state_hash() == org.state_hash()
        # And the station's id is nowhere another device can read it.
        status, snap = await _call(url, fp, display, "GET", "snapshot", params={"client_id": "d"})
        assert status == 200 and client_id not in str(snap)
        query = {"client_id": "d", "epoch": station.replica.epoch, "cursor": "0"}
        status, page = await _call(url, fp, display, "GET", "pull", params=query)
        assert status == 200 and page["changes"] and client_id not in str(page)
    finally:
        await _close(station)


async def test_a_copied_data_folder_is_refused_until_paired_again(
    org: Organiser, lan: tuple[str, bytes], tmp_path: Path
) -> None:
    url, fp = lan
    _, token = _device(org)
    original = _station(tmp_path / "a.db", org, url, token, fp)
    await original.sync_once()
    await _close(original)
    shutil.copy(tmp_path / "a.db", tmp_path / "copy.db")  # the folder, token and all
    original = _station(tmp_path / "a.db", org, url, token, fp)
    copy = _station(tmp_path / "copy.db", org, url, token, fp)
    try:
        first, second = _walk_in(org), _walk_in(org)
        outbox.record(original.replica, "order.create", first)
        await original.sync_once()
        outbox.record(copy.replica, "order.create", second)
        with pytest.raises(ReplicaRefused, match="copied from another station"):
            await copy.sync_once()  # its hello: the organiser has seq 1, it never made one
        status = station_queries.status(copy.replica)
        assert "copied from another station" in status["refused"]
        assert "pair this station again" in status["refused"]
        # Both copies said hello before either pushed: the later push is caught instead.
        third = _walk_in(org)
        copy.ready = True
        copy.server_epoch = copy.replica.epoch
        outbox.record(original.replica, "order.create", third)
        with pytest.raises(ReplicaRefused, match="copied"):
            await copy.push_all()
        # Pairing again (a new device token) gives the copy an id of its own; its tap survives.
        _, new_token = _device(org)
        with copy.replica.write() as conn:
            assert new_identity(conn) == 1  # its refused walk-in, renumbered to seq 1
        await _close(copy)
        copy = _station(tmp_path / "copy.db", org, url, new_token, fp)
        await copy.sync_once()
        assert station_queries.status(copy.replica)["refused"] == ""
        assert org.order(second["order_id"]).status == "new"
        await original.sync_once()
        await copy.sync_once()
        assert org.order(first["order_id"]).status == "new"
        assert copy.replica.state_hash() == original.replica.state_hash() == org.state_hash()
    finally:
        await _close(original, copy)


# -- finding 2: no secret leaves through sync; PINs are checked on the organiser ----------------


def _set_pin(org: Organiser) -> int:
    def write(tx: Any) -> int:
        person = tx.session.exec(select(StaffUser)).first()
        person.pin_hash = hash_pin(PIN)
        tx.session.add(person)
        emit(tx.session, tx.changes, "staff_users", person)
        return int(person.id)

    return org.services.writer.run_sync(write)


async def test_pin_hashes_never_reach_a_station_and_pins_are_checked_online(
    org: Organiser, lan: tuple[str, bytes], tmp_path: Path
) -> None:
    url, fp = lan
    staff_id = _set_pin(org)
    _, token = _device(org)
    station = _station(tmp_path / "a.db", org, url, token, fp)
    try:
        await station.sync_once()  # snapshot
        _set_pin(org)
        await station.sync_once()  # and a pulled change
        query = {"client_id": station.replica.client_id, "epoch": station.replica.epoch}
        _, snap = await _call(url, fp, token, "GET", "snapshot", params=query)
        _, page = await _call(url, fp, token, "GET", "pull", params=query | {"cursor": "0"})
        assert "scrypt$" not in str(snap) and "scrypt$" not in str(page)
        with station.replica.read() as conn:
            hashes = conn.exec_driver_sql("SELECT pin_hash FROM staff_users").all()
        assert hashes and all(h == (None,) for h in hashes)
        assert station.replica.state_hash() == org.state_hash()

        transport = station.transport
        ok = await login.login(station.replica, transport, staff_id, PIN)  # type: ignore[arg-type]
        assert ok.ok and not ok.offline and ok.name
        wrong = await login.login(station.replica, transport, staff_id, "9999")  # type: ignore[arg-type]
        assert not wrong.ok and wrong.reason == "wrong"
        for _ in range(4):
            await login.login(station.replica, transport, staff_id, "1357")  # type: ignore[arg-type]
        locked = await login.login(station.replica, transport, staff_id, PIN)  # type: ignore[arg-type]
        assert locked.reason == "locked" and locked.retry_after
    finally:
        await _close(station)


async def test_offline_login_uses_the_stations_own_verifier(
    org: Organiser, lan: tuple[str, bytes], tmp_path: Path
) -> None:
    url, fp = lan
    staff_id = _set_pin(org)
    _, token = _device(org)
    station = _station(tmp_path / "a.db", org, url, token, fp)
    unreachable = HttpTransport("https://127.0.0.1:9", token, fp, timeout_s=2)
    try:
        await station.sync_once()
        never = await login.login(station.replica, unreachable, staff_id, PIN)
        assert not never.ok and never.reason == "offline_unknown"  # never logged in online here
        assert (await login.login(station.replica, station.transport, staff_id, PIN)).ok  # type: ignore[arg-type]
        offline = await login.login(station.replica, unreachable, staff_id, PIN)
        assert offline.ok and offline.offline
        assert not (await login.login(station.replica, unreachable, staff_id, "9999")).ok
        tomorrow = datetime.now(UTC) + timedelta(hours=13)
        later = await login.login(station.replica, unreachable, staff_id, PIN, now=tomorrow)
        assert not later.ok and later.reason == "offline_unknown"  # expired
    finally:
        await unreachable.close()
        await _close(station)


def test_an_older_replica_forgets_the_pin_hashes_it_was_sent(tmp_path: Path) -> None:
    replica = Replica(tmp_path / "old.db")
    with replica.write() as conn:
        sync_rows.upsert(conn, "staff_users", {"id": 1, "name": "Ana", "pin_hash": "scrypt$x"})
    replica.close()
    replica = Replica(tmp_path / "old.db")
    try:
        with replica.read() as conn:
            assert conn.exec_driver_sql("SELECT pin_hash FROM staff_users").all() == [(None,)]
    finally:
        replica.close()


# -- finding 7: revocation closes every socket of the device at once -----------------------------


async def _sockets(url: str, fp: bytes, token: str, session: aiohttp.ClientSession) -> list[Any]:
    headers = {"Authorization": f"Bearer {token}"}
    ssl = aiohttp.Fingerprint(fp)
    live = await session.ws_connect(f"{url}/api/v1/ws", headers=headers, ssl=ssl)
    pokes = await session.ws_connect(f"{url}/api/v1/sync/ws", headers=headers, ssl=ssl)
    for ws in (live, pokes):
        assert (await ws.receive(timeout=5)).type is aiohttp.WSMsgType.TEXT  # the hello
    return [live, pokes]


async def _closed(sockets: list[Any]) -> None:
    """Both sockets end with the revocation's close code (each receive waits at most 5 s)."""
    for ws in sockets:
        msg = await ws.receive(timeout=5)
        while msg.type is aiohttp.WSMsgType.TEXT:  # events already on their way
            msg = await ws.receive(timeout=5)
        # The close frame says why (the client's own close_code may read 1006: the server
        # drops the connection right after sending it).
        assert msg.type is aiohttp.WSMsgType.CLOSE and msg.data == 4401, (sockets.index(ws), msg)


async def test_revoking_in_process_closes_live_and_sync_sockets_at_once(
    org: Organiser,
    lan: tuple[str, bytes],
    listener: HttpListener,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # No periodic re-check during this test: only the change bus can close the sockets.
    monkeypatch.setattr(live, "REVALIDATE_S", 3600.0)
    url, fp = lan
    device_id, token = _device(org)
    async with aiohttp.ClientSession() as session:
        sockets = await _sockets(url, fp, token, session)
        await org.services.writer.run(lambda tx: pairing.revoke(tx, device_id))  # Setup tab
        await _closed(sockets)
    assert not listener.app[HUB].device_ids()


async def test_revoking_from_another_process_closes_sockets_promptly(
    org: Organiser, lan: tuple[str, bytes]
) -> None:
    url, fp = lan
    device_id, token = _device(org)
    async with aiohttp.ClientSession() as session:
        sockets = await _sockets(url, fp, token, session)
        other = sqlite3.connect(org.db)  # what `expresso devices revoke` does: its own connection
        other.execute("UPDATE devices SET revoked_at = datetime('now') WHERE id = ?", (device_id,))
        other.commit()
        other.close()
        await _closed(sockets)
    with read_session(org.services.engine) as s:
        assert devices.revoked_among([device_id], session=s) == {device_id}
