"""Shutdown benchmark: how long a real ``serve`` takes to exit on SIGTERM with stations connected.

Each run starts ``main.py serve --demo`` on a fresh data folder (LAN API on 127.0.0.1, free
ports, mDNS on loopback only unless ``--no-mdns``), pairs two real stations (``barista
--headless`` processes, with codes from ``devices pair``, as a user pairs them), waits until
both report ``online``, then sends SIGTERM and measures:

- ``exit_s``: SIGTERM to the organiser's exit (goal < 2 s), and its exit code;
- ``offline_s``: SIGTERM until both stations' status (``station status --json``) says offline;
- ``reconnect_s``: a new ``serve`` on the same folder and port starting, until both stations
  are online again (they reconnect by themselves, with backoff).

Prints JSON. Usage: python bench/shutdown.py [--runs 3] [--no-mdns]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from expresso_desktop.sync import station_queries
from expresso_desktop.sync.replica import Replica

REPO = Path(__file__).resolve().parents[1]
MAIN = str(REPO / "main.py")
ENV = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "EXPRESSO_MDNS_INTERFACES": "127.0.0.1"}
STATIONS = (1, 2)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Process:
    """A child process whose stdout lines are collected by a thread (to wait for one)."""

    def __init__(self, args: list[str], log: Path) -> None:
        self._log = log.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, MAIN, *args],
            stdout=subprocess.PIPE,
            stderr=self._log,
            text=True,
            env=ENV,
        )
        self.lines: list[str] = []
        self._changed = threading.Condition()
        assert self.proc.stdout is not None
        threading.Thread(target=self._read, args=(self.proc.stdout,), daemon=True).start()

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            with self._changed:
                self.lines.append(line)
                self._changed.notify_all()
        with self._changed:
            self._changed.notify_all()

    def wait_for(self, pattern: str, timeout: float = 60.0) -> re.Match[str]:
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for line in self.lines:
                    if found := re.search(pattern, line):
                        return found
                left = deadline - time.monotonic()
                if left <= 0 or self.proc.poll() is not None:
                    raise RuntimeError(f"no {pattern!r}:\n{''.join(self.lines)}")
                self._changed.wait(min(left, 0.5))

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        code = self.proc.wait()
        self._log.close()
        return code


def cli(*args: str) -> str:
    out = subprocess.run(
        [sys.executable, MAIN, *args], capture_output=True, text=True, env=ENV, timeout=60
    )
    if out.returncode != 0:
        raise RuntimeError(f"{args}: {out.stderr}")
    return out.stdout


def serve(data: Path, port: int, mdns: bool) -> tuple[Process, str]:
    args = ["--data-dir", str(data), "serve", "--demo", "--webhook-port", "0",
            "--lan-host", "127.0.0.1", "--lan-port", str(port)]  # fmt: skip
    org = Process([*args] if mdns else [*args, "--no-mdns"], data.parent / "organiser.log")
    org.wait_for("Expresso serving")
    return org, org.wait_for(r"lan on (https://\S+)").group(1)


def online(station: Path) -> bool:
    """What ``station status --json`` says (read in this process: polling through a new
    process each time would measure Python's start-up, not the station)."""
    replica = Replica(station / "station.db")
    try:
        return bool(station_queries.status(replica)["online"])
    finally:
        replica.close()


def wait(condition: Callable[[], bool], timeout: float = 90.0) -> float:
    """Seconds until ``condition`` holds (polled: it reads another process's files)."""
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > timeout:
            raise RuntimeError("timed out")
        time.sleep(0.05)
    return time.monotonic() - start


def one_run(root: Path, mdns: bool) -> dict[str, Any]:
    data, port = root / "organiser", free_port()
    org, url = serve(data, port, mdns)
    stations: list[Process] = []
    try:
        folders = [root / f"station-{n}" for n in STATIONS]
        for number, folder in zip(STATIONS, folders, strict=True):
            out = cli("--data-dir", str(data), "devices", "pair", "--station", str(number))
            code = re.search(r"Pairing code: (\w+)", out)
            assert code, out
            args = ["--data-dir", str(folder), "barista", "--headless", "--server", url,
                    "--pair", code.group(1)]  # fmt: skip
            stations.append(Process(args, root / f"{folder.name}.log"))
        wait(lambda: all(online(f) for f in folders))
        started = time.monotonic()
        org.proc.send_signal(signal.SIGTERM)
        code = org.proc.wait(60)
        exit_s = time.monotonic() - started
        org.stop()
        offline_s = exit_s + wait(lambda: not any(online(f) for f in folders))
        org, _ = serve(data, port, mdns)
        reconnect_s = wait(lambda: all(online(f) for f in folders))
        return {
            "exit_s": round(exit_s, 3),
            "exit_code": code,
            "offline_s": round(offline_s, 3),
            "reconnect_s": round(reconnect_s, 3),
        }
    finally:
        for station in stations:
            station.stop()
        org.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-mdns", action="store_true", help="serve without the mDNS advert")
    args = parser.parse_args()
    runs = []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory(prefix="expresso-shutdown-") as tmp:
            runs.append(one_run(Path(tmp), mdns=not args.no_mdns))
    exits = [r["exit_s"] for r in runs]
    print(
        json.dumps(
            {
                "stations": len(STATIONS),
                "mdns": not args.no_mdns,
                "runs": runs,
                "exit_s_median": round(statistics.median(exits), 3),
                "exit_s_max": max(exits),
                "goal_exit_s": 2.0,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
