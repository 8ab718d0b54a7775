"""The write path: change log rows in commit order, row versions, publish after commit only."""

from __future__ import annotations

import asyncio
import gc
from pathlib import Path

import pytest
from sqlmodel import select

from expresso_desktop.core.items import DrinkSpec
from expresso_desktop.services import order_actions
from expresso_desktop.services.changes import (
    RECEIVED_TEXTS,
    Change,
    ChangeBus,
    ChangeSet,
    emit,
    emit_new,
    emit_update,
    fetch,
    row_image,
)
from expresso_desktop.services.organiser import OrganiserServices
from expresso_desktop.services.writer import Tx, Writer
from expresso_desktop.store import raw
from expresso_desktop.store.engine import open_database, read_session
from expresso_desktop.store.tables import Event, Order, OrderItem
from expresso_desktop.store.tables_sync import ChangeLog
from expresso_desktop.store.types import utcnow
from tests.services import helpers


@pytest.fixture
def writer(tmp_path: Path):  # type: ignore[no-untyped-def]
    engine = open_database(tmp_path / "organiser.db", role="master")
    writer = Writer(engine, ChangeBus())
    yield writer
    writer.close()
    engine.dispose()


def _create_event(name: str):  # type: ignore[no-untyped-def]
    def work(tx: Tx) -> int:
        event = Event(name=name)
        tx.session.add(event)
        emit(tx.session, tx.changes, "events", event, origin=("organiser", 1))
        assert event.id is not None
        return event.id

    return work


async def test_emit_logs_and_publishes_after_commit(writer: Writer) -> None:
    heard: list[ChangeSet] = []
    writer.bus.subscribe(heard.append)
    first = await writer.run(_create_event("Day one"))
    second = await writer.run(_create_event("Day two"))
    assert [c.data["name"] for cs in heard for c in cs.changes] == ["Day one", "Day two"]  # type: ignore[index]
    with read_session(writer.engine) as session:
        log = session.exec(select(ChangeLog).order_by(ChangeLog.version)).all()
        events = {e.id: e for e in session.exec(select(Event)).all()}
    assert [entry.entity_id for entry in log] == [str(first), str(second)]
    assert [entry.origin_client for entry in log] == ["organiser", "organiser"]
    # the row image carries the row_version that the change log allocated
    assert events[second].row_version == log[1].version == heard[1].head
    assert log[1].data_json["row_version"] == log[1].version  # type: ignore[index]


async def test_rolled_back_work_is_never_published(writer: Writer) -> None:
    heard: list[ChangeSet] = []
    writer.bus.subscribe(heard.append)

    def failing(tx: Tx) -> None:
        _create_event("Ghost")(tx)
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        await writer.run(failing)
    assert heard == []
    with read_session(writer.engine) as session:
        assert session.exec(select(ChangeLog)).all() == []


async def test_concurrent_callers_get_gap_free_versions(writer: Writer) -> None:
    await asyncio.gather(*(writer.run(_create_event(f"E{i}")) for i in range(30)))
    with read_session(writer.engine) as session:
        versions = [e.version for e in session.exec(select(ChangeLog).order_by(ChangeLog.version))]
    assert versions == list(range(1, 31))


def test_a_broken_subscriber_does_not_starve_others(writer: Writer) -> None:
    heard: list[ChangeSet] = []

    def broken(_: ChangeSet) -> None:
        raise ValueError("listener bug")

    writer.bus.subscribe(broken)
    unsubscribe = writer.bus.subscribe(heard.append)
    writer.run_sync(_create_event("Sync"))
    assert len(heard) == 1
    unsubscribe()
    writer.run_sync(_create_event("Again"))
    assert len(heard) == 1


# -- the change set's accessors ---------------------------------------------------------------


def _change(entity: str, entity_id: str, data: dict[str, object] | None = None) -> Change:
    return Change(1, entity, entity_id, "upsert" if data is not None else "delete", data)


def test_order_ids_include_orders_whose_items_changed() -> None:
    changes = ChangeSet(
        changes=[
            _change("orders", "order-a", {"id": "order-a"}),
            _change("order_items", "item-1", {"id": "item-1", "order_id": "order-b"}),
            _change("order_items", "item-2", {"id": "item-2", "order_id": "order-a"}),
            _change("stations", "3", {"id": 3}),
            _change("order_items", "item-3"),  # a delete carries no image, so no order
        ]
    )
    assert changes.order_ids == {"order-a", "order-b"}
    assert changes.ids_of("order_items") == {"item-1", "item-2", "item-3"}
    assert [c.entity_id for c in changes.of("orders")] == ["order-a"]


