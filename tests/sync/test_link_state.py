"""What ``station status`` believes about the link (sync/link_state.py): online only while a sync
process runs and has exchanged with the organiser lately; otherwise offline, since when, why."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from expresso_desktop.sync import link_state, station_queries
from expresso_desktop.sync.replica import Replica, put

from .harness import Organiser, StationNode


@pytest.fixture
def replica(tmp_path: Path) -> Iterator[Replica]:
    made = Replica(tmp_path / "station.db")
    yield made
    made.close()


def _dead_pid() -> int:
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          check=True, capture_output=True, text=True)  # fmt: skip
    return int(done.stdout)


def _online_at(replica: Replica, moment: datetime, pid: int | None = None) -> None:
    """What a running sync writes after an exchange (``runner._set_online``)."""
    with replica.write() as conn:
        if pid is None:
            link_state.mark_running(conn)
        else:
            put(conn, link_state.PID_KEY, str(pid))
        put(conn, "online", "1")
        put(conn, "since", (moment - timedelta(minutes=5)).isoformat())
        put(conn, "last_contact", moment.isoformat())


def test_never_synced_is_offline_because_nothing_runs(replica: Replica) -> None:
    status = station_queries.status(replica)
    assert (status["online"], status["link"], status["sync_pid"]) == (False, "offline", None)
    assert status["reason"] == link_state.NOT_RUNNING
    assert "barista --headless" in status["reason"]


def test_a_running_sync_that_exchanged_lately_is_online(replica: Replica) -> None:
    _online_at(replica, datetime.now(UTC))
    status = station_queries.status(replica)
    assert (status["online"], status["link"], status["reason"]) == (True, "online", "")
    assert status["sync_pid"] is not None and status["last_exchange"]


async def test_a_killed_sync_is_offline_since_its_last_exchange_with_changes_waiting(
    org: Organiser, station: Callable[..., StationNode]
) -> None:
    node = station()
    await node.sync()  # the event is downloaded: taps can be queued
    last = datetime.now(UTC) - timedelta(seconds=3)  # recent: only the dead process tells
    _online_at(node.replica, last, pid=_dead_pid())
    for n in range(7):
        node.tap("order.create", order_id=f"walk-in-{n}", station_id=node.station_id,
                 items=[{"drink": "latte"}])  # fmt: skip
    status = station_queries.status(node.replica)
    assert (status["online"], status["link"], status["sync_pid"]) == (False, "offline", None)
    assert status["since"] == last.isoformat() and status["reason"] == link_state.NOT_RUNNING
    assert status["changes_waiting"] == status["pending"] == 7


def test_a_running_sync_that_stopped_hearing_the_organiser_is_offline(replica: Replica) -> None:
    last = datetime.now(UTC) - link_state.ONLINE_WITHIN - timedelta(seconds=1)
    _online_at(replica, last)
    with replica.read() as conn:
        link = link_state.read_link(conn)
    assert not link.online and link.since == last.isoformat()
    assert link.reason.startswith("no exchange with the organiser since")


def test_a_clean_stop_says_offline_and_forgets_the_process(replica: Replica) -> None:
    _online_at(replica, datetime.now(UTC))
    with replica.write() as conn:
        link_state.mark_stopped(conn)
    with replica.read() as conn:
        link = link_state.read_link(conn)
    assert (link.online, link.sync_pid, link.reason) == (False, None, link_state.NOT_RUNNING)
    assert link.since is not None and replica.state("last_error") == link_state.STOPPED
