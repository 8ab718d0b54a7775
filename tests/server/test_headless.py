"""``expresso serve`` as a real process with real stations (``barista --headless``): SIGTERM
runs the clean stop, the stations say they are offline and why, and they come back by
themselves when a new ``serve`` starts on the same data folder and port. How long the stop
takes is measured by ``bench/shutdown.py``, not asserted here."""

from __future__ import annotations

import json
import signal
from pathlib import Path

import pytest

from expresso_desktop.sync.link_state import NOT_RUNNING
from tests.sync.procs import (
    Proc,
    free_port,
    organiser,
    pairing_code,
    run,
    start_station,
    station,
    until,
)

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]


async def _all(folders: list[Path], *, online: bool) -> bool:
    for folder in folders:
        status = await station(folder, "status", "--json")
        if status["online"] is not online or not status["epoch"]:
            return False
    return True


async def test_sigterm_stops_serve_cleanly_and_stations_reconnect_to_the_next(
    tmp_path: Path,
) -> None:
    org_data, port = tmp_path / "organiser", free_port()
    org, url = await organiser(org_data, port)
    folders = [tmp_path / "station-1", tmp_path / "station-2"]
    stations: list[Proc] = []
    try:
        for number, folder in enumerate(folders, start=1):
            code = await pairing_code(org_data, number)
            stations.append(await start_station(folder, url, code))
        await until(lambda: _all(folders, online=True))

        org.proc.send_signal(signal.SIGTERM)
        assert await org.wait() == 0
        await until(lambda: _all(folders, online=False))
        for folder in folders:  # their sync still runs: the link is what is down
            status = await station(folder, "status", "--json")
            assert status["link"] == "offline" and status["since"] and status["reason"]
            assert status["sync_pid"] is not None and status["reason"] != NOT_RUNNING

        org, _ = await organiser(org_data, port)
        await until(lambda: _all(folders, online=True), timeout=60)
        listed = [json.loads(line) for line in (await run(
            ["--data-dir", str(org_data), "devices", "list"])).splitlines()]  # fmt: skip
        assert sorted(d["station_number"] for d in listed if d["last_seen"]) == [1, 2]
    finally:
        for proc in stations:
            await proc.stop()
        await org.stop()
    for folder in folders:  # stopped for good: no sync process, and the status says so
        status = await station(folder, "status", "--json")
        assert (status["online"], status["reason"]) == (False, NOT_RUNNING)
