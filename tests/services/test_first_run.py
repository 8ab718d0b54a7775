"""The first-run check and the wizard's answer on a real master database: a new folder needs
setting up, a bad name writes nothing, the demo answer seeds and names the event, and the marker
(or any station) means never asking again."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import select

from expresso_desktop.core.errors import ValidationError
from expresso_desktop.services.first_run import FirstRun, SetupChoice
from expresso_desktop.services.organiser import OrganiserServices, build_organiser_services
from expresso_desktop.settings import AppPaths
from expresso_desktop.store.engine import read_session
from expresso_desktop.store.tables import Event, Station
from tests.services.helpers import logged, write


@pytest.fixture
def organiser(tmp_path: Path) -> Iterator[OrganiserServices]:
    """A new, empty data folder (the package's fixture seeds the demo)."""
    built = build_organiser_services(AppPaths(tmp_path / "organiser").ensure())
    yield built
    built.close()


def first_run(services: OrganiserServices) -> FirstRun:
    return FirstRun(services.engine, services.event_id, services.menus)


def test_the_demo_answer_seeds_names_and_marks_the_folder(organiser: OrganiserServices) -> None:
    setup = first_run(organiser)
    assert setup.state().needed
    choice = SetupChoice("Harbour Summit", "Europe/Berlin", demo=True)
    write(organiser, lambda tx: setup.finish(tx, choice))
    with read_session(organiser.engine) as session:
        event = session.get(Event, organiser.event_id)
        assert event is not None and (event.name, event.timezone) == (
            "Harbour Summit",
            "Europe/Berlin",
        )
        assert len(session.exec(select(Station)).all()) == 3
    assert not setup.state().needed
    assert "setup_done" in {c.entity_id for c in logged(organiser, "settings")}


def test_a_bad_zone_writes_nothing(organiser: OrganiserServices) -> None:
    setup = first_run(organiser)
    with pytest.raises(ValidationError) as refused:
        write(organiser, lambda tx: setup.finish(tx, SetupChoice("Fine", "Mars/Base", demo=True)))
    assert refused.value.field == "timezone"
    state = setup.state()
    assert state.needed and state.event_name == "My coffee event"


def test_skip_is_remembered(organiser: OrganiserServices) -> None:
    setup = first_run(organiser)
    write(organiser, setup.skip)
    assert not setup.state().needed
