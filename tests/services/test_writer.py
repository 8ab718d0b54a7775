"""The single writer (services/writer.py): savepoints, publishing after commit, initiators."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import select

from expresso_desktop.services.changes import Alert, ChangeBus, ChangeSet, emit
from expresso_desktop.services.writer import Tx, Writer
from expresso_desktop.store.engine import open_database, read_session
from expresso_desktop.store.tables import Customer, Event
from expresso_desktop.store.tables_sync import ChangeLog


@pytest.fixture
def writer(tmp_path: Path) -> Iterator[Writer]:
    engine = open_database(tmp_path / "organiser.db", role="master")
    writer = Writer(engine, ChangeBus())
    yield writer
    writer.close()
    engine.dispose()


@pytest.fixture
def heard(writer: Writer) -> list[ChangeSet]:
    published: list[ChangeSet] = []
    writer.bus.subscribe(published.append)
    return published


def add_event(tx: Tx, name: str) -> int:
    event = Event(name=name)
    tx.session.add(event)
    emit(tx.session, tx.changes, "events", event)
    assert event.id is not None
    return event.id


def event_names(writer: Writer) -> list[str]:
    with read_session(writer.engine) as session:
        return [e.name for e in session.exec(select(Event).order_by(Event.id))]  # type: ignore[arg-type]


class Boom(Exception):
    pass


def test_a_failed_savepoint_drops_its_rows_changes_and_alerts(
    writer: Writer, heard: list[ChangeSet]
) -> None:
    def work(tx: Tx) -> None:
        add_event(tx, "kept")
        tx.changes.alerts.append(Alert("stock_low", "kept alert"))
        with pytest.raises(Boom), tx.savepoint():
            add_event(tx, "rolled back")
            tx.changes.alerts.append(Alert("stock_out", "rolled-back alert"))
            raise Boom
        assert [c.data["name"] for c in tx.changes.changes] == ["kept"]  # type: ignore[index]
        assert [a.message for a in tx.changes.alerts] == ["kept alert"]
        add_event(tx, "after")

    writer.run_sync(work)
    assert event_names(writer) == ["kept", "after"]
    (published,) = heard
    assert [c.data["name"] for c in published.changes] == ["kept", "after"]  # type: ignore[index]
    assert [a.kind for a in published.alerts] == ["stock_low"]
    with read_session(writer.engine) as session:
        log = session.exec(select(ChangeLog).order_by(ChangeLog.version)).all()  # type: ignore[arg-type]
    assert [entry.entity_id for entry in log] == [c.entity_id for c in published.changes]


def test_a_savepoint_that_succeeds_keeps_everything(writer: Writer, heard: list[ChangeSet]) -> None:
    def work(tx: Tx) -> None:
        with tx.savepoint():
            add_event(tx, "inside")
            tx.changes.alerts.append(Alert("stock_low", "inside"))

    writer.run_sync(work)
    assert event_names(writer) == ["inside"]
    assert [len(heard[0].changes), len(heard[0].alerts)] == [1, 1]


def test_a_rolled_back_row_leaves_no_ghost_in_the_session(writer: Writer) -> None:
    """A row inserted in the savepoint, collected and loaded again, is no longer tracked as new:
    without forgetting everything the session would hand it back after the rollback."""

    def work(tx: Tx) -> tuple[bool, bool]:
        held: list[Event | None] = []
        with pytest.raises(Boom), tx.savepoint():
            event_id = add_event(tx, "ghost")
            gc.collect()  # the Event object above is gone; load it again
            held.append(tx.session.get(Event, event_id))
            raise Boom
        return tx.session.get(Event, event_id) is None, held[0] in tx.session

    gone, still_held = writer.run_sync(work)
    assert gone and not still_held
    assert event_names(writer) == []


def test_the_exception_of_a_failed_savepoint_reaches_the_caller(
    writer: Writer, heard: list[ChangeSet]
) -> None:
    def work(tx: Tx) -> None:
        add_event(tx, "before")
        with tx.savepoint():
            raise Boom("from the savepoint")

    with pytest.raises(Boom, match="from the savepoint"):
        writer.run_sync(work)
    assert event_names(writer) == []  # not caught: the whole unit of work rolled back
    assert heard == []


def test_subscribers_hear_a_change_set_only_once_it_is_committed(writer: Writer) -> None:
    visible: list[list[str]] = []

    def subscriber(_: ChangeSet) -> None:  # runs on the writer thread, right after COMMIT
        visible.append(event_names(writer))

    writer.bus.subscribe(subscriber)
    writer.run_sync(lambda tx: add_event(tx, "committed"))
    assert visible == [["committed"]]


async def test_the_initiator_travels_with_the_change_set(
    writer: Writer, heard: list[ChangeSet]
) -> None:
    await writer.run(lambda tx: add_event(tx, "one"), initiator="ui:orders")
    writer.run_sync(lambda tx: add_event(tx, "two"), initiator="lan:7")
    await writer.run(lambda tx: add_event(tx, "three"))
    assert [cs.initiator for cs in heard] == ["ui:orders", "lan:7", None]


def test_rows_outside_the_change_log_are_announced_as_touched(
    writer: Writer, heard: list[ChangeSet]
) -> None:
    def add_customer(tx: Tx) -> None:
        tx.session.add(Customer(phone="+61400000001"))

    writer.run_sync(add_customer)
    (published,) = heard
    assert published.changes == [] and "customers" in published.touched
    assert not published.messages_touched
    writer.run_sync(lambda tx: None)  # nothing written: nothing published
    assert len(heard) == 1
