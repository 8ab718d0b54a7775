import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from expresso_desktop.core.orders import format_order_number
from expresso_desktop.store.engine import open_database, read_session, write_session
from expresso_desktop.store.repositories import orders_repo
from expresso_desktop.store.tables import Event, Order, OrderCreate, OrderItemCreate


def _order(event_id: int, station_id: int | None = None, **fields: object) -> OrderCreate:
    return OrderCreate.model_validate(
        {
            "event_id": event_id,
            "station_id": station_id,
            "customer_name": "Sam",
            "items": [OrderItemCreate(drink="flat white", size="large", milk="oat")],
            **fields,
        }
    )


def test_numbers_run_on_per_event_and_past_a999(engine: Engine, event_id: int) -> None:
    with write_session(engine) as session:
        other = Event(name="Other Conf")
        session.add(other)
        session.flush()
        assert other.id is not None
        numbers = [
            orders_repo.create(_order(event_id), session=session).number for _ in range(1001)
        ]
        other_first = orders_repo.create(_order(other.id), session=session).number
    assert numbers[:2] == ["A001", "A002"]
    assert numbers[998:] == ["A999", "C001", "C002"]
    assert len(set(numbers)) == 1001
    assert other_first == "A001"


def test_numbers_are_unique_across_concurrent_writers(db_path: Path, event_id: int) -> None:
    # Two engines = two processes' worth of connections, plus two threads on each.
    engines = [open_database(db_path, role="master") for _ in range(2)]
    numbers: list[str] = []
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def allocate(engine: Engine) -> None:
        try:
            start.wait()
            for _ in range(50):
                with write_session(engine) as session:
                    number = orders_repo.create(_order(event_id), session=session).number
                    assert number is not None
                    numbers.append(number)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=allocate, args=(e,)) for e in engines for _ in range(2)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        for engine in engines:
            engine.dispose()
    assert not errors
    assert sorted(numbers) == [format_order_number(n) for n in range(1, 201)]


def test_a_number_is_never_reused_after_its_order_is_gone(engine: Engine, event_id: int) -> None:
    with write_session(engine) as session:
        first = orders_repo.create(_order(event_id), session=session)
        session.delete(first)
    with write_session(engine) as session:
        assert orders_repo.create(_order(event_id), session=session).number == "A002"


def test_a_rolled_back_allocation_is_not_lost(engine: Engine, event_id: int) -> None:
    # The counter lives in the same transaction as the order: both go, or neither.
    with pytest.raises(RuntimeError), write_session(engine) as session:
        orders_repo.create(_order(event_id), session=session)
        raise RuntimeError("customer hung up")
    with write_session(engine) as session:
        assert orders_repo.create(_order(event_id), session=session).number == "A001"


def test_duplicate_numbers_are_refused_by_the_schema(engine: Engine, event_id: int) -> None:
    with pytest.raises(IntegrityError), write_session(engine) as session:
        orders_repo.create(_order(event_id), session=session, number="A001")
        orders_repo.create(_order(event_id), session=session, number="A001")


def test_create_get_and_items(engine: Engine, event_id: int, station_id: int) -> None:
    data = _order(
        event_id,
        station_id,
        items=[
            OrderItemCreate(drink="latte", milk="soy", sugar=2),
            OrderItemCreate(drink="long black", milk="none", extras_json=["extra shot"]),
        ],
    )
    with write_session(engine) as session:
        created = orders_repo.create(data, session=session)
    assert created.id == data.id  # the client's id is kept: re-sending is idempotent
    with read_session(engine) as session:
        order = orders_repo.get(data.id, session=session)
        by_number = orders_repo.get_by_number(event_id, "a001", session=session)
        items = orders_repo.items(data.id, session=session)
    assert order is not None and by_number is not None and by_number.id == order.id
    assert (order.status, order.source, order.station_id, order.vip) == (
        "new",
        "sms",
        station_id,
        False,
    )
    assert [(i.position, i.drink, i.milk, i.sugar, i.extras_json) for i in items] == [
        (0, "latte", "soy", 2, []),
        (1, "long black", "none", 0, ["extra shot"]),
    ]
    with read_session(engine) as session:
        public = orders_repo.get_public(data.id, session=session)
        assert orders_repo.get_public("no-such-order", session=session) is None
    assert public is not None
    assert (public.number, public.customer_name) == ("A001", "Sam")
    assert [i.drink for i in public.items] == ["latte", "long black"]


def test_an_unnumbered_walk_in_from_an_offline_station(engine: Engine, event_id: int) -> None:
    with write_session(engine) as session:
        order = orders_repo.create_unnumbered(_order(event_id, source="walk_in"), session=session)
        second = orders_repo.create_unnumbered(_order(event_id, source="walk_in"), session=session)
    assert order.number is None and second.number is None  # NULLs don't collide


def test_list_by_station_is_the_open_queue_in_arrival_order(
    engine: Engine, event_id: int, station_id: int
) -> None:
    start = datetime(2025, 3, 1, 9, tzinfo=UTC)
    with write_session(engine) as session:
        ids = []
        for minute, status in enumerate(["ready", "new", "collected", "in_progress", "cancelled"]):
            order = orders_repo.create(_order(event_id, station_id), session=session)
            order.status = status  # type: ignore[assignment]
            order.created_at = start + timedelta(minutes=10 - minute)
            ids.append(order.id)
        orders_repo.create(_order(event_id, None), session=session)  # unassigned
        tombstoned = orders_repo.create(_order(event_id, station_id), session=session)
        tombstoned.deleted = True
    with read_session(engine) as session:
        queue = orders_repo.list_by_station(station_id, session=session)
        done = orders_repo.list_by_station(station_id, session=session, statuses=["collected"])
    assert [o.id for o in queue] == [ids[3], ids[1], ids[0]]
    assert [o.id for o in done] == [ids[2]]
    assert all(isinstance(o, Order) for o in queue)
