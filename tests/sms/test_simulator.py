"""The simulator as a user drives it: ``expresso sms-sim`` against a real ``serve`` process."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import pytest

from expresso_desktop.sms.simulator import RUNTIME_FILE, read_runtime
from tests.throttle import without_throttle

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


class LogLines:
    """The organiser's stderr, copied to ``serve.log``; every line wakes whoever waits on it."""

    def __init__(self, stream: IO[str], copy: IO[str]) -> None:
        self.closed = False
        self._changed = threading.Condition()
        self._pump = threading.Thread(target=self._run, args=(stream, copy), daemon=True)
        self._pump.start()

    def _run(self, stream: IO[str], copy: IO[str]) -> None:
        for line in iter(stream.readline, ""):
            copy.write(line)
            copy.flush()
            with self._changed:
                self._changed.notify_all()
        with self._changed:
            self.closed = True
            self._changed.notify_all()

    def wait_for(self, condition: Callable[[], bool], timeout: float) -> bool:
        """Check ``condition`` again on each new log line (in verbose mode each text logs one
        after its commit); False if the organiser exits or ``timeout`` s pass first."""
        with self._changed:
            self._changed.wait_for(lambda: self.closed or condition(), timeout)
        return condition()

    def join(self) -> None:
        self._pump.join(timeout=20)


@dataclass(frozen=True)
class Serving:
    data: Path
    log: LogLines


@pytest.fixture
def organiser(tmp_path: Path) -> Iterator[Serving]:
    data = tmp_path / "data"
    without_throttle(data)  # 600 simulated customers a minute queue past any wait limit
    args = ["serve", "--demo", "--webhook-port", "0", "--simulate-customers", "600"]
    args += ["--lan-host", "127.0.0.1", "--lan-port", "0", "--no-mdns"]  # not under test here
    with (tmp_path / "serve.log").open("w", encoding="utf-8") as log:
        proc = subprocess.Popen(
            [sys.executable, str(REPO / "main.py"), "--verbose", "--data-dir", str(data), *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=ENV,
        )
        assert proc.stderr is not None
        lines = LogLines(proc.stderr, log)
        try:
            assert proc.stdout is not None
            printed = [proc.stdout.readline()]
            while printed[-1] and "serving" not in printed[-1]:
                printed.append(proc.stdout.readline())
            assert "serving" in printed[-1], "".join(printed)
            yield Serving(data, lines)
        finally:
            proc.terminate()
            proc.wait(timeout=20)
            lines.join()
            for stream in (proc.stdout, proc.stderr):
                if stream:
                    stream.close()
    assert proc.returncode == 0
    assert not (data / RUNTIME_FILE).exists()  # a stopped organiser is not found by sms-sim


def simulated_texts(data: Path) -> int:
    with contextlib.closing(sqlite3.connect(data / "organiser.db")) as db:
        return int(
            db.execute(
                "SELECT count(*) FROM sms_messages WHERE direction = 'in' "
                "AND from_number LIKE '+61491570%'"
            ).fetchone()[0]
        )


@pytest.mark.slow
def test_sms_sim_texts_the_running_organiser_and_shows_the_inbox(organiser: Serving) -> None:
    data = organiser.data
    runtime = read_runtime(data)
    assert runtime is not None and runtime.mode == "simulator"
    assert runtime.public_url == runtime.url  # no tunnel: signatures are for the local URL

    asked = cli(data, "sms-sim", "--from", "+61400000001", "large latte")
    assert asked.returncode == 0, asked.stderr
    assert asked.stdout.startswith("Got it: large latte. What name should we call out?")
    done = cli(data, "sms-sim", "--from", "+61400000001", "Sam", "STATUS")
    assert done.returncode == 0, done.stderr
    confirmed, status = done.stdout.strip().splitlines()
    assert confirmed.startswith("Order #") and "large latte for Sam" in confirmed
    number = confirmed.split()[1]
    assert status.startswith(f"Order {number} (large latte) is in the queue")

    inbox = cli(data, "sms-sim", "--from", "+61400000001", "--inbox")
    assert inbox.returncode == 0, inbox.stderr
    lines = inbox.stdout.strip().splitlines()
    assert len(lines) == 6  # three texts in, three replies out
    assert "-> [inbound, received] large latte" in lines[0]
    assert "<- [confirmation, replied] Order #" in lines[3]

    # The simulated customers went through the same path: orders from other numbers.
    assert organiser.log.wait_for(lambda: simulated_texts(data) >= 3, timeout=20)


def test_sms_sim_without_an_organiser_says_so(tmp_path: Path) -> None:
    out = cli(tmp_path, "sms-sim", "latte")
    assert out.returncode == 2
    assert "no organiser is running" in out.stderr
    assert "Traceback" not in out.stderr
