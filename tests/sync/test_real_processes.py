"""Real processes, killed for real (design/sync.md harness (b)): an organiser SIGKILLed right after
committing a push and before answering (T2), or in the middle of a batch before its COMMIT (T3);
a station SIGKILLed while applying a pulled page (T12). Each time the system must come back
to exactly one application of every tap, and the station to the organiser's state."""

from __future__ import annotations

from pathlib import Path

import pytest

from .procs import free_port as _free_port
from .procs import (
    organiser,
    pairing_code,
    query,
    start_station,
    state_hash,
    station,
    until,
)

pytestmark = pytest.mark.slow


async def _pending(data: Path) -> int:
    return int((await station(data, "status", "--json"))["pending"])


async def _settled(org_db: Path, st: Path) -> bool:
    status = await station(st, "status", "--json")
    head = query(org_db, "SELECT seq FROM sqlite_sequence WHERE name = 'change_log'")[0][0]
    return status["pending"] == 0 and status["cursor"] == head


async def test_t2_organiser_killed_after_commit_before_answering(tmp_path: Path) -> None:
    org_data, st = tmp_path / "organiser", tmp_path / "station"
    port = _free_port()
    org, url = await organiser(org_data, port, fault="after_commit_before_response")
    barista = await start_station(st, url, await pairing_code(org_data))
    try:
        await until(lambda: _ready(st))
        walk_in = await station(st, "walk-in", "large oat latte", "--name", "Kim")
        await station(st, "consume", "oat", "150")
        assert (await org.wait()) == -9  # the organiser died: committed, never answered
        org, _ = await organiser(org_data, port)  # back, same address
        db = org_data / "organiser.db"
        await until(lambda: _settled(db, st))
        assert query(db, "SELECT COUNT(*) FROM orders WHERE id = :i", i=walk_in["id"]) == [(1,)]
        assert query(db, "SELECT COUNT(*) FROM stock_movements")[0][0] == 1
        assert query(db, "SELECT COUNT(*) FROM mutation_log")[0][0] == 2
        assert state_hash(st / "station.db") == state_hash(db)
        orders = await station(st, "orders", "--json")
        assert [o["number"] for o in orders if o["id"] == walk_in["id"]] != [None]
    finally:
        await barista.stop()
        await org.stop()


async def test_t3_organiser_killed_mid_batch_before_commit(tmp_path: Path) -> None:
    org_data, st = tmp_path / "organiser", tmp_path / "station"
    port = _free_port()
    org, url = await organiser(org_data, port)
    barista = await start_station(st, url, await pairing_code(org_data))
    await until(lambda: _ready(st))
    await barista.stop()
    await org.stop()
    ids = [(await station(st, "walk-in", "flat white and a mocha"))["id"] for _ in range(10)]
    org, _ = await organiser(org_data, port, fault="mid_batch:5")
    barista = await start_station(st)  # paired already: same organiser, one batch of 10
    try:
        assert (await org.wait()) == -9
        db = org_data / "organiser.db"
        assert query(db, "SELECT COUNT(*) FROM mutation_log")[0][0] == 0  # nothing half-done
        org, _ = await organiser(org_data, port)
        await until(lambda: _settled(db, st))
        for order_id in ids:
            assert query(
                db, "SELECT COUNT(*) FROM order_items WHERE order_id = :i", i=order_id
            ) == [(2,)]
        assert query(db, "SELECT COUNT(*) FROM mutation_log")[0][0] == 10
        assert state_hash(st / "station.db") == state_hash(db)
    finally:
        await barista.stop()
        await org.stop()


async def test_t12_station_killed_while_applying_a_page(tmp_path: Path) -> None:
    org_data, st = tmp_path / "organiser", tmp_path / "station"
    port = _free_port()
    org, url = await organiser(org_data, port)
    barista = await start_station(st, url, await pairing_code(org_data))
    try:
        await until(lambda: _ready(st))
        await barista.stop()
        walk_in = await station(st, "walk-in", "latte")  # queued while the station is down
        before = await station(st, "status", "--json")
        barista = await start_station(st, fault="pull:applied")
        assert (await barista.wait()) == -9  # died inside the page's transaction
        after = await station(st, "status", "--json")
        assert after["cursor"] == before["cursor"]  # the page never happened...
        orders = await station(st, "orders", "--json")
        assert [o["id"] for o in orders if o["id"] == walk_in["id"]]  # ...and the tap is kept
        barista = await start_station(st)
        db = org_data / "organiser.db"
        await until(lambda: _settled(db, st))
        assert query(db, "SELECT COUNT(*) FROM orders WHERE id = :i", i=walk_in["id"]) == [(1,)]
        assert state_hash(st / "station.db") == state_hash(db)
    finally:
        await barista.stop()
        await org.stop()


async def _ready(st: Path) -> bool:
    status = await station(st, "status", "--json")
    return bool(status["epoch"]) and status["online"]
