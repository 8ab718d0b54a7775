"""Application settings, declared once with their defaults, and where the app keeps its data.

Data lives under platformdirs' per-user data folder unless ``--data-dir`` (or ``EXPRESSO_DATA_DIR``)
points elsewhere, which is how tests run in ``tmp_path``. Secrets never live here: they are in the
OS keyring or the environment.

Everything we write under the data folder is private to this user: the folder (and its
sub-folders) 0700, each file 0600 — ``private_dir``, ``private_file`` and ``write_private`` make
them so on POSIX. On Windows the data folder is under the user's profile, which only that user
(and administrators) can read, so modes are left to it.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import platformdirs

log = logging.getLogger(__name__)

APP_NAME = "Expresso"
APP_AUTHOR = "Expresso"


class Mode(StrEnum):
    ORGANISER = "organiser"
    BARISTA = "barista"
    BOARD = "board"  # a customer ready board (a display device)


@dataclass(frozen=True, slots=True)
class AppPaths:
    data_dir: Path

    @classmethod
    def resolve(cls, data_dir: str | os.PathLike[str] | None = None) -> AppPaths:
        chosen = data_dir or os.environ.get("EXPRESSO_DATA_DIR")
        base = Path(chosen) if chosen else Path(platformdirs.user_data_dir(APP_NAME, APP_AUTHOR))
        return cls(base.expanduser().resolve())

    @property
    def master_db(self) -> Path:
        return self.data_dir / "organiser.db"

    @property
    def replica_db(self) -> Path:
        return self.data_dir / "station.db"

    @property
    def board(self) -> AppPaths:
        """A ready board's own folder (its replica and token), apart from a station's."""
        return AppPaths(self.data_dir / "board")

    @property
    def log_dir(self) -> Path:
        return self.data_dir / "logs"

    def ensure(self) -> AppPaths:
        private_dir(self.data_dir)
        private_dir(self.log_dir)
        return self


_POSIX = os.name == "posix"


def private_dir(path: Path) -> Path:
    """Make ``path`` (and missing parents) and make it 0700: a folder made by an older version,
    or by someone else's umask, is tightened too."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if _POSIX and path.stat().st_mode & 0o777 != 0o700:
        try:
            path.chmod(0o700)
        except PermissionError:  # someone else's folder (a mount point given as --data-dir)
            log.warning("cannot make %s private (not ours); check who can read it", path)
    return path


def private_file(path: Path) -> Path:
    """Make sure ``path`` exists and is 0600 before anyone (SQLite, a log handler) writes to
    it: created that way, never a moment when another user could open it; a file an older
    version made 0644 is tightened."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        if _POSIX and path.stat().st_mode & 0o777 != 0o600:
            path.chmod(0o600)
    else:
        os.close(fd)
    return path


def write_private(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` atomically (a temporary file, then rename), 0600."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            if _POSIX:
                os.fchmod(fh.fileno(), 0o600)  # a leftover temporary file keeps its old mode
            fh.write(data)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    tmp.replace(path)


@dataclass(frozen=True, slots=True)
class ServeSettings:
    host: str = "127.0.0.1"
    webhook_port: int = 8787
    public_url: str | None = None
