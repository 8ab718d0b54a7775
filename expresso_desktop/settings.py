"""Application settings, declared once with their defaults, and where the app keeps its data.

Data lives under platformdirs' per-user data folder unless ``--data-dir`` (or ``EXPRESSO_DATA_DIR``)
points elsewhere, which is how tests run in ``tmp_path``. Secrets never live here: they are in the
OS keyring or the environment.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import platformdirs

APP_NAME = "Expresso"
APP_AUTHOR = "Expresso"


class Mode(StrEnum):
    ORGANISER = "organiser"
    BARISTA = "barista"


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
    def log_dir(self) -> Path:
        return self.data_dir / "logs"

    def ensure(self) -> AppPaths:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        return self


@dataclass(frozen=True, slots=True)
class ServeSettings:
    host: str = "127.0.0.1"
    webhook_port: int = 8787
    public_url: str | None = None
