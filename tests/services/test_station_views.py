"""The floor as routing sees it (services/station_views.py): stations, stock, schedule, queues."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from expresso_desktop.core.items import DrinkSpec
from expresso_desktop.services import orders, station_admin, stock
from expresso_desktop.services.changes import emit
from expresso_desktop.services.organiser import OrganiserServices, build_organiser_services
from expresso_desktop.services.read_cache import ReadCache
from expresso_desktop.services.station_views import Floor, event_zone, load_floor
from expresso_desktop.services.writer import Tx
from expresso_desktop.settings import AppPaths
from expresso_desktop.store.engine import read_session, write_session
from expresso_desktop.store.tables import Event, OperatingHours, Station
from expresso_desktop.store.types import utcnow
from tests.services.helpers import station_id, stock_item, write


def floor(
    services: OrganiserServices, *, at_hours: float = 0, cache: ReadCache | None = None
) -> Floor:
    with read_session(services.engine) as session:
        return load_floor(
            session, services.event_id, utcnow() + timedelta(hours=at_hours), cache=cache
        )


def store(services: OrganiserServices, station: int, *specs: DrinkSpec, vip: bool = False) -> str:
    sid = station_id(services, station)
    return write(
        services,
        lambda tx: (
            orders.store_order(
                tx, event_id=services.event_id, station_id=sid, specs=list(specs), vip=vip
            )[0].id
        ),
    )


@pytest.fixture
def bare(tmp_path: Path) -> Iterator[OrganiserServices]:
    """A fresh event: no shifts, no hours (the open/paused switch alone decides)."""
    built = build_organiser_services(AppPaths(tmp_path / "bare").ensure())
    yield built
    built.close()


LATTE = DrinkSpec("latte", "medium", "full cream")


def test_the_demo_floor_lists_each_station_with_what_it_makes_and_holds(
    organiser: OrganiserServices,
) -> None:
    now = floor(organiser)
    assert [(v.number, v.name) for v in now.views] == [
        (1, "Station 1"),
        (2, "Station 2"),
        (3, "Garden Bar"),
    ]
    one, two, _ = now.views
    assert "mocha" in one.drinks and "mocha" not in two.drinks and "almond" in two.milks
    assert one.stock["milk:oat"].level == stock_item(organiser, 1, "milk:oat").level
    assert (one.baristas, one.queue_length, one.open_windows is not None) == (1, 0, True)
    assert now.station(one.id).number == 1
    assert [v.number for v in now.open_now(utcnow())] == [1, 2, 3]


def test_queues_count_waiting_drinks_and_vip_drinks_separately(
    organiser: OrganiserServices,
) -> None:
    store(organiser, 2, LATTE, DrinkSpec("latte", "medium", "oat", quantity=3))
    vip = store(organiser, 2, LATTE, vip=True)
    made = store(organiser, 2, LATTE)
    write(organiser, lambda tx: orders.mark_ready(tx, made))  # ready: no longer waiting
    two = floor(organiser).views[1]
    assert (two.queue_length, two.vip_queue_length) == (5, 1)
    write(organiser, lambda tx: orders.start_order(tx, vip))  # still being made: still waiting
    assert floor(organiser).views[1].queue_length == 5


def test_stations_close_when_their_shifts_end(organiser: OrganiserServices) -> None:
    later = floor(organiser, at_hours=13)
    at = utcnow() + timedelta(hours=13)
    assert later.open_now(at) == []
    assert all(v.next_opening(at) is None for v in later.views)  # no shift after this one


def test_without_any_schedule_the_open_switch_alone_decides(bare: OrganiserServices) -> None:
    def two_stations(tx: Tx) -> None:
        for number, status in ((1, "open"), (2, "paused")):
            station_admin.create_station(
                tx,
                event_id=bare.event_id,
                number=number,
                fields={"status": status, "capabilities": {"drinks": ["latte"], "milks": ["oat"]}},
            )

    assert floor(bare).views == ()
    write(bare, two_stations)
    now = floor(bare, at_hours=100)
    assert [v.open_windows for v in now.views] == [None, None]
    assert [v.number for v in now.open_now(utcnow())] == [1]
    assert now.makeable_now(bare.menu, utcnow()) == ()  # a latte's default milk is not oat
    assert now.milks_now(bare.menu, utcnow()) == ("oat",)

    def hours_elsewhere(tx: Tx) -> None:  # any hours at all: a schedule applies (closed now)
        day = (utcnow() + timedelta(days=30)).date()
        hours = OperatingHours(event_id=bare.event_id, day=day, opens=time(8), closes=time(9))
        tx.session.add(hours)
        emit(tx.session, tx.changes, "operating_hours", hours)

    write(bare, hours_elsewhere)
    assert floor(bare).open_now(utcnow()) == []


def test_what_is_makeable_follows_stock_and_capabilities(organiser: OrganiserServices) -> None:
    now = utcnow()
    assert "coconut" in floor(organiser).milks_now(organiser.menu, now)
    garden_coconut = stock_item(organiser, 3, "milk:coconut")

    def run_out(tx: Tx) -> None:
        stock.mark_out(tx, stock.get_item(tx.session, garden_coconut.id or 0), True)

    write(organiser, run_out)
    milks = floor(organiser).milks_now(organiser.menu, now)
    assert "coconut" not in milks and "oat" in milks
    makeable = floor(organiser).makeable_now(organiser.menu, now)
    assert "chai latte" in makeable and "tea" in makeable
    assert "milkshake" not in makeable


def test_a_cached_floor_keeps_rows_until_the_bus_announces_a_change(
    organiser: OrganiserServices,
) -> None:
    cache = ReadCache(organiser.bus)
    one = station_id(organiser, 1)
    assert floor(organiser, cache=cache).views[0].name == "Station 1"
    with write_session(organiser.engine) as session:  # behind the writer's back: not announced
        row = session.get(Station, one)
        assert row is not None
        row.name = "Unannounced"
        session.add(row)
    assert floor(organiser, cache=cache).views[0].name == "Station 1"
    store(organiser, 1, LATTE)  # queues are read fresh every time
    assert floor(organiser, cache=cache).views[0].queue_length == 1

    def rename(tx: Tx) -> None:
        station_admin.update_station(
            tx, station_admin.get_station(tx.session, one), {"name": "Foyer"}
        )

    write(organiser, rename)
    assert floor(organiser, cache=cache).views[0].name == "Foyer"
    cache.close()


def test_the_event_zone_falls_back_to_utc(organiser: OrganiserServices) -> None:
    def set_zone(zone: str) -> None:
        with write_session(organiser.engine) as session:
            event = session.get(Event, organiser.event_id)
            assert event is not None
            event.timezone = zone
            session.add(event)

    set_zone("Australia/Sydney")
    with read_session(organiser.engine) as session:
        assert event_zone(session, organiser.event_id) == ZoneInfo("Australia/Sydney")
        assert event_zone(session, organiser.event_id + 1) == ZoneInfo("UTC")
    set_zone("Mars/Olympus_Mons")
    with read_session(organiser.engine) as session:
        assert event_zone(session, organiser.event_id) == ZoneInfo("UTC")


def test_a_floor_built_from_the_cache_has_the_views_of_a_fresh_read(
    organiser: OrganiserServices,
) -> None:
    store(organiser, 2, LATTE, vip=True)
    for hours in (0, 2, 30):  # open, and (shifts over) closed
        at = utcnow() + timedelta(hours=hours)
        cache = ReadCache(organiser.bus)
        with read_session(organiser.engine) as session:
            fresh = load_floor(session, organiser.event_id, at)
            read = load_floor(session, organiser.event_id, at, cache=cache)
            kept = load_floor(session, organiser.event_id, at, cache=cache)
        assert read.views == kept.views == fresh.views
        assert kept.rows.keys() == fresh.rows.keys()
        assert [kept.station(v.id).number for v in kept.views] == [v.number for v in fresh.views]
        cache.close()
