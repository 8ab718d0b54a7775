"""The service thread's stop (ui/common/service_host.py): within its deadline, whatever a
component does, and with stations connected to the organiser's LAN API (the window's path)."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

import aiohttp
from PySide6.QtCore import Qt

from expresso_desktop.app import describe_organiser
from expresso_desktop.server.headless import build_components
from expresso_desktop.server.options import ServeOptions
from expresso_desktop.server.tls import parse_fingerprint
from expresso_desktop.services import devices
from expresso_desktop.services.organiser import build_organiser_services
from expresso_desktop.settings import AppPaths
from expresso_desktop.ui.common.service_host import ServersStarted, ServiceHost
from tests.waiting import until

WAIT_MS = 30_000
WAIT_S = WAIT_MS / 1000


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


def test_a_screen_built_after_the_start_still_gets_the_report(qtbot: Any) -> None:
    host = ServiceHost(lambda: [Part("only")])
    early: list[ServersStarted] = []
    host.on_started(early.append)
    with qtbot.waitSignal(host.started, timeout=WAIT_MS):
        host.start()
    qtbot.waitUntil(lambda: host.report is not None)
    late: list[ServersStarted] = []
    host.on_started(late.append)  # a screen built on first use, long after the start
    assert early == late == [host.report]
    host.stop(timeout=2.0)


async def test_the_organisers_services_stop_with_a_station_connected(
    qapp: Any, tmp_path: Path
) -> None:
    services = build_organiser_services(AppPaths(tmp_path / "organiser"))
    options = ServeOptions(webhook_port=0, lan_host="127.0.0.1", lan_port=0, mdns=False)
    host = ServiceHost(lambda: build_components(services, options), describe=describe_organiser)
    started: list[ServersStarted] = []
    # Called on the service thread (this test's loop is asyncio's, not Qt's).
    host.started.connect(started.append, Qt.ConnectionType.DirectConnection)
    try:
        host.start()
        await until(lambda: bool(started), WAIT_S)
        lan_url, fingerprint = started[0].lan_url, started[0].fingerprint
        assert lan_url and fingerprint
        token = services.writer.run_sync(
            lambda tx: devices.add_device(session=tx.session, name="till", role="display")
        ).token
        pinned = aiohttp.Fingerprint(parse_fingerprint(fingerprint))
        async with (
            aiohttp.ClientSession(headers={"Authorization": f"Bearer {token}"}) as http,
            http.ws_connect(f"{lan_url}/api/v1/sync/ws", ssl=pinned) as station,
        ):
            await asyncio.wait_for(station.receive(), WAIT_S)  # the hello: it is served
            closed = asyncio.create_task(asyncio.wait_for(station.receive(), WAIT_S))
            await asyncio.to_thread(host.stop)  # what the window does when it closes
            assert not host.running
            msg = await closed
        assert (msg.type, msg.data) == (aiohttp.WSMsgType.CLOSE, aiohttp.WSCloseCode.GOING_AWAY)
    finally:
        host.stop()
        services.close()
