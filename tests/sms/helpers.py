"""Small builders for the SMS tests: a station, a customer, an order, waiting for a condition."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from sqlmodel import select

from expresso_desktop.services.changes import emit
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


async def wait_until(condition: Callable[[], Any], timeout: float = 10.0) -> Any:
    """Poll ``condition`` until it is truthy (the sender works on its own task)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = condition()
        if value:
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        await asyncio.sleep(0.02)


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
