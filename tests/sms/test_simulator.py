"""The simulator as a user drives it: ``expresso sms-sim`` against a real ``serve`` process."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from expresso_desktop.sms.simulator import RUNTIME_FILE, read_runtime

REPO = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}


def cli(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(REPO / "main.py"), "--data-dir", str(data), *args],
        capture_output=True,
        text=True,
        env=ENV,
        timeout=60,
        check=False,
    )


@pytest.fixture
def organiser(tmp_path: Path) -> Iterator[Path]:
    data = tmp_path / "data"
    args = ["serve", "--demo", "--webhook-port", "0", "--simulate-customers", "600"]
    args += ["--lan-host", "127.0.0.1", "--lan-port", "0", "--no-mdns"]  # not under test here
    with (tmp_path / "serve.log").open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, str(REPO / "main.py"), "--data-dir", str(data), *args],
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
            env=ENV,
        )
        try:
            assert proc.stdout is not None
            lines = [proc.stdout.readline()]
            while lines[-1] and "serving" not in lines[-1]:
                lines.append(proc.stdout.readline())
            assert "serving" in lines[-1], "".join(lines)
            yield data
        finally:
            proc.terminate()
            proc.wait(timeout=20)
            if proc.stdout:
                proc.stdout.close()
    assert proc.returncode == 0
    assert not (data / RUNTIME_FILE).exists()  # a stopped organiser is not found by sms-sim


@pytest.mark.slow
def test_sms_sim_texts_the_running_organiser_and_shows_the_inbox(organiser: Path) -> None:
    runtime = read_runtime(organiser)
    assert runtime is not None and runtime.mode == "simulator"
    assert runtime.public_url == runtime.url  # no tunnel: signatures are for the local URL

    asked = cli(organiser, "sms-sim", "--from", "+61400000001", "large latte")
    assert asked.returncode == 0, asked.stderr
    assert asked.stdout.startswith("Got it: large latte. What name should we call out?")
    done = cli(organiser, "sms-sim", "--from", "+61400000001", "Sam", "STATUS")
    assert done.returncode == 0, done.stderr
    confirmed, status = done.stdout.strip().splitlines()
    assert confirmed.startswith("Order #") and "large latte for Sam" in confirmed
    number = confirmed.split()[1]
    assert status.startswith(f"Order {number} (large latte) is in the queue")

    inbox = cli(organiser, "sms-sim", "--from", "+61400000001", "--inbox")
    assert inbox.returncode == 0, inbox.stderr
    lines = inbox.stdout.strip().splitlines()
    assert len(lines) == 6  # three texts in, three replies out
    assert "-> [inbound, received] large latte" in lines[0]
    assert "<- [confirmation, replied] Order #" in lines[3]

    # The simulated customers went through the same path: orders from other numbers.
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with sqlite3.connect(organiser / "organiser.db") as db:
            simulated = db.execute(
                "SELECT count(*) FROM sms_messages WHERE direction = 'in' "
                "AND from_number LIKE '+61491570%'"
            ).fetchone()[0]
        if simulated >= 3:
            break
        time.sleep(0.2)
    assert simulated >= 3


def test_sms_sim_without_an_organiser_says_so(tmp_path: Path) -> None:
    out = cli(tmp_path, "sms-sim", "latte")
    assert out.returncode == 2
    assert "no organiser is running" in out.stderr
    assert "Traceback" not in out.stderr
