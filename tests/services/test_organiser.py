"""The organiser's composition root (``services/organiser.py``): built once, every field typed
and present from the start (no ``extras`` bag), the one SyncServer made eagerly."""

from __future__ import annotations

import dataclasses
import typing
from pathlib import Path

import pytest
from sqlmodel import select

from expresso_desktop.services import organiser
from expresso_desktop.services.changes import emit
from expresso_desktop.services.organiser import OrganiserServices, build_organiser_services
from expresso_desktop.services.sync.server import SyncServer
from expresso_desktop.services.sync.setup import JOURNAL_DIR_ENV
from expresso_desktop.services.writer import Tx
from expresso_desktop.settings import AppPaths
from expresso_desktop.store.engine import read_session
from expresso_desktop.store.tables import Event


def test_every_field_is_typed_and_there_is_no_extras_bag() -> None:
    hints = typing.get_type_hints(OrganiserServices)
    names = [f.name for f in dataclasses.fields(OrganiserServices)]
    assert "extras" not in names
    assert names == [
        "paths",
        "engine",
        "bus",
        "writer",
        "menus",
        "templates",
        "event_id",
        "sync",
        "texts",
    ]
    assert all(hints[name] is not typing.Any for name in names)
    assert hints["sync"] is SyncServer
    # No field has a default: the root passes each one, nothing is filled in later.
    assert all(f.default is dataclasses.MISSING for f in dataclasses.fields(OrganiserServices))
    assert all(
        f.default_factory is dataclasses.MISSING for f in dataclasses.fields(OrganiserServices)
    )


def test_a_new_data_folder_gets_one_default_event_reused_next_time(tmp_path: Path) -> None:
    first = build_organiser_services(AppPaths(tmp_path))
    try:
        with read_session(first.engine) as session:
            [event] = session.exec(select(Event)).all()
        assert (event.id, event.name) == (first.event_id, organiser.DEFAULT_EVENT_NAME)
    finally:
        first.close()
    again = build_organiser_services(AppPaths(tmp_path))
    try:
        assert again.event_id == first.event_id
        with read_session(again.engine) as session:
            assert len(session.exec(select(Event)).all()) == 1
    finally:
        again.close()


def test_the_sync_server_is_built_eagerly_on_the_same_engine_writer_and_event(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(JOURNAL_DIR_ENV, raising=False)
    services = build_organiser_services(AppPaths(tmp_path))
    try:
        sync = services.sync
        assert isinstance(sync, SyncServer)
        assert sync.engine is services.engine and sync.writer is services.writer
        assert (sync.event_id, sync.menu) == (services.event_id, services.menu)
        assert sync.journal is not None
        assert sync.journal.path == tmp_path / "journal" / f"mutations-{services.event_id}.jsonl"
    finally:
        services.close()


def test_the_journal_may_live_on_another_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(JOURNAL_DIR_ENV, str(tmp_path / "usb"))
    services = build_organiser_services(AppPaths(tmp_path / "data"))
    try:
        assert services.sync.journal is not None
        assert services.sync.journal.path.parent == tmp_path / "usb"
    finally:
        services.close()


def test_the_writer_publishes_on_the_services_bus(tmp_path: Path) -> None:
    services = build_organiser_services(AppPaths(tmp_path))
    try:
        assert services.writer.bus is services.bus
        heard: list[frozenset[str]] = []
        unsubscribe = services.bus.subscribe(lambda changes: heard.append(changes.ids_of("events")))

        def rename(tx: Tx) -> None:
            event = tx.session.get(Event, services.event_id)
            assert event is not None
            event.name = "Open day"
            tx.session.add(event)
            emit(tx.session, tx.changes, "events", event)

        services.writer.run_sync(rename)
        unsubscribe()
        assert heard == [frozenset({str(services.event_id)})]
    finally:
        services.close()


def test_close_stops_the_writer(tmp_path: Path) -> None:
    services = build_organiser_services(AppPaths(tmp_path))
    services.close()
    with pytest.raises(RuntimeError):
        services.writer.run_sync(lambda tx: None)
