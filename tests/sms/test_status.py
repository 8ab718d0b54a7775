"""STATUS and CANCEL's view of a customer: their open orders, and how long each still waits."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from sqlmodel import select

from expresso_desktop.core.items import drink_of
from expresso_desktop.services.demo import seed_demo
from expresso_desktop.services.organiser import OrganiserServices
from expresso_desktop.services.writer import Tx
from expresso_desktop.sms import status as status_module
from expresso_desktop.sms.status import MAX_OPEN_ORDERS, open_order_rows, open_orders, wait_for
from expresso_desktop.store.repositories import orders_repo
from expresso_desktop.store.repositories.orders_repo import OPEN_STATUSES
from expresso_desktop.store.tables import (
    Customer,
    Order,
    OrderCreate,
    OrderItemCreate,
    Shift,
    Station,
)
from expresso_desktop.store.types import utcnow


@pytest.fixture
def demo(services: OrganiserServices) -> Iterator[OrganiserServices]:
    """The demo event: stations 1, 2 and the Garden Bar, one barista on shift at each now."""
    services.writer.run_sync(
        lambda tx: seed_demo(tx, event_id=services.event_id, menu=services.menu)
    )
    yield services


def customer(services: OrganiserServices, phone: str = "+61400000001") -> int:
    def work(tx: Tx) -> int:
        row = Customer(phone=phone, name="Sam")
        tx.session.add(row)
        tx.session.flush()
        assert row.id is not None
        return row.id

    return services.writer.run_sync(work)


def station_id(tx: Tx, number: int) -> int:
    found = tx.session.exec(select(Station).where(Station.number == number)).one()
    assert found.id is not None
    return found.id


def place(
    tx: Tx,
    services: OrganiserServices,
    *,
    at: datetime,
    customer_id: int | None = None,
    station: int | None = 2,
    status: str = "new",
    quantity: int = 1,
) -> Order:
    order = orders_repo.create(
        OrderCreate(
            event_id=services.event_id,
            customer_id=customer_id,
            customer_name="Sam",
            station_id=station_id(tx, station) if station is not None else None,
            items=[OrderItemCreate(drink="latte", quantity=quantity)],
        ),
        session=tx.session,
    )
    order.created_at, order.status = at, status  # type: ignore[assignment]
    tx.session.add(order)
    tx.session.flush()
    return order


def set_make_time(tx: Tx, number: int, seconds: float | None) -> None:
    row = tx.session.get(Station, station_id(tx, number))
    assert row is not None
    row.make_time_s = seconds
    tx.session.add(row)


# -- open orders -------------------------------------------------------------------------------
def test_open_orders_are_the_customers_uncollected_ones_newest_first(
    demo: OrganiserServices,
) -> None:
    sam, jo = customer(demo), customer(demo, "+61400000002")
    start = utcnow() - timedelta(minutes=30)

    def work(tx: Tx) -> tuple[list[str], list[str]]:
        made = {
            status: place(tx, demo, at=start + timedelta(minutes=i), customer_id=sam, status=status)
            for i, status in enumerate(("new", "in_progress", "ready", "collected", "cancelled"))
        }
        place(tx, demo, at=start, customer_id=jo)  # someone else's
        gone = place(tx, demo, at=start + timedelta(minutes=9), customer_id=sam)
        gone.deleted = True  # a tombstone is not an order
        tx.session.add(gone)
        found = [o.id for o in open_orders(tx.session, demo.event_id, sam)]
        wanted = [made[s].id for s in ("ready", "in_progress", "new")]
        return found, wanted

    found, wanted = demo.writer.run_sync(work)
    assert found == wanted


def test_open_orders_of_nobody_or_another_event_are_empty(demo: OrganiserServices) -> None:
    sam = customer(demo)

    def work(tx: Tx) -> tuple[int, int, int]:
        place(tx, demo, at=utcnow(), customer_id=sam)
        return (
            len(open_orders(tx.session, demo.event_id, None)),
            len(open_orders(tx.session, demo.event_id + 1, sam)),
            len(open_orders(tx.session, demo.event_id, sam)),
        )

    assert demo.writer.run_sync(work) == (0, 0, 1)


def test_a_status_reply_covers_a_bounded_number_of_orders(demo: OrganiserServices) -> None:
    sam = customer(demo)
    start = utcnow() - timedelta(hours=1)

    def work(tx: Tx) -> tuple[list[str], list[str]]:
        made = [
            place(tx, demo, at=start + timedelta(minutes=i), customer_id=sam).id
            for i in range(MAX_OPEN_ORDERS + 3)
        ]
        return [o.id for o in open_orders(tx.session, demo.event_id, sam)], made

    found, made = demo.writer.run_sync(work)
    assert found == made[::-1][:MAX_OPEN_ORDERS]


def test_the_plain_rows_are_the_open_orders_with_their_drinks(demo: OrganiserServices) -> None:
    sam = customer(demo)
    start = utcnow() - timedelta(minutes=30)

    def work(tx: Tx) -> None:
        for i, status in enumerate(("new", "in_progress", "ready", "collected")):
            place(tx, demo, at=start + timedelta(minutes=i), customer_id=sam, status=status)
        place(tx, demo, at=start, customer_id=sam, station=None, quantity=3)
        rows = open_order_rows(tx.session, demo.event_id, sam)
        orders = open_orders(tx.session, demo.event_id, sam)
        assert [r.id for r in rows] == [o.id for o in orders]
        for row, order in zip(rows, orders, strict=True):
            assert (row.number, row.status, row.station_id, row.created_at) == (
                order.number,
                order.status,
                order.station_id,
                order.created_at,
            )
            items = orders_repo.items(order.id, session=tx.session)
            assert list(row.drinks) == [drink_of(i) for i in items]
        assert open_order_rows(tx.session, demo.event_id, None) == []

    demo.writer.run_sync(work)


def test_a_customers_open_orders_are_found_by_the_customer_not_by_every_open_order(
    demo: OrganiserServices,
) -> None:
    """With thousands of orders open, the event's (event, status) index would read them all on
    every STATUS text: the query goes by the customer's index."""

    def plan(tx: Tx) -> str:
        explained = tx.session.connection().exec_driver_sql(
            "EXPLAIN QUERY PLAN " + status_module._OPEN_ORDERS,
            (1, demo.event_id, *OPEN_STATUSES, 3),
        )
        return " ".join(str(row[-1]) for row in explained)

    assert "ix_orders_customer_id" in demo.writer.run_sync(plan)


