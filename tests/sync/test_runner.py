"""When rounds run: backoff bounds, and the link state other processes read."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

from expresso_desktop.server.api_sync import POKES
from expresso_desktop.server.lan_server import Lan, build_lan
from expresso_desktop.services import devices
from expresso_desktop.sync import link_state, station_queries
from expresso_desktop.sync.engine import SyncEngine
from expresso_desktop.sync.events import LinkChanged
from expresso_desktop.sync.http_transport import HttpTransport
from expresso_desktop.sync.replica import Replica, put
from expresso_desktop.sync.runner import BACKOFF_MAX_S, BACKOFF_MIN_S, SyncRunner, backoff
from tests.waiting import until

from .harness import Organiser


def test_backoff_grows_from_half_a_second_to_ten_with_jitter() -> None:
    rng = random.Random(1)
    first = [backoff(1, rng) for _ in range(200)]
    late = [backoff(12, rng) for _ in range(200)]
    assert all(BACKOFF_MIN_S <= d <= 1.0 for d in first)
    assert all(BACKOFF_MAX_S / 2 <= d <= BACKOFF_MAX_S for d in late)
    assert len({round(d, 3) for d in late}) > 50  # jittered: stations do not retry in step


async def _station_of(org: Organiser, tmp_path: Path) -> tuple[Lan, int, Replica, HttpTransport]:
    """The organiser's real LAN server on a free port, and a station paired with it (a device
    token, a replica for station 1, a transport pinned to the server's certificate)."""
    org.sync = org.services.sync  # the routes' server is the real one
    lan = build_lan(org.services, host="127.0.0.1", port=0, mdns_interfaces=None, mdns=False)
    await lan.listener.start()
    port = lan.listener.bound_port
    assert port is not None
    token = org.services.writer.run_sync(
        lambda tx: devices.add_device(
            session=tx.session, name="till", role="barista", station_id=org.station_ids()[0]
        )
    ).token
    replica = Replica(tmp_path / "station.db")
    with replica.write() as conn:
        put(conn, "station_id", str(org.station_ids()[0]))
    transport = HttpTransport(lan.listener.url, token, lan.listener.identity.fingerprint)
    return lan, port, replica, transport


async def test_an_organiser_going_away_is_offline_at_once_and_reconnected_when_back(
    org: Organiser, tmp_path: Path
) -> None:
    lan, port, replica, transport = await _station_of(org, tmp_path)
    links: list[LinkChanged] = []
    # Rounds every 60 s only: whatever happens within until's deadlines is not the timer.
    runner = SyncRunner(SyncEngine(replica, transport), interval_s=60.0, on_status=links.append)
    stop = asyncio.Event()
    task = asyncio.create_task(runner.run(stop))
    again = None
    try:
        await until(lambda: station_queries.status(replica)["online"], 30)
        await until(lambda: bool(lan.listener.app[POKES].sockets))  # the poke socket is up
        await lan.listener.stop()  # closes it "going away" (1001)
        await until(lambda: bool(links) and not links[-1].online)
        status = station_queries.status(replica)
        assert (status["online"], status["link"]) == (False, "offline")
        assert "stopping" in status["reason"] and status["sync_pid"] is not None

        # Back at the same address: the station reconnects by itself (with backoff).
        again = build_lan(org.services, host="127.0.0.1", port=port, mdns_interfaces=None,
                          mdns=False).listener  # fmt: skip
        await again.start()
        await until(lambda: links[-1].online and station_queries.status(replica)["online"], 30)
    finally:
        stop.set()
        await task
        if again is not None:
            await again.stop()
        await lan.listener.stop()
    status = station_queries.status(replica)  # a clean stop: offline, and no process
    assert (status["online"], status["sync_pid"]) == (False, None)
    assert status["reason"] == link_state.NOT_RUNNING
    replica.close()


async def test_an_organiser_back_on_its_port_is_reconnected_without_waiting_out_backoff(
    org: Organiser, tmp_path: Path
) -> None:
    """Stopped, then back on the same port: the offline station's port check sees it open
    again and retries at once. Backoff and timer are an hour here, so only that check can
    explain the reconnection."""
    lan, port, replica, transport = await _station_of(org, tmp_path)
    links: list[LinkChanged] = []
    runner = SyncRunner(
        SyncEngine(replica, transport),
        interval_s=3600.0,
        on_status=links.append,
        backoff=lambda failures, rng: 3600.0,
    )
    stop = asyncio.Event()
    task = asyncio.create_task(runner.run(stop))
    again = None
    try:
        await until(lambda: bool(links) and links[-1].online, 30)
        await until(lambda: bool(lan.listener.app[POKES].sockets))
        await lan.listener.stop()  # "going away": offline at once, then an hour of backoff
        await until(lambda: not links[-1].online, 30)
        again = build_lan(org.services, host="127.0.0.1", port=port, mdns_interfaces=None,
                          mdns=False).listener  # fmt: skip
        await again.start()
        await until(lambda: links[-1].online, 30)
    finally:
        stop.set()
        await task
        if again is not None:
            await again.stop()
    replica.close()
