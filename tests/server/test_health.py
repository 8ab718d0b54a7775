from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import aiohttp

from expresso_desktop.server.app import create_webhook_app
from expresso_desktop.services.organiser import build_organiser_services
from expresso_desktop.settings import AppPaths

REPO = Path(__file__).resolve().parents[2]


async def test_health_answers_without_auth(aiohttp_client, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    services = build_organiser_services(AppPaths(tmp_path))
    try:
        client = await aiohttp_client(create_webhook_app(services))
        resp = await client.get("/health")
        assert resp.status == 200
        assert (await resp.json())["status"] == "ok"
        missing = await client.get("/nope")
        assert missing.status == 404
    finally:
        services.close()


async def test_serve_runs_headless_and_stops_on_sigterm(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [
            sys.executable,
            str(REPO / "main.py"),
            "--data-dir",
            str(tmp_path),
            "serve",
            "--webhook-port",
            "0",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        match = re.search(r"webhook on http://127\.0\.0\.1:(\d+)", line)
        assert match, line + proc.stderr.read() if proc.stderr else line
        url = f"http://127.0.0.1:{match.group(1)}/health"
        async with aiohttp.ClientSession() as session, session.get(url) as resp:
            assert resp.status == 200
            assert (await resp.json())["status"] == "ok"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
        assert (tmp_path / "organiser.db").exists()
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        for stream in (proc.stdout, proc.stderr):
            if stream:
                stream.close()
