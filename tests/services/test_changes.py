"""The write path: change log rows in commit order, row versions, publish after commit only."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlmodel import select

from expresso_desktop.services.changes import ChangeBus, ChangeSet, emit
from expresso_desktop.services.writer import Tx, Writer
from expresso_desktop.store.engine import open_database, read_session
from expresso_desktop.store.tables import Event
from expresso_desktop.store.tables_sync import ChangeLog


@pytest.fixture
def writer(tmp_path: Path):  # type: ignore[no-untyped-def]
    engine = open_database(tmp_path / "organiser.db", role="master")
    writer = Writer(engine, ChangeBus())
    yield writer
    writer.close()
    engine.dispose()


def _create_event(name: str):  # type: ignore[no-untyped-def]
    def work(tx: Tx) -> int:
        event = Event(name=name)
        tx.session.add(event)
        emit(tx.session, tx.changes, "events", event, origin=("organiser", 1))
        assert event.id is not None
        return event.id

    return work


async def test_emit_logs_and_publishes_after_commit(writer: Writer) -> None:
    heard: list[ChangeSet] = []
    writer.bus.subscribe(heard.append)
    first = await writer.run(_create_event("Day one"))
    second = await writer.run(_create_event("Day two"))
    assert [c.data["name"] for cs in heard for c in cs.changes] == ["Day one", "Day two"]  # type: ignore[index]
    with read_session(writer.engine) as session:
        log = session.exec(select(ChangeLog).order_by(ChangeLog.version)).all()
        events = {e.id: e for e in session.exec(select(Event)).all()}
    assert [entry.entity_id for entry in log] == [str(first), str(second)]
    assert [entry.origin_client for entry in log] == ["organiser", "organiser"]
    # the row image carries the row_version that the change log allocated
    assert events[second].row_version == log[1].version == heard[1].head
    assert log[1].data_json["row_version"] == log[1].version  # type: ignore[index]


async def test_rolled_back_work_is_never_published(writer: Writer) -> None:
    heard: list[ChangeSet] = []
    writer.bus.subscribe(heard.append)

    def failing(tx: Tx) -> None:
        _create_event("Ghost")(tx)
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        await writer.run(failing)
    assert heard == []
    with read_session(writer.engine) as session:
        assert session.exec(select(ChangeLog)).all() == []


async def test_concurrent_callers_get_gap_free_versions(writer: Writer) -> None:
    await asyncio.gather(*(writer.run(_create_event(f"E{i}")) for i in range(30)))
    with read_session(writer.engine) as session:
        versions = [e.version for e in session.exec(select(ChangeLog).order_by(ChangeLog.version))]
    assert versions == list(range(1, 31))


def test_a_broken_subscriber_does_not_starve_others(writer: Writer) -> None:
    heard: list[ChangeSet] = []

    def broken(_: ChangeSet) -> None:
        raise ValueError("listener bug")

    writer.bus.subscribe(broken)
    unsubscribe = writer.bus.subscribe(heard.append)
    writer.run_sync(_create_event("Sync"))
    assert len(heard) == 1
    unsubscribe()
    writer.run_sync(_create_event("Again"))
    assert len(heard) == 1
