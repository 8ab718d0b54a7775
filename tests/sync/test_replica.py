"""The replica's transactions: taps are durable (FULL), what the organiser can give again is
committed without waiting for the disk (NORMAL), and a connection goes back to FULL."""

from __future__ import annotations

from pathlib import Path

from expresso_desktop.sync.replica import Replica

FULL, NORMAL = 2, 1


def test_only_light_writes_skip_the_fsync_and_the_next_write_is_durable_again(
    tmp_path: Path,
) -> None:
    replica = Replica(tmp_path / "station.db")
    try:
        levels = []
        for durable in (True, False, True):
            with replica.write(durable=durable) as conn:
                levels.append(conn.exec_driver_sql("PRAGMA synchronous").scalar())
        assert levels == [FULL, NORMAL, FULL]
    finally:
        replica.close()
