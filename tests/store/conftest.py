from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from expresso_desktop.store.engine import open_database, write_session
from expresso_desktop.store.tables import Event, Station


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "expresso.db"


@pytest.fixture
def engine(db_path: Path) -> Iterator[Engine]:
    engine = open_database(db_path, role="master")
    yield engine
    engine.dispose()


@pytest.fixture
def event_id(engine: Engine) -> int:
    with write_session(engine) as session:
        event = Event(name="Test Conf")
        session.add(event)
        session.flush()
        assert event.id is not None
        return event.id


@pytest.fixture
def station_id(engine: Engine, event_id: int) -> int:
    with write_session(engine) as session:
        station = Station(event_id=event_id, number=2, location="near the east doors")
        session.add(station)
        session.flush()
        assert station.id is not None
        return station.id
