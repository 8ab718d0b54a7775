"""Alembic migrations, run by ``expresso_desktop.store.migrate`` (there is no alembic.ini)."""
