"""Small builders for the SMS tests: a station, a customer, an order, waiting for a condition."""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
from collections.abc import Callable
from typing import Any

from sqlmodel import select

from expresso_desktop.services.changes import ChangeBus, emit
from expresso_desktop.services.organiser import OrganiserServices
from expresso_desktop.services.writer import Tx
from expresso_desktop.store.engine import read_session
from expresso_desktop.store.repositories import orders_repo, settings_repo
from expresso_desktop.store.tables import (
    Customer,
    OrderCreate,
    OrderItemCreate,
    SmsMessage,
    Station,
)

CUSTOMER_PHONE = "+61400123456"


# Where something a test may be waiting for happens, ``notify()`` is called: every commit of the
# SMS fixtures' change bus (``conftest.services``) and every request the fake Twilio records.
_waiters: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()
_waiters_lock = threading.Lock()
# Only for a change no notifier reports (a writer or process a test built itself): the condition
# is checked again after this long without a notification; no test should rely on it (run with
# EXPRESSO_TEST_SAFETY_NET_S=60 to see: tests/sms/outbound/test_sender.py passes on events alone).
SAFETY_NET_S = float(os.environ.get("EXPRESSO_TEST_SAFETY_NET_S", "0.5"))


def notify(*_: object) -> None:
    """Wake every ``wait_until`` to check its condition again. Any thread; never blocks."""
    with _waiters_lock:
        waiters = list(_waiters)
    for loop, event in waiters:
        with contextlib.suppress(RuntimeError):  # that loop has closed: nobody waits there
            loop.call_soon_threadsafe(event.set)


async def wait_until(
    condition: Callable[[], Any], timeout: float = 10.0, *, bus: ChangeBus | None = None
) -> Any:
    """Wait until ``condition`` is truthy, checking it again whenever ``notify()`` is called or
    ``bus`` publishes a commit; fail after ``timeout`` s."""
    loop = asyncio.get_running_loop()
    changed = asyncio.Event()
    waiter = (loop, changed)
    unsubscribe = bus.subscribe(notify) if bus is not None else None
    with _waiters_lock:
        _waiters.add(waiter)
    try:
        deadline = loop.time() + timeout
        while True:
            changed.clear()  # before checking: a change after the check sets it again
            value = condition()
            if value:
                return value
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(f"condition not met within {timeout} s")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), min(remaining, SAFETY_NET_S))
    finally:
        with _waiters_lock:
            _waiters.discard(waiter)
        if unsubscribe is not None:
            unsubscribe()


def put_setting(services: OrganiserServices, key: str, value: Any) -> None:
    def work(tx: Tx) -> None:
        row = settings_repo.put(key, value, session=tx.session)
        emit(tx.session, tx.changes, "settings", row, entity_id=key)

    services.writer.run_sync(work)


def add_customer(
    services: OrganiserServices, phone: str = CUSTOMER_PHONE, *, opted_out: bool = False
) -> int:
    def work(tx: Tx) -> int:
        customer = Customer(phone=phone, name="Sam", opted_out=opted_out)
        tx.session.add(customer)
        tx.session.flush()
        assert customer.id is not None
        return customer.id

    return services.writer.run_sync(work)


def add_order(
    services: OrganiserServices, customer_id: int | None, *, station_number: int = 2
) -> str:
    def work(tx: Tx) -> str:
        station = tx.session.exec(select(Station).where(Station.number == station_number)).first()
        if station is None:
            station = Station(event_id=services.event_id, number=station_number, location="east")
            tx.session.add(station)
            emit(tx.session, tx.changes, "stations", station)
        order = orders_repo.create(
            OrderCreate(
                event_id=services.event_id,
                customer_id=customer_id,
                customer_name="Sam",
                station_id=station.id,
                items=[OrderItemCreate(drink="flat white", size="large", milk="oat")],
            ),
            session=tx.session,
        )
        emit(tx.session, tx.changes, "orders", order)
        return order.id

    return services.writer.run_sync(work)


def outbound_rows(services: OrganiserServices) -> list[SmsMessage]:
    with read_session(services.engine) as session:
        query = select(SmsMessage).where(SmsMessage.direction == "out").order_by(SmsMessage.id)
        return list(session.exec(query).all())
