"""`expresso devices ...` and the LAN side of `expresso serve`, as real processes."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest

from expresso_desktop.core.lan import normal_fingerprint
from expresso_desktop.server.tls import parse_fingerprint
from expresso_desktop.services.pairing import pairing_payload, qr_png
from expresso_desktop.sync.discovery import discover
from tests.paths import REPO


def cli(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(REPO / "main.py"), "--data-dir", str(data), *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Path, str, str]]:
    """A real `serve` (LAN on 127.0.0.1, mDNS on loopback: conftest's environment)."""
    data = tmp_path / "org"
    proc = subprocess.Popen(
        [
            sys.executable,
            str(REPO / "main.py"),
            "--data-dir",
            str(data),
            "serve",
            "--webhook-port",
            "0",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert proc.stdout is not None
    url = fingerprint = None
    lines = []
    for line in proc.stdout:
        lines.append(line)
        if m := re.search(r"lan on (https://127\.0\.0\.1:\d+)", line):
            url = m.group(1)
        if m := re.search(r"LAN certificate SHA-256 ([0-9A-F:]{95})", line):
            fingerprint = m.group(1)
        if "serving" in line:
            break
    try:
        assert url and fingerprint, "".join(lines)
        yield data, url, fingerprint
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            assert proc.wait(timeout=20) == 0
        finally:
            if proc.poll() is None:
                proc.kill()
            for stream in (proc.stdout, proc.stderr):
                if stream:
                    stream.close()


async def test_serve_lan_with_cli_tokens_and_mdns(served: tuple[Path, str, str]) -> None:
    data, url, fingerprint = served
    token = cli(data, "devices", "add", "--name", "script", "--role", "organiser").stdout.strip()
    assert len(token) > 30
    pinned = aiohttp.Fingerprint(parse_fingerprint(fingerprint))
    headers = {"Authorization": f"Bearer {token}"}
    async with aiohttp.ClientSession(headers=headers) as session:
        async with session.get(f"{url}/api/v1/devices/me", ssl=pinned) as resp:
            assert resp.status == 200 and (await resp.json())["role"] == "organiser"
        async with session.post(f"{url}/api/v1/stations", json={"number": 2}, ssl=pinned) as resp:
            assert resp.status == 201
        out = cli(
            data,
            "devices",
            "pair",
            "--role",
            "barista",
            "--station",
            "2",
            "--qr",
            str(data / "pair.png"),
        )
        assert out.returncode == 0, out.stderr
        code = re.search(r"Pairing code: (\w{6})", out.stdout)
        assert code and fingerprint in out.stdout
        # The address the running organiser really listens on (a free port here), in the QR too.
        assert f"Organiser: {url}\n" in out.stdout
        payload = pairing_payload(code.group(1), url, fingerprint)
        assert (data / "pair.png").read_bytes() == qr_png(payload)
        async with session.post(
            f"{url}/api/v1/pair",
            ssl=pinned,
            headers={"Authorization": ""},
            json={"code": code.group(1), "name": "Till"},
        ) as resp:
            assert resp.status == 201
            assert (await resp.json())["device"]["station_number"] == 2
        ours = normal_fingerprint(fingerprint)  # not the first advert: a venue may have two
        found = await discover(
            5.0, ["127.0.0.1"], match=lambda seen: seen.fingerprint == ours, first=True
        )
        assert found and found[0].port == int(url.rsplit(":", 1)[1])
        assert found[0].txt["fp"] == ours
        assert found[0].txt["event"] and len(found[0].txt["epoch"]) == 36
        listed = [json.loads(line) for line in cli(data, "devices", "list").stdout.splitlines()]
        mine = next(d for d in listed if d["name"] == "script")
        assert cli(data, "devices", "revoke", str(mine["id"])).returncode == 0
        async with session.get(f"{url}/api/v1/devices/me", ssl=pinned) as resp:
            assert resp.status == 401
    await asyncio.sleep(0)


def test_pairing_a_barista_needs_an_existing_station(tmp_path: Path) -> None:
    url = "https://10.0.0.5:9443"
    out = cli(tmp_path, "devices", "pair", "--role", "barista", "--station", "7", "--url", url)
    assert out.returncode == 2 and "no station 7" in out.stderr
    assert cli(tmp_path, "devices", "revoke", "42").returncode == 2
    shown = cli(tmp_path, "devices", "pair", "--role", "display", "--url", url)
    assert shown.returncode == 0 and "Certificate SHA-256" in shown.stdout
    assert f"Organiser: {url}\n" in shown.stdout


def test_pairing_without_a_running_organiser_never_guesses_its_address(tmp_path: Path) -> None:
    # The suite's environment: LAN host 127.0.0.1 on port 0 (any free port), so no address.
    out = cli(tmp_path, "devices", "pair", "--role", "display")
    assert out.returncode == 2 and "Pairing code" not in out.stdout
    refusal = out.stderr.strip().splitlines()[-1]
    assert "no organiser is running" in refusal and "--url" in refusal
    with sqlite3.connect(tmp_path / "organiser.db") as db:  # and no code was made for nobody
        assert db.execute("SELECT COUNT(*) FROM pairing_codes").fetchone() == (0,)
    # An address set in the environment is what `serve` would listen on: that one is used.
    configured = subprocess.run(
        [sys.executable, str(REPO / "main.py"), "--data-dir", str(tmp_path), "devices", "pair",
         "--role", "display"],
        capture_output=True, text=True, timeout=60, check=False,
        env={**os.environ, "EXPRESSO_LAN_HOST": "192.0.2.7", "EXPRESSO_LAN_PORT": "9443"},
    )  # fmt: skip
    assert configured.returncode == 0, configured.stderr
    assert "Organiser: https://192.0.2.7:9443\n" in configured.stdout
