"""Draft a new migration (a developer tool): change the tables, then run
``python -m expresso_desktop.store.new_migration "what changed" 0003`` and review the file it
writes under ``store/migrations/versions``."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from alembic import command

from expresso_desktop.store.engine import open_database
from expresso_desktop.store.migrate import alembic_config


def autogenerate_revision(message: str, rev_id: str) -> Path:
    """Write a draft migration from the difference between head and the tables (dev tool)."""
    with tempfile.TemporaryDirectory() as folder:
        engine = open_database(Path(folder) / "draft.db", role="master")
        try:
            with engine.connect() as connection:
                config = alembic_config(connection)
                script = command.revision(config, message, autogenerate=True, rev_id=rev_id)
        finally:
            engine.dispose()
    if script is None or isinstance(script, list):  # pragma: no cover
        raise RuntimeError("alembic produced no single revision")
    return Path(script.path)


if __name__ == "__main__":  # pragma: no cover - a developer's command
    print(autogenerate_revision(sys.argv[1], sys.argv[2]))
