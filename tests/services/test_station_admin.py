"""Stations and their stock (services/station_admin.py) on a real store."""

from __future__ import annotations

import pytest

from expresso_desktop.core.errors import ValidationError
from expresso_desktop.core.menu import Menu
from expresso_desktop.services import station_admin
from expresso_desktop.services.changes import ChangeSet
from expresso_desktop.services.organiser import OrganiserServices
from expresso_desktop.services.writer import Tx
from expresso_desktop.store.engine import read_session
from expresso_desktop.store.tables import Station, StockItem
from tests.services.helpers import station_id, write


def test_capabilities_are_checked_against_the_menu_and_normalised(menu: Menu) -> None:
    caps = station_admin.check_capabilities(
        {"drinks": [" Latte", "latte", "mocha"], "milks": ["OAT"]}, menu
    )
    assert caps == {"drinks": ["latte", "mocha"], "milks": ["oat"], "extras": []}
    with pytest.raises(ValidationError) as bad:
        station_admin.check_capabilities({"extras": ["vanilla", "gold leaf"]}, menu)
    assert bad.value.field == "capabilities.extras[1]"


def test_stations_are_created_updated_deleted_and_their_numbers_reused(
    organiser: OrganiserServices, heard: list[ChangeSet]
) -> None:
    event = organiser.event_id

    def create(tx: Tx) -> Station:
        return station_admin.create_station(
            tx,
            event_id=event,
            number=4,
            fields={"name": "Roof", "capabilities": {"drinks": ["tea"]}},
        )

    four = write(organiser, create)
    assert (four.name, four.capabilities_json, four.deleted) == ("Roof", {"drinks": ["tea"]}, False)
    with pytest.raises(ValidationError) as taken:
        write(organiser, create)
    assert taken.value.field == "number"
    write(
        organiser,
        lambda tx: station_admin.delete_station(
            tx, station_admin.get_station(tx.session, four.id or 0)
        ),
    )
    with read_session(organiser.engine) as session:
        assert [s.number for s in station_admin.list_stations(session, event)] == [1, 2, 3]
        with pytest.raises(station_admin.StationNotFound):
            station_admin.get_station(session, four.id or 0)
    again = write(organiser, create)
    assert (again.id, again.deleted) == (four.id, False)  # the same row comes back
    assert [cs.station_ids for cs in heard] == [{four.id}] * 3
    assert [c.op for c in heard[1].changes] == ["delete"]


def test_stock_items_are_unique_per_station(organiser: OrganiserServices) -> None:
    one = station_id(organiser, 1)

    def add(tx: Tx) -> StockItem:
        return station_admin.create_item(
            tx,
            station_id=one,
            fields={"name": "lids", "unit": "each", "level": 50, "low_threshold": 10},
        )

    lids = write(organiser, add)
    assert (lids.level, lids.baseline, lids.low_threshold) == (50, 50, 10)
    with pytest.raises(ValidationError):
        write(organiser, add)
    with pytest.raises(station_admin.StationNotFound):
        write(
            organiser,
            lambda tx: station_admin.create_item(tx, station_id=9999, fields={"name": "lids"}),
        )
    with read_session(organiser.engine) as session:
        names = [i.name for i in station_admin.list_items(session, organiser.event_id, one)]
        everywhere = station_admin.list_items(session, organiser.event_id, None)
    assert "lids" in names and names == sorted(names)
    assert {i.station_id for i in everywhere} == {station_id(organiser, n) for n in (1, 2, 3)}
