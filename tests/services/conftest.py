"""Fixtures for the service tests: a real organiser (an SQLite file in tmp_path, the real writer
and change bus) seeded with the demo event."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from expresso_desktop.services.changes import ChangeSet
from expresso_desktop.services.demo import seed_demo
from expresso_desktop.services.organiser import OrganiserServices, build_organiser_services
from expresso_desktop.settings import AppPaths


@pytest.fixture
def organiser(tmp_path: Path) -> Iterator[OrganiserServices]:
    """The demo event: stations 1, 2 and the Garden Bar (3), stock, staff, shifts now."""
    built = build_organiser_services(AppPaths(tmp_path / "organiser").ensure())
    built.writer.run_sync(lambda tx: seed_demo(tx, event_id=built.event_id, menu=built.menu))
    yield built
    built.close()


@pytest.fixture
def heard(organiser: OrganiserServices) -> list[ChangeSet]:
    """Every change set the bus publishes from now on."""
    published: list[ChangeSet] = []
    organiser.bus.subscribe(published.append)
    return published
