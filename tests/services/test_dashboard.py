"""The Live screen's figures (services/dashboard.py) on the demo event: a tile per station with
its status, staff on shift, orders per status, the quoted wait routing would tell a customer,
stock warnings and the devices' connection; the orders of the last three hours."""

from __future__ import annotations

from datetime import timedelta

from expresso_desktop.core.items import DrinkSpec
from expresso_desktop.core.routing import DEFAULT_MAKE_TIME_S
from expresso_desktop.services import devices, orders, stock
from expresso_desktop.services.dashboard import HOURS, DashboardReader
from expresso_desktop.services.orders import PlacedOrder
from expresso_desktop.services.organiser import OrganiserServices
from expresso_desktop.services.writer import Tx
from expresso_desktop.store.types import utcnow
from tests.services.helpers import station_id, stock_item, write


def place(organiser: OrganiserServices, station: int) -> PlacedOrder:
    placed = write(
        organiser,
        lambda tx: orders.place_order(
            tx,
            event_id=organiser.event_id,
            menu=organiser.menu,
            items=[DrinkSpec("latte", "medium", "full cream")],
            requested_station=station,
        ),
    )
    assert isinstance(placed, PlacedOrder)
    return placed


def test_the_demo_event_has_a_tile_per_open_station_with_its_barista(
    organiser: OrganiserServices,
) -> None:
    board = DashboardReader(organiser.engine, organiser.event_id).read()
    tiles = board.stations
    assert [(t.number, t.label, t.status_word) for t in tiles] == [
        (1, "Station 1", "▶ Open"),
        (2, "Station 2", "▶ Open"),
        (3, "Station 3 · Garden Bar", "▶ Open"),
    ]
    assert [t.on_shift for t in tiles] == [("Sam",), ("Priya",), ("Jo",)]
    assert {(t.new, t.in_progress, t.ready) for t in tiles} == {(0, 0, 0)}
    assert {t.quoted_wait_s for t in tiles} == {DEFAULT_MAKE_TIME_S}
    assert tiles[0].stock_text == "● Stock OK" and tiles[0].make_time_text.endswith("yet")
    assert board.online_text(board.read_at) == "Stations online 0/3"
    assert [h.orders for h in board.per_hour] == [0] * HOURS


def test_orders_count_per_status_and_the_wait_grows_as_routing_quotes_it(
    organiser: OrganiserServices,
) -> None:
    reader = DashboardReader(organiser.engine, organiser.event_id)
    first = place(organiser, 2)
    place(organiser, 2)
    board = reader.read()
    two = board.stations[1]
    assert (two.new, two.in_progress, two.ready) == (2, 0, 0)
    assert two.quoted_wait_s == 3 * DEFAULT_MAKE_TIME_S
    assert two.wait_text == f"Quoted wait: {round(3 * DEFAULT_MAKE_TIME_S / 60)} min"
    assert board.per_hour[-1].orders == 2
    write(organiser, lambda tx: orders.start_order(tx, first.order.id))
    two = reader.read().stations[1]
    assert (two.new, two.in_progress, two.ready) == (1, 1, 0)
    write(organiser, lambda tx: orders.mark_ready(tx, first.order.id))
    two = reader.read().stations[1]
    assert (two.new, two.in_progress, two.ready) == (1, 0, 1)


def test_an_item_marked_out_shows_on_its_stations_tile(organiser: OrganiserServices) -> None:
    item = stock_item(organiser, 1, "milk:oat")
    write(organiser, lambda tx: stock.mark_out(tx, stock.get_item(tx.session, item.id), True))
    reader = DashboardReader(organiser.engine, organiser.event_id)
    one = reader.read().stations[0]
    assert one.stock_out == ("Oat milk",) and one.stock_text.startswith("✕ Out: Oat milk")


def test_a_seen_device_puts_its_station_online_until_it_goes_quiet(
    organiser: OrganiserServices,
) -> None:
    one = station_id(organiser, 1)

    def pair(tx: Tx) -> None:
        seen = devices.add_device(session=tx.session, name="tablet", role="barista", station_id=one)
        devices.add_device(session=tx.session, name="spare", role="barista", station_id=one)
        devices.mark_seen([seen.device_id], session=tx.session)

    write(organiser, pair)
    board = DashboardReader(organiser.engine, organiser.event_id).read()
    tile = board.stations[0]
    assert (tile.devices, tile.connection(board.read_at)) == (2, "● Online")
    assert board.online_text(board.read_at) == "Stations online 1/3"
    later = board.read_at + timedelta(minutes=12)
    assert tile.connection(later).startswith("○ Offline since ")
    assert board.stations[1].connection(utcnow()) == "— No device paired"
