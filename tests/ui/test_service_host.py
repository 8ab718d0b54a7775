"""The service thread's stop (ui/common/service_host.py): within its deadline, whatever a
component does, and with stations connected to the organiser's LAN API (the window's path)."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

import aiohttp

from expresso_desktop.app import describe_organiser
from expresso_desktop.server.headless import ServeOptions, build_components
from expresso_desktop.server.tls import parse_fingerprint
from expresso_desktop.services import devices
from expresso_desktop.services.organiser import build_organiser_services
from expresso_desktop.settings import AppPaths
from expresso_desktop.ui.common.service_host import ServersStarted, ServiceHost

WAIT_MS = 30_000


class Part:
    """A component that records its stop; ``stuck`` ones never finish stopping."""

    def __init__(self, name: str, *, stuck: bool = False) -> None:
        self.name, self.stuck = name, stuck
        self.stopped = threading.Event()

    async def start(self) -> None:
        pass

    async def stop(self) -> None:
        self.stopped.set()
        if self.stuck:
            await asyncio.Event().wait()


def test_a_component_that_never_stops_is_left_behind_not_waited_for(qtbot: Any) -> None:
    first, stuck, last = Part("first"), Part("stuck", stuck=True), Part("last")
    host = ServiceHost(lambda: [first, stuck, last])
    with qtbot.waitSignal(host.started, timeout=WAIT_MS):
        host.start()
    host.stop(timeout=2.0)
    assert not host.running  # the thread was joined: nothing is left running
    assert last.stopped.is_set() and stuck.stopped.is_set()
    assert first.stopped.is_set()  # stopped after the stuck one was given up on


def _station(url: str, token: str, fingerprint: str, up: threading.Event, codes: list[int]) -> None:
    """A station's poke socket, in its own thread and loop: connects, then waits for the end."""

    async def main() -> None:
        pinned = aiohttp.Fingerprint(parse_fingerprint(fingerprint))
        headers = {"Authorization": f"Bearer {token}"}
        async with (
            aiohttp.ClientSession(headers=headers) as http,
            http.ws_connect(f"{url}/api/v1/sync/ws", ssl=pinned) as ws,
        ):
            await ws.receive()  # the hello: it is served
            up.set()
            msg = await ws.receive()
            print("GOT", msg, flush=True)
            codes.append(ws.close_code or 0)

    asyncio.run(main())


def test_the_organisers_services_stop_with_a_station_connected(qtbot: Any, tmp_path: Path) -> None:
    services = build_organiser_services(AppPaths(tmp_path / "organiser"))
    options = ServeOptions(webhook_port=0, lan_host="127.0.0.1", lan_port=0, mdns=False)
    host = ServiceHost(lambda: build_components(services, options), describe=describe_organiser)
    station: threading.Thread | None = None
    try:
        with qtbot.waitSignal(host.started, timeout=WAIT_MS) as started:
            host.start()
        servers: ServersStarted = started.args[0]
        assert servers.lan_url and servers.fingerprint
        token = services.writer.run_sync(
            lambda tx: devices.add_device(session=tx.session, name="till", role="display")
        ).token
        up, codes = threading.Event(), []
        station = threading.Thread(
            target=_station, args=(servers.lan_url, token, servers.fingerprint, up, codes)
        )
        station.start()
        assert up.wait(WAIT_MS / 1000)
        host.stop()
        assert not host.running
        station.join(WAIT_MS / 1000)
        assert codes == [aiohttp.WSCloseCode.GOING_AWAY]  # told "going away": it reconnects
    finally:
        host.stop()
        if station is not None:
            station.join(WAIT_MS / 1000)
        services.close()
