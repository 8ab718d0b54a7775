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


# -- row writes and reads on the driver's connection (a pulled page, a rebase, a tap) ----------


def _core_images(conn: sa.Connection) -> dict[str, dict[str, dict[str, Any]]]:
    """Every synced row's image as Core reads it (``select`` + ``image_of``), by table and id."""
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for name in sync_rows.ORDERED:
        pk = sync_rows.pk_column(name).name
        rows = conn.execute(sa.select(sync_rows.table(name))).mappings()
        out[name] = {str(row[pk]): sync_rows.image_of(row) for row in rows}
    return out


def test_read_image_reads_every_row_as_core_does(
    engine: Engine, event_id: int, station_id: int
) -> None:
    _snapshot(engine, event_id, station_id)
    with engine.connect() as conn:
        images = _core_images(conn)
        assert images["events"] and images["stations"] and images["order_items"]
        for name, rows in images.items():
            for key, image in rows.items():
                assert sync_rows.read_image(conn, name, key) == image, name
        assert sync_rows.read_image(conn, "orders", "nowhere") is None


def test_written_images_are_stored_exactly_as_the_organiser_stored_them(
    engine: Engine, replica: Engine, event_id: int, station_id: int
) -> None:
    _snapshot(engine, event_id, station_id)
    with engine.connect() as conn:
        images = _core_images(conn)
        stored = sync_rows.read_raw(conn)
    with write_connection(replica) as conn:
        writes = sync_rows.Writes(conn)
        for name in sync_rows.ORDERED:
            for image in images[name].values():
                writes.upsert(name, image)
        writes.flush()
    with replica.connect() as conn:
        assert sync_rows.read_raw(conn) == stored


def test_writes_run_in_the_order_given(
    engine: Engine, replica: Engine, event_id: int, station_id: int
) -> None:
    tables = _snapshot(engine, event_id, station_id)
    with engine.connect() as conn:
        order = _core_images(conn)["orders"]["o0"]
    with write_connection(replica) as conn:
        sync_rows.write_raw(conn, tables)
        writes = sync_rows.Writes(conn)
        writes.tombstone("orders", "o0", 7)
        writes.upsert("orders", order | {"number": "9"})  # after the tombstone: live again
        writes.delete("order_items", "i1")
        writes.tombstone("orders", "o1", 8)
        writes.flush()
        assert sync_rows.read_image(conn, "orders", "o0") == order | {"number": "9"}
        assert sync_rows.read_image(conn, "order_items", "i1") is None
        o1 = sync_rows.read_image(conn, "orders", "o1")
        assert o1 is not None and o1["deleted"] is True and o1["row_version"] == 8


def test_an_image_without_a_defaulted_column_gets_the_default(
    replica: Engine, engine: Engine, event_id: int, station_id: int
) -> None:
    tables = _snapshot(engine, event_id, station_id)
    with write_connection(replica) as conn:
        sync_rows.write_raw(conn, tables)
        image = {"id": "m1", "channel": "all", "author": "bar", "body": "hi"}
        sync_rows.upsert(conn, "chat_messages", image)
        message = sync_rows.read_image(conn, "chat_messages", "m1")
    assert message is not None and message["row_version"] == 0 and message["created_at"]


def test_a_refused_write_raises_as_core_does(
    engine: Engine, replica: Engine, event_id: int, station_id: int
) -> None:
    tables = _snapshot(engine, event_id, station_id)
    with engine.connect() as conn:
        item = _core_images(conn)["order_items"]["i0"]
    with pytest.raises(sa.exc.IntegrityError, match="CHECK"), write_connection(replica) as conn:
        sync_rows.write_raw(conn, tables)
        sync_rows.upsert(conn, "order_items", item | {"quantity": 0})
