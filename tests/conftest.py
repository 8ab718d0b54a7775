"""Suite-wide set-up: Qt renders offscreen (CI has no display) and data stays in tmp_path."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


@pytest.fixture(autouse=True)
def _isolated_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Nothing a test does may land in the developer's real data folder.
    monkeypatch.setenv("EXPRESSO_DATA_DIR", str(tmp_path / "data"))


@pytest.fixture(scope="session")
def menu():  # type: ignore[no-untyped-def]
    from expresso_desktop.core.menu import load_default_menu

    return load_default_menu()
