"""Alembic environment: only ever run through ``expresso_desktop.store.migrate``.

The caller passes an open connection in ``config.attributes["connection"]`` (foreign keys off,
BEGIN IMMEDIATE). The whole upgrade runs in that one transaction: SQLite's DDL is
transactional, so a failed upgrade leaves the file exactly as it was.
"""

from alembic import context
from sqlalchemy.engine import Connection

from expresso_desktop.store.tables import metadata


def _check_foreign_keys(connection: Connection) -> None:
    # Batch migrations copy tables with foreign keys switched off; prove nothing dangles
    # before committing.
    problems = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if problems:
        raise RuntimeError(f"migration left dangling foreign keys: {problems[:5]}")


def run_migrations() -> None:
    if context.is_offline_mode():
        raise RuntimeError("Expresso does not generate offline SQL migrations")
    connection = context.config.attributes.get("connection")
    if not isinstance(connection, Connection):
        raise RuntimeError(
            "run migrations with expresso_desktop.store.migrate, not the alembic CLI"
        )
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=True,  # SQLite alters a table by copying it
        transactional_ddl=True,
        compare_type=True,
        compare_server_default=True,
    )
    with context.begin_transaction():
        context.run_migrations()
        _check_foreign_keys(connection)


run_migrations()
