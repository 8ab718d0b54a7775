"""Order rows for screens (services/order_views.py): waiting VIP orders, then newest first,
drinks summarised."""

from __future__ import annotations

from datetime import timedelta

from expresso_desktop.core.items import DrinkSpec
from expresso_desktop.services import order_actions, orders
from expresso_desktop.services.order_views import OrderReads, load_order_rows
from expresso_desktop.services.organiser import OrganiserServices
from expresso_desktop.services.writer import Tx
from expresso_desktop.store.tables import Order
from expresso_desktop.store.types import utcnow
from tests.services.helpers import station_id, write

T0 = utcnow()


def store(
    services: OrganiserServices,
    minute: int,
    *specs: DrinkSpec,
    station: int | None = 1,
    **kw: object,
) -> str:
    sid = station_id(services, station) if station is not None else None

    def work(tx: Tx) -> str:
        order, _ = orders.store_order(
            tx,
            event_id=services.event_id,
            station_id=sid,
            specs=list(specs),
            now=T0 + timedelta(minutes=minute),
            **kw,  # type: ignore[arg-type]
        )
        return order.id

    return write(services, work)


def test_rows_are_newest_first_with_summaries_and_station_names(
    organiser: OrganiserServices,
) -> None:
    first = store(
        organiser,
        1,
        DrinkSpec("latte", "medium", "full cream"),
        DrinkSpec("flat white", "large", "oat", sugar=2, quantity=2, extras=("decaf",)),
        customer_name="Sam",
    )
    second = store(organiser, 2, DrinkSpec("mocha", "medium", "full cream"), station=3, vip=True)
    unassigned = store(organiser, 3, DrinkSpec("long black", "small", "none"), station=None)
    rows = load_order_rows(organiser.engine, organiser.event_id, organiser.menu)
    assert [r.id for r in rows] == [second, unassigned, first]  # the waiting VIP order first
    garden, newest, sams = rows
    assert sams.summary == "latte; 2× large oat flat white, 2 sugars, decaf"
    assert (sams.number, sams.customer_name, sams.station) == ("A001", "Sam", "Station 1")
    assert (garden.station, garden.vip, garden.status, garden.source) == (
        "Garden Bar",
        True,
        "new",
        "sms",
    )
    assert (newest.station, newest.customer_name, newest.summary) == ("—", "", "small long black")


def test_rows_for_given_ids_only_and_a_limit(organiser: OrganiserServices) -> None:
    latte = DrinkSpec("latte", "medium", "full cream")
    ids = [store(organiser, minute, latte) for minute in range(4)]
    some = load_order_rows(organiser.engine, organiser.event_id, organiser.menu, ids=ids[1:3])
    assert [r.id for r in some] == [ids[2], ids[1]]
    assert load_order_rows(organiser.engine, organiser.event_id, organiser.menu, ids=[]) == []
    newest = load_order_rows(organiser.engine, organiser.event_id, organiser.menu, limit=2)
    assert [r.id for r in newest] == [ids[3], ids[2]]


def test_deleted_orders_and_other_events_are_not_listed(organiser: OrganiserServices) -> None:
    latte = DrinkSpec("latte", "medium", "full cream")
    kept = store(organiser, 1, latte)
    gone = store(organiser, 2, latte)

    def tombstone(tx: Tx) -> None:
        order = tx.session.get(Order, gone)
        assert order is not None
        order.deleted = True
        tx.session.add(order)

    write(organiser, tombstone)
    rows = load_order_rows(organiser.engine, organiser.event_id, organiser.menu)
    assert [r.id for r in rows] == [kept]
    assert load_order_rows(organiser.engine, organiser.event_id + 1, organiser.menu) == []


def test_a_vip_order_still_to_be_made_is_listed_first(organiser: OrganiserServices) -> None:
    latte = DrinkSpec("latte", "medium", "full cream")
    vip = store(organiser, 1, latte, vip=True)
    newer = store(organiser, 2, latte)
    rows = load_order_rows(organiser.engine, organiser.event_id, organiser.menu)
    assert [r.id for r in rows] == [vip, newer]
    write(organiser, lambda tx: orders.start_order(tx, vip))
    write(organiser, lambda tx: orders.mark_ready(tx, vip))
    rows = load_order_rows(organiser.engine, organiser.event_id, organiser.menu)
    assert [r.id for r in rows] == [newer, vip]  # made: back among the rest, by age


def test_an_orders_detail_has_full_drink_lines_its_timeline_and_where_it_could_move(
    organiser: OrganiserServices,
) -> None:
    order_id = store(
        organiser,
        1,
        DrinkSpec("flat white", "large", "oat", sugar=1, extras=("extra shot",)),
        DrinkSpec("latte", "medium", "full cream"),
        station=2,
        customer_name="Sam",
    )
    reads = OrderReads(organiser.engine, organiser.event_id, lambda: organiser.menu)
    detail = reads.detail(order_id)
    assert detail is not None
    # every modifier, the menu's defaults too; one line per drink
    assert detail.items == ("large oat flat white, 1 sugar, extra shot", "medium full cream latte")
    assert [e.action for e in detail.timeline] == ["placed"]
    # the Garden Bar makes no flat white: only Station 1 is offered
    assert [name for _, name in detail.move_targets] == ["Station 1"]
    assert not detail.has_phone

    write(organiser, lambda tx: order_actions.set_vip(tx, order_id, True))
    detail = reads.detail(order_id)
    assert detail is not None and detail.row.vip
    assert (detail.timeline[-1].action, detail.timeline[-1].detail) == ("amend", "marked VIP")
    write(organiser, lambda tx: orders.mark_ready(tx, order_id))
    detail = reads.detail(order_id)
    assert detail is not None and detail.move_targets == ()  # made: it stays put
    assert reads.detail("no-such-order") is None


def test_a_search_reaches_orders_older_than_the_list_holds(organiser: OrganiserServices) -> None:
    old_sam = store(organiser, 1, DrinkSpec("mocha", "small", "oat"), customer_name="Sam")
    store(organiser, 2, DrinkSpec("latte", "medium", "full cream"), customer_name="Alex")
    garden = store(organiser, 3, DrinkSpec("latte", "large", "soy"), station=3, customer_name="Jo")
    reads = OrderReads(organiser.engine, organiser.event_id, lambda: organiser.menu)
    assert [r.id for r in reads.rows(limit=1)] == [garden]  # the list holds the newest only
    assert [r.id for r in reads.search("sam")] == [old_sam]  # a name, however old
    assert [r.id for r in reads.search("MOCHA oat")] == [old_sam]  # every word, any field
    assert [r.id for r in reads.search("a001")] == [old_sam]  # its number
    assert [r.id for r in reads.search("garden soy")] == [garden]  # station name, milk
    assert [r.id for r in reads.search("station 3")] == [garden]
    assert reads.search("100%") == reads.search("sa_") == []  # wildcards are plain characters
