"""Migrations: upgrade in place, models and scripts in step, and hands off files we can't use."""

import random
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from expresso_desktop.store import migrate
from expresso_desktop.store.engine import open_database, read_session
from expresso_desktop.store.errors import (
    CorruptDatabaseError,
    DatabaseTooNewError,
    NotExpressoDatabaseError,
    StoreError,
)
from expresso_desktop.store.repositories import orders_repo, settings_repo
from expresso_desktop.store.tables import metadata


def _create_at(path: Path, revision: str) -> None:
    """A database as an older Expresso left it (plain engine: no help from ours)."""
    engine = sa.create_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as connection:
            command.upgrade(migrate.alembic_config(connection), revision)
    finally:
        engine.dispose()


def _revision(path: Path) -> str:
    with sqlite3.connect(path) as connection:
        return str(connection.execute("SELECT version_num FROM alembic_version").fetchone()[0])


def test_history_is_one_line_of_numbered_revisions() -> None:
    script = migrate.script_directory()
    assert script.get_heads() == [migrate.head_revision()]
    chain = [rev.revision for rev in reversed(list(script.walk_revisions()))]
    assert chain == [f"{n:04d}" for n in range(1, len(chain) + 1)]


def test_upgrading_a_0001_database_keeps_its_data(db_path: Path) -> None:
    _create_at(db_path, "0001")
    assert _revision(db_path) == "0001"
    with sqlite3.connect(db_path) as connection:
        connection.execute("PRAGMA foreign_keys = ON")
        connection.execute(
            "INSERT INTO events (id, name, primary_colour, accent_colour, timezone, created_at)"
            " VALUES (1, 'Old Conf', '#000', '#fff', 'UTC', '2025-03-01 09:00:00.000000')"
        )
        connection.execute(
            "INSERT INTO orders (id, event_id, number, customer_name, created_at)"
            " VALUES ('o-1', 1, 'A007', 'Sam', '2025-03-01 09:30:00.000000')"
        )
        connection.execute(
            "INSERT INTO order_items (id, order_id, drink, size, milk, sugar, quantity,"
            " extras_json, position) VALUES ('i-1', 'o-1', 'flat white', 'large', 'oat', 0, 1,"
            " '[\"extra shot\"]', 0)"
        )
        connection.execute("INSERT INTO order_number_counters (event_id, last_value) VALUES (1, 7)")
    engine = open_database(db_path, role="master")
    try:
        assert _revision(db_path) == migrate.head_revision()
        assert {"outbox", "sync_state"} <= set(sa.inspect(engine).get_table_names())
        with read_session(engine) as session:
            order = orders_repo.get("o-1", session=session)
            assert order is not None
            assert (order.number, order.customer_name, order.status) == ("A007", "Sam", "new")
            assert order.created_at.isoformat() == "2025-03-01T09:30:00+00:00"
            [item] = orders_repo.items("o-1", session=session)
            assert (item.drink, item.milk, item.extras_json) == (
                "flat white",
                "oat",
                ["extra shot"],
            )
    finally:
        engine.dispose()
    backup = db_path.with_name(f"{db_path.name}.before-{migrate.head_revision()}.bak")
    assert _revision(backup) == "0001"


def test_opening_an_up_to_date_database_changes_nothing(db_path: Path) -> None:
    open_database(db_path, role="master").dispose()
    before = db_path.read_bytes()
    open_database(db_path, role="master").dispose()
    assert db_path.read_bytes() == before
    assert not list(db_path.parent.glob("*.bak"))


def test_models_and_migrations_agree(db_path: Path) -> None:
    # A table or column changed without a migration (or the reverse) shows up here.
    engine = open_database(db_path, role="master")
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "compare_server_default": True}
            )
            assert compare_metadata(context, metadata) == []
    finally:
        engine.dispose()


def test_check_constraints_and_autoincrement_agree(db_path: Path) -> None:
    # Autogenerate does not compare CHECK constraints or AUTOINCREMENT; compare them here.
    engine = open_database(db_path, role="master")
    try:
        inspector = sa.inspect(engine)
        for table in metadata.sorted_tables:
            expected = {
                str(c.name): " ".join(str(c.sqltext).split())
                for c in table.constraints
                if isinstance(c, sa.CheckConstraint)
            }
            found = {
                str(c["name"]): " ".join(c["sqltext"].split())
                for c in inspector.get_check_constraints(table.name)
            }
            assert found == expected, table.name
        with engine.connect() as connection:
            ddl = connection.exec_driver_sql(
                "SELECT sql FROM sqlite_master WHERE name = 'change_log'"
            ).scalar_one()
        assert "AUTOINCREMENT" in ddl
    finally:
        engine.dispose()


