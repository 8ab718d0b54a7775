"""Order services on a real store: placing (numbered, routed, emitted) and the lifecycle taps."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from expresso_desktop.core.errors import DomainError, IllegalTransition
from expresso_desktop.core.items import DrinkSpec
from expresso_desktop.core.routing import Unroutable
from expresso_desktop.services import orders
from expresso_desktop.services.demo import seed_demo
from expresso_desktop.services.organiser import OrganiserServices, build_organiser_services
from expresso_desktop.services.writer import Tx
from expresso_desktop.settings import AppPaths
from expresso_desktop.store import raw
from expresso_desktop.store.engine import read_session
from expresso_desktop.store.tables import ChangeLog, Order, OrderItem, Station, StockItem
from expresso_desktop.store.types import utcnow

LATTE = DrinkSpec("latte", "medium", "full cream")


@pytest.fixture
def services(tmp_path: Path) -> Iterator[OrganiserServices]:
    built = build_organiser_services(AppPaths(tmp_path).ensure())
    built.writer.run_sync(lambda tx: seed_demo(tx, event_id=built.event_id, menu=built.menu))
    yield built
    built.close()


def place(services: OrganiserServices, *items: DrinkSpec, **kw: object) -> orders.PlacedOrder:
    def work(tx: Tx) -> orders.PlacedOrder | Unroutable:
        return orders.place_order(
            tx, event_id=services.event_id, menu=services.menu, items=list(items), **kw
        )

    placed = services.writer.run_sync(work)
    assert isinstance(placed, orders.PlacedOrder), placed
    return placed


def versions(services: OrganiserServices, entity: str, entity_id: str) -> list[int]:
    with read_session(services.engine) as session:
        query = select(ChangeLog.version).where(
            ChangeLog.entity == entity, ChangeLog.entity_id == entity_id
        )
        return list(session.exec(query).all())


def test_placing_numbers_routes_stores_and_emits(services: OrganiserServices) -> None:
    first = place(services, LATTE, customer_name="Sam", requested_station=2)
    second = place(services, LATTE, DrinkSpec("mocha", "large", "oat", quantity=2))
    assert (first.order.number, second.order.number) == ("A001", "A002")
    assert first.station.number == 2 and "asked for this station" in first.reason
    assert second.station.number == 1  # station 2 makes no mocha; 1 and the Garden Bar tie
    assert [i.drink for i in second.items] == ["latte", "mocha"]
    assert [i.quantity for i in second.items] == [1, 2]
    assert versions(services, "orders", first.order.id) == [first.order.row_version]
    for item in second.items:
        assert versions(services, "order_items", item.id) == [item.row_version]


def test_an_unroutable_order_writes_nothing_and_uses_no_number(
    services: OrganiserServices,
) -> None:
    def mark_out(tx: Tx) -> None:
        for row in tx.session.exec(select(StockItem).where(StockItem.name == "cup:large")):
            row.out_of_stock = True
            tx.session.add(row)

    services.writer.run_sync(mark_out)
    refused = services.writer.run_sync(
        lambda tx: orders.place_order(
            tx,
            event_id=services.event_id,
            menu=services.menu,
            items=[DrinkSpec("latte", "large", "full cream")],
        )
    )
    assert isinstance(refused, Unroutable) and refused.reason == "cannot_make"
    assert "latte" in refused.makeable_now  # a medium one can still be made
    with read_session(services.engine) as session:
        assert session.exec(select(Order)).all() == []
    assert place(services, LATTE).order.number == "A001"


def test_lifecycle_stamps_times_and_refuses_going_back(services: OrganiserServices) -> None:
    order_id = place(services, LATTE).order.id
    t0 = utcnow()
    started = services.writer.run_sync(lambda tx: orders.start_order(tx, order_id, now=t0))
    assert (started.status, started.started_at) == ("in_progress", t0)
    with pytest.raises(IllegalTransition):
        services.writer.run_sync(lambda tx: orders.start_order(tx, order_id))
    t1 = t0 + timedelta(seconds=80)
    ready = services.writer.run_sync(lambda tx: orders.mark_ready(tx, order_id, now=t1))
    assert (ready.status, ready.ready_at) == ("ready", t1)
    collected = services.writer.run_sync(lambda tx: orders.collect_order(tx, order_id))
    assert collected.status == "collected" and collected.collected_at is not None
    with pytest.raises(IllegalTransition):
        services.writer.run_sync(lambda tx: orders.cancel_order(tx, order_id, "too late"))
    assert len(versions(services, "orders", order_id)) == 4
    with pytest.raises(orders.OrderNotFound):
        services.writer.run_sync(lambda tx: orders.start_order(tx, "no-such-order"))


def test_cancel_records_the_reason(services: OrganiserServices) -> None:
    order_id = place(services, LATTE).order.id
    done = services.writer.run_sync(lambda tx: orders.cancel_order(tx, order_id, "out of milk"))
    assert (done.status, done.cancel_reason) == ("cancelled", "out of milk")
    assert done.cancelled_at is not None


def test_ready_orders_measure_the_station_make_time(services: OrganiserServices) -> None:
    t0 = utcnow()
    for seconds in (60, 120, 90):
        order_id = place(services, LATTE, requested_station=2).order.id
        services.writer.run_sync(lambda tx, o=order_id: orders.start_order(tx, o, now=t0))
        services.writer.run_sync(
            lambda tx, o=order_id, s=seconds: orders.mark_ready(
                tx, o, now=t0 + timedelta(seconds=s)
            )
        )
    with read_session(services.engine) as session:
        station = session.exec(select(Station).where(Station.number == 2)).one()
    assert station.make_time_s == 90.0
    assert versions(services, "stations", str(station.id))[-1] == station.row_version


def test_marking_ready_reads_no_whole_orders_table(services: OrganiserServices) -> None:
    """Each Done re-measures the station's make time: by index, never a pass over every order
    the station has made (it grew to 22 ms on the writer at 5,000 orders)."""
    order_id = place(services, LATTE).order.id
    services.writer.run_sync(lambda tx: orders.start_order(tx, order_id))
    statements: list[str] = []

    def ready(tx: Tx) -> None:  # every statement as SQLite runs it, plain or through the ORM
        raw.connection(tx.session).set_trace_callback(statements.append)
        try:
            orders.mark_ready(tx, order_id)
        finally:
            raw.connection(tx.session).set_trace_callback(None)

    services.writer.run_sync(ready)
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT") and "orders" in s]
    assert selects
    with closing(sqlite3.connect(services.paths.master_db)) as db:
        for statement in selects:
            plan = db.execute(f"EXPLAIN QUERY PLAN {statement}").fetchall()
            # A scan, or a sort of all it found (to keep the latest few), grows with the event.
            grows = [s for *_ids, s in plan if s.startswith("SCAN orders") or "TEMP B-TREE" in s]
            assert not grows, (statement, plan)


def test_store_order_is_the_one_way_an_order_is_written(services: OrganiserServices) -> None:
    def work(tx: Tx) -> tuple[Order, list[OrderItem]]:
        return orders.store_order(
            tx,
            event_id=services.event_id,
            station_id=None,
            specs=[LATTE, DrinkSpec("tea", "small", "none", extras=("honey",))],
            customer_name="Ola",
            notes="no lid",
            source="walk_in",
            order_id="chosen-by-the-client",
            now=datetime(2025, 3, 1, 9, tzinfo=UTC),
        )

    order, items = services.writer.run_sync(work)
    assert (order.id, order.number, order.station_id) == ("chosen-by-the-client", "A001", None)
    assert (order.notes, order.source, order.created_at.hour) == ("no lid", "walk_in", 9)
    assert [(i.order_id, i.position, i.extras_json) for i in items] == [
        (order.id, 0, []),
        (order.id, 1, ["honey"]),
    ]
    assert versions(services, "orders", order.id) == [order.row_version]
    assert [versions(services, "order_items", i.id) for i in items] == [
        [i.row_version] for i in items
    ]
    with pytest.raises(DomainError) as empty:
        services.writer.run_sync(
            lambda tx: orders.store_order(tx, event_id=services.event_id, station_id=None, specs=[])
        )
    assert empty.value.code == "empty_order"
    assert place(services, LATTE).order.number == "A002"  # the refusal used no number
