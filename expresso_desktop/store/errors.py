"""Errors the store raises for problems with the database *file* (the environment's fault).

Each carries the path and a sentence saying what to do, so the UI can show it as it is. Bugs
(a bad query, a violated constraint) are not translated: ``IntegrityError`` and friends propagate.
"""

import sqlite3
from pathlib import Path

import sqlalchemy.exc

from expresso_desktop.errors import KnownError


class StoreError(KnownError):
    """A database file cannot be used. ``message`` says what is wrong, ``hint`` what to do."""

    def __init__(self, path: Path | None, message: str, *, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.path = path


class CorruptDatabaseError(StoreError):
    """The file is not an SQLite database, or fails its integrity check."""

    def __init__(self, path: Path | None, detail: str) -> None:
        super().__init__(
            path,
            f"The database {path} is damaged ({detail}). Expresso has not changed it.",
            hint="Restore it from a backup, or move the file aside to start with an empty one.",
        )
        self.detail = detail


class NotExpressoDatabaseError(StoreError):
    """A valid SQLite file that holds someone else's tables."""

    def __init__(self, path: Path) -> None:
        super().__init__(
            path,
            f"{path} is an SQLite database but not an Expresso one; Expresso has not changed it.",
            hint="Choose another data folder, or move the file aside.",
        )


class DatabaseTooNewError(StoreError):
    """The file was written by a newer Expresso (its schema revision is unknown here)."""

    def __init__(self, path: Path, revision: str) -> None:
        super().__init__(
            path,
            f"The database {path} was written by a newer version of Expresso "
            f"(schema {revision}). Expresso has not changed it.",
            hint="Upgrade Expresso to open it.",
        )
        self.revision = revision


class DatabaseLockedError(StoreError):
    """Another process (or a stuck transaction) held the write lock past the busy timeout."""

    def __init__(self, path: Path | None) -> None:
        super().__init__(
            path,
            f"The database {path} is busy: another program is writing to it.",
            hint="Close other copies of Expresso using this data folder, then try again.",
        )


class DiskError(StoreError):
    """The disk is full, read-only, missing or failing."""

    def __init__(self, path: Path | None, detail: str) -> None:
        super().__init__(
            path,
            f"Could not use the database {path} ({detail}).",
            hint="Check there is free disk space and that the data folder is writable.",
        )
        self.detail = detail


_CORRUPT = ("file is not a database", "malformed", "file is encrypted")
_LOCKED = ("database is locked", "database table is locked")
_DISK = (
    "disk i/o error",
    "database or disk is full",
    "unable to open database file",
    "readonly database",
)


def translate(exc: BaseException, path: Path | None) -> StoreError | None:
    """The ``StoreError`` for an SQLite failure about the file, or None for anything else."""
    if isinstance(exc, sqlalchemy.exc.IntegrityError | sqlite3.IntegrityError):
        return None
    original = exc.orig if isinstance(exc, sqlalchemy.exc.DBAPIError) else exc
    if not isinstance(original, sqlite3.DatabaseError):
        return None
    text = str(original).lower()
    if any(marker in text for marker in _LOCKED):
        return DatabaseLockedError(path)
    if any(marker in text for marker in _DISK):
        return DiskError(path, str(original))
    if any(marker in text for marker in _CORRUPT):
        return CorruptDatabaseError(path, str(original))
    return None
