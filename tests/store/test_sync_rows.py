"""Raw snapshot copies (``sync_rows.read_raw`` / ``write_raw``) between two real databases."""

import gc
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from expresso_desktop.store import sync_rows
from expresso_desktop.store.engine import open_database, read_session, write_connection

ORDER = (
    "INSERT INTO orders (id, event_id, station_id, number, created_at)"
    " VALUES (:id, :event, :station, :number, '2026-05-01 09:00:00.000000')"
)
ITEM = (
    "INSERT INTO order_items (id, order_id, drink, size, milk, sugar, quantity, extras_json,"
    " position) VALUES (:id, :order, 'latte', 'regular', 'whole', 0, :quantity, '[]', 0)"
)


@pytest.fixture
def replica(tmp_path: Path) -> Iterator[Engine]:
    engine = open_database(tmp_path / "station.db", role="replica")
    yield engine
    engine.dispose()


def _snapshot(engine: Engine, event_id: int, station_id: int) -> dict[str, dict[str, Any]]:
    with write_connection(engine) as conn:
        for n in range(3):
            conn.execute(
                sa.text(ORDER), {"id": f"o{n}", "event": event_id, "station": station_id,
                                 "number": str(n + 1)}
            )  # fmt: skip
            conn.execute(sa.text(ITEM), {"id": f"i{n}", "order": f"o{n}", "quantity": 1})
    with read_session(engine) as session:
        return sync_rows.read_raw(session.connection())


def test_a_snapshot_copied_raw_hashes_like_the_organiser(
    engine: Engine, replica: Engine, event_id: int, station_id: int
) -> None:
    tables = _snapshot(engine, event_id, station_id)
    orders = tables["orders"]
    newer = {  # a newer organiser's column this schema lacks is dropped
        "columns": [*orders["columns"], "future"],
        "rows": [[*row, "x"] for row in orders["rows"]],
    }
    with write_connection(replica) as conn:
        count = sync_rows.write_raw(conn, tables | {"orders": newer})
    assert count == sum(len(t["rows"]) for t in tables.values())
    with engine.connect() as a, replica.connect() as b:
        assert sync_rows.state_hash(a) == sync_rows.state_hash(b)


def test_check_constraints_apply_again_after_a_snapshot(
    engine: Engine, replica: Engine, event_id: int, station_id: int
) -> None:
    tables = _snapshot(engine, event_id, station_id)
    with write_connection(replica) as conn:
        sync_rows.write_raw(conn, tables)
        with pytest.raises(sa.exc.IntegrityError, match="CHECK"):
            conn.execute(sa.text(ITEM), {"id": "bad", "order": "o0", "quantity": 0})


def _indexes(engine: Engine) -> list[tuple[str, str]]:
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
            " ORDER BY name"
        )
        return [(name, sql) for name, sql in rows]


def test_a_download_into_empty_tables_builds_their_indexes_afterwards(
    engine: Engine,
    replica: Engine,
    event_id: int,
    station_id: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sync_rows, "BULK_ROWS", 2)  # the 3 orders and items take that path
    tables = _snapshot(engine, event_id, station_id)
    indexes = _indexes(replica)
    assert any(sql for name, sql in indexes if "orders" in sql)
    with write_connection(replica) as conn:
        sync_rows.write_raw(conn, tables)
    assert _indexes(replica) == indexes  # dropped for the insert, built again, same SQL
    with engine.connect() as a, replica.connect() as b:
        assert sync_rows.state_hash(a) == sync_rows.state_hash(b)
        plan = b.exec_driver_sql(
            "EXPLAIN QUERY PLAN SELECT id FROM order_items WHERE order_id = 'o1'"
        ).all()
    assert "USING INDEX" in str(plan) or "USING COVERING INDEX" in str(plan)


def test_a_failed_download_keeps_the_indexes(
    engine: Engine,
    replica: Engine,
    event_id: int,
    station_id: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sync_rows, "BULK_ROWS", 2)
    tables = _snapshot(engine, event_id, station_id)
    items = tables["order_items"]
    twice = {"columns": items["columns"], "rows": [*items["rows"], items["rows"][0]]}
    indexes = _indexes(replica)
    with pytest.raises(sqlite3.IntegrityError), write_connection(replica) as conn:
        sync_rows.write_raw(conn, tables | {"order_items": twice})  # a primary key twice
    assert _indexes(replica) == indexes  # the drop was rolled back with the rows
    with replica.connect() as conn:
        assert conn.exec_driver_sql("SELECT COUNT(*) FROM orders").scalar() == 0


def test_the_collector_is_paused_only_while_a_snapshot_is_built() -> None:
    assert gc.isenabled()
    with sync_rows.collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()  # someone else paused it: left as found
    try:
        with sync_rows.collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()
