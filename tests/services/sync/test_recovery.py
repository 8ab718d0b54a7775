"""After a backup is put back: a new epoch, a window where unknown entities are deferred, and
the journal replayed through the handlers."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from expresso_desktop.core.sync_protocol import ErrorCode, ResultStatus
from expresso_desktop.services.organiser import OrganiserServices, build_organiser_services
from expresso_desktop.services.sync import recovery
from expresso_desktop.store.engine import read_session
from expresso_desktop.store.tables import ChatMessage

from .conftest import Client


def test_rotating_the_epoch_opens_a_recovery_window(
    organiser: OrganiserServices, client: Callable[..., Client]
) -> None:
    one = client(1)
    epoch = recovery.rotate_epoch(organiser.sync)
    assert epoch != one.epoch
    assert one.push("chat.post", message_id="m", channel="all", body="x").error is (
        ErrorCode.EPOCH_MISMATCH
    )
    one.epoch, one.seq = epoch, 0  # that push was refused whole: seq 1 is still to come
    deferred = one.push("order.start", order_id="not-back-yet")
    assert deferred.error is ErrorCode.DEFERRED and deferred.seq == 1


def test_a_restored_organiser_replays_its_journal(
    organiser: OrganiserServices, client: Callable[..., Client], tmp_path: Path
) -> None:
    one = client(1)
    organiser.engine.dispose()
    backup = tmp_path / "backup.db"
    shutil.copy(organiser.paths.master_db, backup)
    for n in range(3):
        pushed = one.push("chat.post", message_id=f"m-{n}", channel="all", body="after backup")
        assert pushed.results[0].status is ResultStatus.APPLIED
    organiser.close()
    for suffix in ("-wal", "-shm"):
        Path(str(organiser.paths.master_db) + suffix).unlink(missing_ok=True)
    shutil.copy(backup, organiser.paths.master_db)
    restored = build_organiser_services(organiser.paths)
    try:
        assert recovery.restore(restored.sync) == 3
        with read_session(restored.engine) as session:
            assert all(session.get(ChatMessage, f"m-{n}") is not None for n in range(3))
    finally:
        restored.close()
