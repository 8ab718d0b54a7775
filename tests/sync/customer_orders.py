"""Orders as customers' texts make them, for station tests that text customers back: a customer
row with a phone number (which never reaches a station) and an order routed to a station."""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select

from expresso_desktop.core.items import DrinkSpec
from expresso_desktop.services import orders
from expresso_desktop.services.writer import Tx
from expresso_desktop.store.engine import read_session
from expresso_desktop.store.tables import Customer, SmsMessage

from .harness import LATTE, Organiser


def texted_order(
    org: Organiser,
    station_id: int | None,
    name: str = "Sam Lee",
    *,
    phone: str | None = "+61400000001",
    drinks: tuple[DrinkSpec, ...] = (LATTE,),
) -> str:
    """An order for ``name`` at ``station_id``; ``phone`` None stores a walk-in (nobody to text)."""

    def write(tx: Tx) -> str:
        customer_id = None
        if phone is not None:
            customer = tx.session.exec(select(Customer).where(Customer.phone == phone)).first()
            if customer is None:
                customer = Customer(phone=phone, name=name)
                tx.session.add(customer)
                tx.session.flush()
            customer_id = customer.id
        order, _ = orders.store_order(
            tx,
            event_id=org.services.event_id,
            station_id=station_id,
            specs=list(drinks),
            customer_id=customer_id,
            customer_name=name,
            source="sms" if phone else "walk_in",
        )
        return order.id

    return org.services.writer.run_sync(write)


def texts_of(org: Organiser, order_id: str) -> list[SmsMessage]:
    """The texts queued for ``order_id``, oldest first."""
    with read_session(org.services.engine) as session:
        rows: Any = session.exec(
            select(SmsMessage).where(SmsMessage.order_id == order_id).order_by(col(SmsMessage.id))
        )
        return list(rows.all())