# -- waits ---------------------------------------------------------------------------------------
def test_the_wait_counts_the_drinks_ahead_at_the_stations_pace(demo: OrganiserServices) -> None:
    now = utcnow()

    def work(tx: Tx) -> list[int | None]:
        set_make_time(tx, 2, 60)
        place(tx, demo, at=now - timedelta(minutes=3), quantity=2)
        place(tx, demo, at=now - timedelta(minutes=3), status="cancelled", quantity=5)
        place(tx, demo, at=now - timedelta(minutes=3), status="ready", quantity=5)
        place(tx, demo, at=now - timedelta(minutes=3), station=1, quantity=5)  # elsewhere
        mine = place(tx, demo, at=now - timedelta(minutes=2), quantity=1)
        place(tx, demo, at=now - timedelta(minutes=1), quantity=4)  # behind: not counted
        first = wait_for(tx.session, mine, now)
        set_make_time(tx, 2, 150)
        slower = wait_for(tx.session, mine, now)
        set_make_time(tx, 2, None)  # not measured yet: the default pace (90 s)
        default = wait_for(tx.session, mine, now)
        return [first, slower, default]

    # 2 ahead + its own 1 = 3 drinks: 3 min at 60 s, 7.5 → 8 min at 150 s, 4.5 → 5 min at 90 s.
    assert demo.writer.run_sync(work) == [3, 8, 5]


def test_a_second_barista_on_shift_halves_the_wait(demo: OrganiserServices) -> None:
    now = utcnow()

    def work(tx: Tx) -> tuple[int | None, int | None, int | None]:
        set_make_time(tx, 2, 60)
        mine = place(tx, demo, at=now, quantity=4)
        alone = wait_for(tx.session, mine, now)
        shift = tx.session.exec(select(Shift).where(Shift.station_id == station_id(tx, 2))).first()
        assert shift is not None
        tx.session.add(
            Shift(
                station_id=shift.station_id,
                staff_id=shift.staff_id,
                starts_at=now - timedelta(minutes=5),
                ends_at=now + timedelta(hours=1),
            )
        )
        tx.session.add(
            Shift(  # over already: not working now
                station_id=shift.station_id,
                staff_id=shift.staff_id,
                starts_at=now - timedelta(hours=3),
                ends_at=now - timedelta(hours=2),
            )
        )
        tx.session.flush()
        paired = wait_for(tx.session, mine, now)
        return alone, paired, wait_for(tx.session, mine, now + timedelta(days=2))

    alone, paired, nobody_on_shift = demo.writer.run_sync(work)
    assert (alone, paired) == (4, 2)
    assert nobody_on_shift == 4  # no shift at all: still counted as one pair of hands


def test_a_drink_being_made_waits_only_for_itself(demo: OrganiserServices) -> None:
    now = utcnow()

    def work(tx: Tx) -> int | None:
        set_make_time(tx, 2, 60)
        place(tx, demo, at=now - timedelta(minutes=5), quantity=6)  # queued earlier, not started
        making = place(tx, demo, at=now - timedelta(minutes=1), status="in_progress", quantity=2)
        return wait_for(tx.session, making, now)

    assert demo.writer.run_sync(work) == 2


@pytest.mark.parametrize(
    ("status", "station"),
    [("ready", 2), ("collected", 2), ("cancelled", 2), ("new", None)],
)
def test_no_wait_once_ready_or_without_a_station(
    demo: OrganiserServices, status: str, station: int | None
) -> None:
    def work(tx: Tx) -> int | None:
        order = place(tx, demo, at=utcnow(), status=status, station=station)
        return wait_for(tx.session, order, utcnow())

    assert demo.writer.run_sync(work) is None


def test_the_shortest_wait_is_a_minute(demo: OrganiserServices) -> None:
    def work(tx: Tx) -> int | None:
        set_make_time(tx, 2, 5)
        return wait_for(tx.session, place(tx, demo, at=utcnow()), utcnow())

    assert demo.writer.run_sync(work) == 1
