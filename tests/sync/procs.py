"""Real processes for sync tests: ``serve`` (the organiser), ``barista --headless`` (a station)
and ``station <command>``, started as users start them, killed for real."""

from __future__ import annotations

import asyncio
import json
import os
import re
import socket
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from expresso_desktop.store import sync_rows

REPO = Path(__file__).resolve().parents[2]
MAIN = str(REPO / "main.py")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def env(**extra: str) -> dict[str, str]:
    out = {**os.environ, "QT_QPA_PLATFORM": "offscreen", **extra}
    out.pop("SYNC_FAULT", None)
    if "SYNC_FAULT" in extra:
        out["SYNC_FAULT"] = extra["SYNC_FAULT"]
    return out


@dataclass
class Proc:
    proc: asyncio.subprocess.Process
    lines: list[str] = field(default_factory=list)
    _reader: asyncio.Task[None] | None = None
    log: Any = None

    async def wait_for(self, pattern: str, timeout: float = 30.0) -> re.Match[str]:
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            for line in self.lines:
                if m := re.search(pattern, line):
                    return m
            if self.proc.returncode is not None and self._reader and self._reader.done():
                raise AssertionError(f"process exited before {pattern!r}:\n{''.join(self.lines)}")
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"no {pattern!r} within {timeout}s:\n{''.join(self.lines)}")
            await asyncio.sleep(0.05)

    async def stop(self) -> None:
        if self.proc.returncode is None:
            self.proc.terminate()
            try:
                await asyncio.wait_for(self.proc.wait(), 15)
            except TimeoutError:
                self.proc.kill()
        await self.proc.wait()
        if self._reader:
            await self._reader
        self.close_log()

    async def wait(self) -> int:
        """Until it exits by itself (a fault hook): its return code (-9: SIGKILL)."""
        code = await asyncio.wait_for(self.proc.wait(), 60)
        if self._reader:
            await self._reader
        self.close_log()
        return code

    async def kill(self) -> None:
        if self.proc.returncode is None:
            self.proc.kill()
        await self.proc.wait()
        self.close_log()

    def close_log(self) -> None:
        if self.log is not None:
            self.log.close()
            self.log = None


async def spawn(args: Sequence[str], *, extra_env: dict[str, str] | None = None,
                prefix: Sequence[str] = (), log: Path | None = None) -> Proc:  # fmt: skip
    logfile = log.open("ab") if log else None
    proc = await asyncio.create_subprocess_exec(
        *prefix, sys.executable, MAIN, *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=logfile or asyncio.subprocess.DEVNULL,
        env=env(**(extra_env or {})),
    )  # fmt: skip
    handle = Proc(proc, log=logfile)

    async def read() -> None:
        assert proc.stdout is not None
        while line := await proc.stdout.readline():
            handle.lines.append(line.decode(errors="replace"))

    handle._reader = asyncio.create_task(read())
    return handle


async def organiser(data: Path, port: int, *, fault: str = "", host: str = "127.0.0.1",
                    prefix: Sequence[str] = ()) -> tuple[Proc, str]:  # fmt: skip
    args = ["--data-dir", str(data), "serve", "--demo", "--webhook-port", "0",
            "--lan-host", host, "--lan-port", str(port), "--no-mdns"]  # fmt: skip
    proc = await spawn(args, extra_env={"SYNC_FAULT": fault} if fault else {}, prefix=prefix,
                       log=data.parent / "organiser.log")  # fmt: skip
    await proc.wait_for("Expresso serving")
    url = (await proc.wait_for(r"lan on (https://\S+)")).group(1)
    return proc, url


async def run(args: Sequence[str], *, prefix: Sequence[str] = ()) -> str:
    proc = await asyncio.create_subprocess_exec(
        *prefix, sys.executable, MAIN, *args, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE, env=env(),
    )  # fmt: skip
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0, f"{args} failed ({proc.returncode}): {err.decode()[-2000:]}"
    return out.decode()


async def pairing_code(data: Path, station: int = 1) -> str:
    out = await run(["--data-dir", str(data), "devices", "pair", "--station", str(station)])
    match = re.search(r"Pairing code: (\w+)", out)
    assert match, out
    return match.group(1)


async def start_station(data: Path, url: str | None = None, code: str | None = None, *,
                        fault: str = "", prefix: Sequence[str] = ()) -> Proc:  # fmt: skip
    args = ["--data-dir", str(data), "barista", "--headless"]
    if url:
        args += ["--server", url]
    if code:
        args += ["--pair", code]
    proc = await spawn(args, extra_env={"SYNC_FAULT": fault} if fault else {}, prefix=prefix,
                       log=data.parent / f"{data.name}.log")  # fmt: skip
    await proc.wait_for("syncing with")
    return proc


async def station(data: Path, *args: str) -> Any:
    out = await run(["--data-dir", str(data), "station", *args])
    return json.loads(out) if "--json" in args or args[0] == "walk-in" else out


async def until(check: Any, timeout: float = 40.0, every: float = 0.2) -> Any:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = await check()
        if result:
            return result
        assert asyncio.get_running_loop().time() < deadline, "timed out waiting"
        await asyncio.sleep(every)


def query(db: Path, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    engine = create_engine(f"sqlite:///{db}")
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(sql), params)]
    finally:
        engine.dispose()


def state_hash(db: Path) -> str:
    engine = create_engine(f"sqlite:///{db}")
    try:
        with engine.connect() as conn:
            return sync_rows.state_hash(conn)
    finally:
        engine.dispose()
