"""Persistence: sqlmodel tables, the SQLite engine, alembic migrations and repositories.

Entry points: ``engine.open_database`` / ``write_session`` / ``read_session``, the tables in
``tables``, and the query functions in ``repositories``. Nothing is imported here, so that
importing a submodule stays cheap.
"""