def test_station_and_stock_ids_are_the_integer_keys() -> None:
    changes = ChangeSet(
        changes=[
            _change("stations", "2", {}),
            _change("stock_items", "17", {}),
            _change("stock_items", "4", {}),
            _change("stock_movements", "99", {}),
            _change("stations", "2", {}),
        ]
    )
    assert changes.station_ids == {2}
    assert changes.stock_item_ids == {4, 17}
    assert ChangeSet().station_ids == frozenset() and ChangeSet().head is None


def test_messages_touched_reads_the_tables_written_outside_the_log() -> None:
    assert ChangeSet(touched={"sms_messages", "customers"}).messages_touched
    assert not ChangeSet(touched={"customers"}).messages_touched


def test_texts_received_are_messages_but_nothing_for_the_sender() -> None:
    received = ChangeSet(touched={RECEIVED_TEXTS, "customers"})
    assert received.messages_touched and not received.outbox_touched
    assert ChangeSet(touched={RECEIVED_TEXTS, "sms_messages"}).outbox_touched


async def test_a_real_order_names_itself_and_its_station(
    organiser: OrganiserServices, heard: list[ChangeSet]
) -> None:
    station_id = helpers.station_id(organiser, 1)

    def walk_in(tx: Tx) -> str:
        station = order_actions.live_station(tx.session, station_id)
        order = order_actions.create_at_station(
            tx,
            event_id=organiser.event_id,
            station_id=station_id,
            specs=[DrinkSpec("latte", "medium", "full cream")],
            menu=organiser.menu,
        )
        station.make_time_s = 42.0
        tx.session.add(station)
        emit(tx.session, tx.changes, "stations", station)
        return order.id

    order_id = await organiser.writer.run(walk_in, initiator="ui:walk-in")
    (published,) = heard
    assert published.initiator == "ui:walk-in"
    assert published.order_ids == {order_id}
    assert published.station_ids == {station_id}
    assert published.stock_item_ids == frozenset()
    assert not published.messages_touched


def test_new_rows_in_one_batch_are_logged_in_order_and_stay_in_the_session(
    organiser: OrganiserServices,
) -> None:
    """``emit_new`` (the order-creating path): consecutive versions after what the transaction
    already emitted, row_version equal to the log's, the rows usable by the session after
    (a later change is an UPDATE), and a rolled-back savepoint takes rows and log rows away."""
    station_id = helpers.station_id(organiser, 1)

    def rows() -> tuple[Order, OrderItem]:
        order = Order(event_id=organiser.event_id, station_id=station_id, number="Z001")
        item = OrderItem(order_id=order.id, drink="latte", size="medium", milk="oat")
        return order, item

    def work(tx: Tx) -> tuple[list[Change], str]:
        kept, kept_item = rows()
        _create_event("Day one")(tx)  # emitted before: the batch's versions come after it
        changes = emit_new(tx.session, tx.changes, [("orders", kept), ("order_items", kept_item)])
        with pytest.raises(RuntimeError), tx.savepoint():
            dropped, dropped_item = rows()
            dropped.number = "Z002"
            emit_new(tx.session, tx.changes, [("orders", dropped), ("order_items", dropped_item)])
            raise RuntimeError("the conversation failed")
        kept = tx.session.get(Order, kept.id) or kept  # the savepoint forgot every object
        kept.customer_name = "Sam"
        tx.session.add(kept)
        emit(tx.session, tx.changes, "orders", kept)
        return changes, kept.id

    changes, order_id = organiser.writer.run_sync(work)
    with read_session(organiser.engine) as session:
        log = session.exec(select(ChangeLog).order_by(ChangeLog.version)).all()
        order = session.get(Order, order_id)
        items = session.exec(select(OrderItem).where(OrderItem.order_id == order_id)).all()
        numbers = session.exec(select(Order.number).where(Order.event_id == organiser.event_id))
    assert [c.entity for c in changes] == ["orders", "order_items"]
    assert changes[1].version == changes[0].version + 1
    tail = log[-4:]
    assert [(e.entity, e.version) for e in tail[1:3]] == [(c.entity, c.version) for c in changes]
    assert [e.version for e in tail] == list(range(tail[0].version, tail[0].version + 4))
    assert order is not None and order.customer_name == "Sam"  # updated, not inserted twice
    assert order.row_version == tail[-1].version
    assert [i.row_version for i in items] == [changes[1].version]
    assert tail[2].data_json["row_version"] == changes[1].version  # type: ignore[index]
    assert "Z002" not in set(numbers.all())


