"""SQLite failures about the file become StoreErrors with a path; bugs stay what they are."""

import sqlite3
from pathlib import Path

import pytest
import sqlalchemy.exc

from expresso_desktop.errors import KnownError
from expresso_desktop.store.errors import (
    CorruptDatabaseError,
    DatabaseLockedError,
    DiskError,
    StoreError,
    translate,
)

PATH = Path("/data/expresso.db")


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("database is locked", DatabaseLockedError),
        ("database or disk is full", DiskError),
        ("disk I/O error", DiskError),
        ("attempt to write a readonly database", DiskError),
        ("unable to open database file", DiskError),
        ("file is not a database", CorruptDatabaseError),
        ("database disk image is malformed", CorruptDatabaseError),
    ],
)
def test_file_problems_become_store_errors(message: str, expected: type[StoreError]) -> None:
    raw = sqlite3.OperationalError(message)
    wrapped = sqlalchemy.exc.OperationalError("INSERT ...", {}, raw)
    for exc in (raw, wrapped):
        error = translate(exc, PATH)
        assert type(error) is expected
        assert isinstance(error, KnownError) and error.hint  # the CLI and UI show it as is
        assert error.path == PATH
        assert str(PATH) in str(error)


@pytest.mark.parametrize(
    "exc",
    [
        sqlite3.IntegrityError("FOREIGN KEY constraint failed"),
        sqlalchemy.exc.IntegrityError("INSERT ...", {}, sqlite3.IntegrityError("UNIQUE")),
        sqlite3.OperationalError("no such table: orders"),  # a bug, not the environment
        ValueError("database is locked"),  # not from SQLite at all
    ],
)
def test_bugs_are_not_translated(exc: Exception) -> None:
    assert translate(exc, PATH) is None
