"""``expresso serve`` as a real process with real stations (``barista --headless``): SIGTERM
runs the clean stop, the stations say they are offline and why, and they come back by
themselves when a new ``serve`` starts on the same data folder and port. How long the stop
takes is measured by ``bench/shutdown.py``, not asserted here."""

from __future__ import annotations

import asyncio
import json
import signal
from pathlib import Path
from typing import Any

import pytest

from expresso_desktop.sync import station_queries
from expresso_desktop.sync.link_state import NOT_RUNNING
from expresso_desktop.sync.replica import Replica
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

# Seven processes, started as users start them: minutes on a busy two-core machine.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]


def _status(folder: Path) -> dict[str, Any]:
    """What ``station status --json`` prints (read here: polled, a process each time is slow)."""
    replica = Replica(folder / "station.db")
    try:
        return station_queries.status(replica)
    finally:
        replica.close()


async def _all(folders: list[Path], *, online: bool) -> bool:
    statuses = [await asyncio.to_thread(_status, folder) for folder in folders]
    return all(s["online"] is online and s["epoch"] for s in statuses)


async def test_sigterm_stops_serve_cleanly_and_stations_reconnect_to_the_next(
    tmp_path: Path,
) -> None:
    org_data, port = tmp_path / "organiser", free_port()
    org, url = await organiser(org_data, port)
    folders = [tmp_path / "station-1", tmp_path / "station-2"]
    stations: list[Proc] = []
    try:
        codes = await asyncio.gather(pairing_code(org_data, 1), pairing_code(org_data, 2))
        for folder, code in zip(folders, codes, strict=True):
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
