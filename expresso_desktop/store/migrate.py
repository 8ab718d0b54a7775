"""Running the packaged alembic migrations without an alembic.ini.

To write a new migration: change the tables, then run ``python -m
expresso_desktop.store.new_migration "what changed" 0003``; review the file it writes under
``migrations/versions`` (explicit ops, batch mode), and keep ``tests/store/test_migrations.py``
green.
"""

import functools
import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().with_name("migrations")


def alembic_config(connection: Connection | None = None) -> Config:
    """A Config pointing at the packaged scripts; ``env.py`` runs on ``connection``."""
    config = Config()
    # Config is a ConfigParser: a '%' in the install path must be escaped.
    config.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    config.attributes["connection"] = connection
    return config


def script_directory() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def head_revision() -> str:
    head = _revisions(MIGRATIONS_DIR)[0]
    if head is None:  # pragma: no cover - the package always ships migrations
        raise RuntimeError("no migrations found")
    return head


def known_revisions() -> frozenset[str]:
    return _revisions(MIGRATIONS_DIR)[1]


@functools.cache
def _revisions(location: Path) -> tuple[str | None, frozenset[str]]:
    """Read once per scripts folder: alembic compiles every script on each read, which made
    opening a database cost ~20 ms (stations reopen theirs after every crash)."""
    script = script_directory()
    return script.get_current_head(), frozenset(s.revision for s in script.walk_revisions())


def current_revision(connection: Connection) -> str | None:
    """The revision stamped in the database, or None for an empty (or pre-alembic) file."""
    return MigrationContext.configure(connection).get_current_revision()


def upgrade(connection: Connection, revision: str = "head") -> None:
    """Upgrade the database behind ``connection`` to ``revision`` in one transaction.

    The connection must not be inside a transaction, and should have foreign keys off
    (``PRAGMA foreign_keys`` is ignored inside a transaction, so the caller sets it).
    """
    if connection.in_transaction():
        raise RuntimeError("upgrade() needs a connection outside any transaction")
    log.debug("upgrading database schema to %s", revision)  # the engine logs the outcome
    command.upgrade(alembic_config(connection), revision)
