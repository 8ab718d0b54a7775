"""The data folder is private: every folder we make is 0700 and every file we write is 0600
(databases with their -wal/-shm, logs, the certificate and its key, the simulator's secret,
webhook.json, the station's token, the sync journal), whatever the umask."""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from expresso_desktop.settings import AppPaths, private_dir, private_file, write_private
from tests.sync.procs import free_port, organiser, pairing_code, start_station, station, until

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX modes")


@pytest.fixture
def usual_umask() -> Iterator[None]:
    """The common default (files 0644 unless we say otherwise); child processes inherit it."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def not_private(folder: Path) -> dict[str, str]:
    """Everything under ``folder`` (itself included) that others could open."""
    found = {}
    for path in [folder, *folder.rglob("*")]:
        wanted = 0o700 if path.is_dir() else 0o600
        if mode(path) != wanted:
            found[str(path.relative_to(folder.parent))] = oct(mode(path))
    return found


@pytest.mark.slow
async def test_a_fresh_organiser_and_station_write_only_private_files(
    tmp_path: Path, usual_umask: None
) -> None:
    org_data, st_data = tmp_path / "organiser", tmp_path / "station"
    serve, url = await organiser(org_data, free_port())
    barista = None
    try:
        barista = await start_station(st_data, url, await pairing_code(org_data))
        await station(st_data, "walk-in", "large latte", "--name", "Sam")  # pushed: journaled
        await until(async_glob(org_data / "journal", "*.jsonl"))
        for expected in (
            "organiser.db",
            "organiser.db-wal",
            "organiser.db-shm",
            "logs/expresso.log",
            "lan-key.pem",
            "lan-cert.pem",
            "simulator.secret",
            "webhook.json",
        ):
            assert (org_data / expected).exists(), expected
        for expected in ("station.db", "station.db-wal", "logs/expresso.log"):
            assert (st_data / expected).exists(), expected
        assert not_private(org_data) == {} and not_private(st_data) == {}
    finally:
        if barista is not None:
            await barista.stop()
        await serve.stop()
    assert not_private(org_data) == {} and not_private(st_data) == {}


def async_glob(folder: Path, pattern: str):  # type: ignore[no-untyped-def]
    async def check() -> list[Path]:
        return list(folder.glob(pattern)) if folder.exists() else []

    return check


def test_an_older_data_folder_is_tightened(tmp_path: Path, usual_umask: None) -> None:
    data = tmp_path / "data"
    (data / "logs").mkdir(parents=True, mode=0o755)
    data.chmod(0o755)
    old = data / "organiser.db"
    old.write_bytes(b"")
    old.chmod(0o644)
    AppPaths(data).ensure()
    private_file(old)
    assert (mode(data), mode(data / "logs"), mode(old)) == (0o700, 0o700, 0o600)


def test_private_writes_replace_atomically_and_stay_private(
    tmp_path: Path, usual_umask: None
) -> None:
    target = private_dir(tmp_path / "a" / "b") / "webhook.json"
    target.write_text("old")
    target.chmod(0o644)
    write_private(target, b'{"url": "http://127.0.0.1:1"}')
    assert target.read_bytes() == b'{"url": "http://127.0.0.1:1"}' and mode(target) == 0o600
    assert [p.name for p in target.parent.iterdir()] == ["webhook.json"]  # no temporary left
