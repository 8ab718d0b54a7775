"""The demo event (services/demo.py): what it seeds, and that seeding again adds only shifts."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from expresso_desktop.services import demo
from expresso_desktop.services.changes import ChangeSet
from expresso_desktop.services.organiser import OrganiserServices, build_organiser_services
from expresso_desktop.settings import AppPaths
from expresso_desktop.store.engine import read_session
from expresso_desktop.store.repositories import settings_repo
from expresso_desktop.store.tables import Event, Shift, StaffUser, Station, StockItem
from expresso_desktop.store.types import utcnow


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[OrganiserServices]:
    built = build_organiser_services(AppPaths(tmp_path / "fresh").ensure())
    yield built
    built.close()


def seed(services: OrganiserServices, hours_later: float = 0) -> int:
    now = utcnow() + timedelta(hours=hours_later)
    return services.writer.run_sync(
        lambda tx: demo.seed_demo(tx, event_id=services.event_id, menu=services.menu, now=now)
    )


def test_the_demo_seeds_stations_stock_staff_and_shifts_covering_now(
    fresh: OrganiserServices,
) -> None:
    heard: list[ChangeSet] = []
    fresh.bus.subscribe(heard.append)
    written = seed(fresh)
    with read_session(fresh.engine) as session:
        event = session.get(Event, fresh.event_id)
        stations = session.exec(select(Station).order_by(Station.number)).all()  # type: ignore[arg-type]
        stock = session.exec(select(StockItem)).all()
        staff = session.exec(select(StaffUser)).all()
        shifts = session.exec(select(Shift)).all()
        sponsor = settings_repo.get("sponsor_line", session=session)
    assert event is not None and event.name == demo.DEMO_EVENT_NAME
    assert sponsor == demo.SPONSOR_LINE
    assert [(s.number, s.name) for s in stations] == [(1, None), (2, None), (3, "Garden Bar")]
    assert stations[1].capabilities_json["drinks"] == list(demo.ESPRESSO)
    assert sorted(p.name for p in staff) == ["Alex", "Jo", "Priya", "Sam"]
    now = utcnow()
    assert len(shifts) == 3 and all(s.starts_at <= now < s.ends_at for s in shifts)
    garden = {i.name for i in stock if i.station_id == stations[2].id}
    assert {"milk:coconut", "cup:large"} <= garden and "decaf beans" not in garden
    assert all(i.level == i.baseline == i.par for i in stock)
    # every row went through the change log: the count written is what the bus announced
    assert written == len(heard[0].changes) == 1 + 1 + 3 + len(stock) + len(staff) + 3


def test_seeding_again_only_adds_shifts_for_whoever_is_not_on_now(
    fresh: OrganiserServices,
) -> None:
    seed(fresh)
    assert seed(fresh) == 0  # everything exists and the shifts cover now
    assert seed(fresh, hours_later=20) == 3  # tomorrow: new shifts, nothing else
    with read_session(fresh.engine) as session:
        assert len(session.exec(select(Station)).all()) == 3
        assert len(session.exec(select(Shift)).all()) == 6


def test_a_renamed_event_keeps_its_name(fresh: OrganiserServices) -> None:
    def rename(tx):  # type: ignore[no-untyped-def]
        event = tx.session.get(Event, fresh.event_id)
        event.name = "Our own event"
        tx.session.add(event)

    fresh.writer.run_sync(rename)
    seed(fresh)
    with read_session(fresh.engine) as session:
        event = session.get(Event, fresh.event_id)
    assert event is not None and event.name == "Our own event"
