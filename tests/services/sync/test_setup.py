"""The organiser's one SyncServer and where its journal goes."""

from __future__ import annotations

from pathlib import Path

import pytest

from expresso_desktop.services.organiser import OrganiserServices
from expresso_desktop.services.sync.setup import JOURNAL_DIR_ENV, build_sync_server, journal_path


def test_the_journal_goes_to_the_data_folder_or_a_second_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(JOURNAL_DIR_ENV, raising=False)
    assert journal_path(tmp_path, 3) == tmp_path / "journal" / "mutations-3.jsonl"
    monkeypatch.setenv(JOURNAL_DIR_ENV, str(tmp_path / "usb"))
    assert journal_path(tmp_path, 3) == tmp_path / "usb" / "mutations-3.jsonl"


def test_the_server_is_built_with_its_journal(organiser: OrganiserServices, tmp_path: Path) -> None:
    server = build_sync_server(
        organiser.engine,
        organiser.writer,
        event_id=organiser.event_id,
        menu=organiser.menu,
        data_dir=tmp_path / "elsewhere",
    )
    assert server.journal is not None and server.journal.path.parent.is_dir()
    assert organiser.sync.journal is not None  # the composition root's own
    assert server.hello_info().epoch == organiser.sync.hello_info().epoch