def _walk_in(organiser: OrganiserServices) -> str:
    station_id = helpers.station_id(organiser, 1)
    return helpers.write(
        organiser,
        lambda tx: (
            order_actions.create_at_station(
                tx,
                event_id=organiser.event_id,
                station_id=station_id,
                specs=[DrinkSpec("latte", "medium", "oat")],
                menu=organiser.menu,
                customer_name="Sam",
            ).id
        ),
    )


def test_an_update_writes_only_what_changed_and_logs_the_whole_row(
    organiser: OrganiserServices,
) -> None:
    """``emit_update`` (a tap, a stock use): one UPDATE of the columns that changed and the
    version, the log image is the row as the ORM reads it, and the session's object holds
    the new values without anything left to flush."""
    order_id = _walk_in(organiser)
    statements: list[str] = []

    def work(tx: Tx) -> tuple[Change, dict[str, object]]:
        order = fetch(tx.session, Order, order_id)
        assert order is not None
        raw.connection(tx.session).set_trace_callback(statements.append)
        started = utcnow()
        change = emit_update(
            tx.session,
            tx.changes,
            "orders",
            order,
            {"status": "in_progress", "started_at": started, "customer_name": "Sam"},
        )
        raw.connection(tx.session).set_trace_callback(None)
        assert not tx.session.dirty and tx.session.get(Order, order_id) is order
        assert order.status == "in_progress" and order.started_at == started
        return change, row_image(order)

    change, image = organiser.writer.run_sync(work)
    (update,) = [s for s in statements if s.startswith("UPDATE")]
    assert update.startswith("UPDATE orders SET status = 'in_progress', started_at = ")
    assert "customer_name" not in update  # unchanged: not written
    with read_session(organiser.engine) as session:
        stored = session.get(Order, order_id)
        (logged,) = session.exec(select(ChangeLog).where(ChangeLog.version == change.version))
    assert stored is not None and stored.row_version == change.version
    assert row_image(stored) == image == change.data == logged.data_json
    assert (logged.entity, logged.entity_id, logged.op) == ("orders", order_id, "upsert")


def test_fetch_reads_plain_sql_rows_as_the_orm_would_and_keeps_them(
    organiser: OrganiserServices,
) -> None:
    """``fetch``: the session's object if it holds one, else one plain SELECT with every
    column's own reading (aware datetimes, JSON, booleans), the object then kept for the
    transaction; pending ORM changes are flushed first; None for no such row."""
    order_id = _walk_in(organiser)
    with read_session(organiser.engine) as session:
        expected = row_image(session.get(Order, order_id))  # type: ignore[arg-type]
        item = session.exec(select(OrderItem).where(OrderItem.order_id == order_id)).one()

    def work(tx: Tx) -> None:
        order = fetch(tx.session, Order, order_id)
        assert order is not None and row_image(order) == expected
        assert order.created_at.tzinfo is not None and order.vip is False
        gc.collect()  # the session holds objects weakly; fetch keeps what it read
        assert fetch(tx.session, Order, order_id) is order
        row = fetch(tx.session, OrderItem, item.id)
        assert row is not None and row.extras_json == item.extras_json
        pending = Event(name="Day two")
        tx.session.add(pending)  # not flushed yet
        assert fetch(tx.session, Event, 1) is not None
        assert pending.id is not None  # flushed by fetch
        assert fetch(tx.session, Order, "no such order") is None

    organiser.writer.run_sync(work)


def test_a_rolled_back_update_is_forgotten_with_its_object(
    organiser: OrganiserServices,
) -> None:
    """A savepoint that fails after ``emit_update`` takes the row's change back, and the
    object fetched inside it is forgotten: the next fetch reads the row as it stands."""
    order_id = _walk_in(organiser)

    def work(tx: Tx) -> str:
        with pytest.raises(RuntimeError), tx.savepoint():
            order = fetch(tx.session, Order, order_id)
            assert order is not None
            emit_update(tx.session, tx.changes, "orders", order, {"status": "in_progress"})
            raise RuntimeError("the mutation failed")
        assert not tx.changes.changes
        again = fetch(tx.session, Order, order_id)
        assert again is not None
        return again.status

    assert organiser.writer.run_sync(work) == "new"
