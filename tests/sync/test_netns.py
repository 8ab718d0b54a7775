"""The barista really offline: organiser and station in two network namespaces joined by a veth
pair (design/platform.md), the station's link taken down while it keeps working, then brought
back. Needs root and ``ip netns``; skipped with the reason otherwise."""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from .procs import organiser, pairing_code, query, run, start_station, state_hash, station, until

pytestmark = pytest.mark.slow
PORT = 8443


@dataclass(frozen=True)
class Namespaces:
    organiser: str
    station: str
    station_link: str
    organiser_ip: str

    def exec(self, ns: str) -> list[str]:
        return ["ip", "netns", "exec", ns]


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, timeout=10)


@pytest.fixture
def namespaces() -> Iterator[Namespaces]:
    if os.geteuid() != 0 or shutil.which("ip") is None:
        pytest.skip("needs root and iproute2 to make network namespaces (platform.md)")
    tag = uuid.uuid4().hex[:6]
    org_ns, st_ns = f"exo-{tag}", f"exs-{tag}"
    org_if, st_if = f"veo{tag}", f"ves{tag}"  # interface names: at most 15 characters
    net = f"10.{random.randrange(200, 250)}.{random.randrange(1, 250)}"
    made: list[str] = []
    try:
        for ns in (org_ns, st_ns):
            _ip("netns", "add", ns)
            made.append(ns)
        _ip("link", "add", org_if, "type", "veth", "peer", "name", st_if)
        _ip("link", "set", org_if, "netns", org_ns)
        _ip("link", "set", st_if, "netns", st_ns)
        _ip("-n", org_ns, "addr", "add", f"{net}.1/24", "dev", org_if)
        _ip("-n", st_ns, "addr", "add", f"{net}.2/24", "dev", st_if)
        for ns, dev in ((org_ns, org_if), (st_ns, st_if)):
            _ip("-n", ns, "link", "set", "lo", "up")
            _ip("-n", ns, "link", "set", dev, "up")
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        for ns in made:
            subprocess.run(["ip", "netns", "del", ns], capture_output=True, check=False)
        stderr = getattr(exc, "stderr", b"") or b""
        pytest.skip(f"cannot make network namespaces here: {stderr.decode().strip() or exc}")
    try:
        yield Namespaces(org_ns, st_ns, st_if, f"{net}.1")
    finally:
        for ns in made:  # deleting a namespace deletes its end of the veth pair too
            subprocess.run(["ip", "netns", "del", ns], capture_output=True, check=False)


async def test_a_station_offline_for_real_reconciles_when_the_link_returns(
    namespaces: Namespaces, tmp_path: Path
) -> None:
    ns = namespaces
    org_data, st = tmp_path / "organiser", tmp_path / "station"
    org, url = await organiser(org_data, PORT, host=ns.organiser_ip, prefix=ns.exec(ns.organiser))
    barista = await start_station(st, url, await pairing_code(org_data), prefix=ns.exec(ns.station))
    db = org_data / "organiser.db"
    try:
        await until(lambda: _status(st, online=True))
        _ip("-n", ns.station, "link", "set", ns.station_link, "down")  # the Wi-Fi drops
        walk_in = await station(st, "walk-in", "large oat latte", "--name", "Offline")
        await station(st, "consume", "oat", "200")
        await until(lambda: _status(st, online=False), timeout=60)
        assert (await station(st, "status", "--json"))["pending"] == 2  # shown at once, queued
        # Meanwhile a customer texts the organiser (its own namespace, its loopback webhook).
        await run(["--data-dir", str(org_data), "sms-sim", "flat white for Sam at station 1"],
                  prefix=ns.exec(ns.organiser))  # fmt: skip
        _ip("-n", ns.station, "link", "set", ns.station_link, "up")  # back
        await until(lambda: _settled(db, st), timeout=60)
        assert query(db, "SELECT COUNT(*) FROM orders WHERE id = :i", i=walk_in["id"]) == [(1,)]
        names = {o["customer_name"] for o in await station(st, "orders", "--json")}
        assert {"Offline", "Sam"} <= names
        assert state_hash(st / "station.db") == state_hash(db)
    finally:
        await barista.stop()
        await org.stop()


async def _status(st: Path, *, online: bool) -> bool:
    status = await station(st, "status", "--json")
    return bool(status["epoch"]) and status["online"] is online


async def _settled(db: Path, st: Path) -> bool:
    status = await station(st, "status", "--json")
    head = query(db, "SELECT seq FROM sqlite_sequence WHERE name = 'change_log'")[0][0]
    return status["online"] and status["pending"] == 0 and status["cursor"] == head
