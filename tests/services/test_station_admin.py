"""Stations and their stock (services/station_admin.py) on a real store."""

from __future__ import annotations

import pytest

from expresso_desktop.core.errors import DomainError, ValidationError
from expresso_desktop.core.items import DrinkSpec
from expresso_desktop.core.menu import Menu
from expresso_desktop.services import orders, station_admin
from expresso_desktop.services.changes import ChangeSet
from expresso_desktop.services.organiser import OrganiserServices
from expresso_desktop.services.writer import Tx
from expresso_desktop.store.engine import read_session
from expresso_desktop.store.tables import Station, StockItem
from tests.services.helpers import logged, station_id, stock_item, write


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


def test_moving_stock_records_a_delta_and_raises_low_once(
    organiser: OrganiserServices, heard: list[ChangeSet]
) -> None:
    beans = stock_item(organiser, 2, "coffee beans")  # par 5000, low at 1000

    def move(delta: float) -> StockItem:
        def work(tx: Tx) -> StockItem:
            item = station_admin.get_item(tx.session, beans.id or 0)
            return station_admin.move_stock(tx, item, delta, client_id="organiser", reason="test")

        return write(organiser, work)

    assert move(-3500).level == 1500
    assert move(-600).level == 900
    assert move(-100).level == 800
    assert move(+2000).level == 2800
    alerts = [a for cs in heard for a in cs.alerts]
    assert [(a.kind, a.entity_id) for a in alerts] == [("stock_low", str(beans.id))]
    movements = logged(organiser, "stock_movements")
    assert [m.data_json["delta"] for m in movements] == [-3500, -600, -100, 2000]  # type: ignore[index]
    assert heard[0].stock_item_ids == {beans.id}


def test_a_count_starts_a_new_generation(organiser: OrganiserServices) -> None:
    milk = stock_item(organiser, 1, "milk:oat")

    def count(tx: Tx) -> StockItem:
        return station_admin.count_item(tx, station_admin.get_item(tx.session, milk.id or 0), 1234)

    counted = write(organiser, count)
    assert (counted.generation, counted.baseline, counted.level) == (
        milk.generation + 1,
        1234,
        1234,
    )


def test_consuming_an_order_takes_its_recipe_from_its_station_once(
    organiser: OrganiserServices,
) -> None:
    two = station_id(organiser, 2)
    before = {
        n: stock_item(organiser, 2, n).level for n in ("coffee beans", "milk:oat", "cup:large")
    }

    def work(tx: Tx) -> list[StockItem]:
        order, _ = orders.store_order(
            tx,
            event_id=organiser.event_id,
            station_id=two,
            specs=[DrinkSpec("latte", "large", "oat", quantity=2)],
        )
        return station_admin.consume_order(tx, order.id, organiser.menu, client_id="organiser")

    changed = write(organiser, work)
    assert sorted(i.name for i in changed) == ["coffee beans", "cup:large", "milk:oat"]
    after = {n: stock_item(organiser, 2, n).level for n in before}
    assert after["cup:large"] == before["cup:large"] - 2
    assert after["coffee beans"] < before["coffee beans"] and after["milk:oat"] < before["milk:oat"]
    order_id = logged(organiser, "orders")[0].entity_id
    with pytest.raises(DomainError) as twice:
        write(
            organiser,
            lambda tx: station_admin.consume_order(tx, order_id, organiser.menu, client_id="x"),
        )
    assert twice.value.code == "already_consumed"
    with pytest.raises(orders.OrderNotFound):
        write(
            organiser,
            lambda tx: station_admin.consume_order(tx, "nope", organiser.menu, client_id="x"),
        )


def test_an_order_without_a_station_has_no_stock_to_take(organiser: OrganiserServices) -> None:
    def work(tx: Tx) -> None:
        order, _ = orders.store_order(
            tx,
            event_id=organiser.event_id,
            station_id=None,
            specs=[DrinkSpec("latte", "medium", "full cream")],
        )
        station_admin.consume_order(tx, order.id, organiser.menu, client_id="organiser")

    with pytest.raises(DomainError) as refused:
        write(organiser, work)
    assert refused.value.code == "no_station"


def test_set_out_writes_only_when_it_changes(organiser: OrganiserServices) -> None:
    cups = stock_item(organiser, 1, "cup:small")

    def set_out(out: bool) -> None:
        write(
            organiser,
            lambda tx: station_admin.set_out(
                tx, station_admin.get_item(tx.session, cups.id or 0), out
            ),
        )

    set_out(True)
    set_out(True)
    set_out(False)
    images = [c for c in logged(organiser, "stock_items") if c.entity_id == str(cups.id)]
    assert [c.data_json["out_of_stock"] for c in images][-2:] == [True, False]  # type: ignore[index]
    assert len(images) == 3  # seeded, out, back in: the repeat wrote nothing