def test_a_failed_upgrade_leaves_the_database_as_it_was(
    db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    open_database(db_path, role="master").dispose()
    scripts = tmp_path / "migrations"
    shutil.copytree(migrate.MIGRATIONS_DIR, scripts)
    head = migrate.head_revision()
    (scripts / "versions" / "9000_broken.py").write_text(
        f'''revision = "9000"
down_revision = "{head}"
branch_labels = None
depends_on = None

import sqlalchemy as sa
from alembic import op


def upgrade() -> None:
    op.create_table("half_done", sa.Column("id", sa.Integer(), primary_key=True))
    op.execute("INSERT INTO half_done (id) VALUES (1)")
    op.execute("SELECT * FROM no_such_table")


def downgrade() -> None:
    raise NotImplementedError
'''
    )
    monkeypatch.setattr(migrate, "MIGRATIONS_DIR", scripts)
    with pytest.raises(sa.exc.OperationalError, match="no_such_table"):
        open_database(db_path, role="master")
    with sqlite3.connect(db_path) as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    assert "half_done" not in tables
    assert _revision(db_path) == head


def _assert_refused(path: Path, error: type[StoreError], *words: str) -> StoreError:
    before = path.read_bytes()
    with pytest.raises(error) as caught:
        open_database(path, role="master")
    assert path.read_bytes() == before
    message = str(caught.value)
    assert str(path) in message
    for word in words:
        assert word in message
    return caught.value


def test_random_bytes_are_refused_untouched(db_path: Path) -> None:
    db_path.write_bytes(random.Random(7).randbytes(16384))
    _assert_refused(db_path, CorruptDatabaseError, "backup", "move the file aside")


def test_a_truncated_database_is_refused_untouched(db_path: Path) -> None:
    engine = open_database(db_path, role="master")
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO events (id, name, primary_colour, accent_colour, timezone, created_at)"
            " VALUES (1, 'Conf', '#000', '#fff', 'UTC', '2025-03-01 09:00:00.000000')"
        )
        for n in range(2000):
            connection.exec_driver_sql(
                "INSERT INTO orders (id, event_id, number, customer_name, notes, created_at)"
                f" VALUES ('o-{n}', 1, 'N{n}', 'Sam', '{'x' * 200}',"
                " '2025-03-01 09:30:00.000000')"
            )
    engine.dispose()  # the last connection checkpoints the WAL into the file
    size = db_path.stat().st_size
    assert size > 400_000
    with db_path.open("r+b") as file:
        file.truncate(size // 2)
    _assert_refused(db_path, CorruptDatabaseError, "backup")


def test_a_database_from_a_newer_expresso_is_refused_untouched(db_path: Path) -> None:
    open_database(db_path, role="master").dispose()
    with sqlite3.connect(db_path) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '0999_from_the_future'")
    connection.close()
    error = _assert_refused(db_path, DatabaseTooNewError, "Upgrade Expresso")
    assert "0999_from_the_future" in str(error)


def test_someone_elses_sqlite_file_is_refused_untouched(db_path: Path) -> None:
    with sqlite3.connect(db_path) as connection:
        connection.execute("CREATE TABLE photos (id INTEGER PRIMARY KEY, caption TEXT)")
    connection.close()
    _assert_refused(db_path, NotExpressoDatabaseError, "not an Expresso")


def test_a_crash_with_an_unmerged_wal_opens_with_its_data(db_path: Path) -> None:
    # The read-only pre-check must cope with a "hot" WAL left by a killed organiser.
    program = f"""
import os
from pathlib import Path
from expresso_desktop.store.engine import open_database, write_session
from expresso_desktop.store.tables import Setting
engine = open_database(Path({str(db_path)!r}), role="master")
with write_session(engine) as session:
    session.add(Setting(key="last words", value_json="committed"))
os._exit(0)
"""
    subprocess.run([sys.executable, "-c", program], check=True, timeout=60)
    assert db_path.with_name(db_path.name + "-wal").stat().st_size > 0
    engine = open_database(db_path, role="master")
    try:
        with read_session(engine) as session:
            assert settings_repo.get("last words", session=session) == "committed"
    finally:
        engine.dispose()


def test_indexes_of_columns_a_new_order_leaves_empty_are_partial(db_path: Path) -> None:
    """Storing a text's order writes no page of an index that would only list it as NULL."""
    engine = open_database(db_path, role="master")
    engine.dispose()
    connection = sqlite3.connect(db_path)
    try:
        indexes = dict(
            connection.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index'")
        )
    finally:
        connection.close()
    for name, column in [
        ("ix_orders_group_id", "group_id"),
        ("ix_orders_station_ready_at", "ready_at"),
        ("ix_orders_status_ready_at", "ready_at"),
        ("ix_orders_status_cancelled_at", "cancelled_at"),
        ("ix_order_events_staff_id", "staff_id"),
    ]:
        assert indexes[name].endswith(f"WHERE {column} IS NOT NULL"), name
