"""Who did what to each order (services/order_history.py): one row per action whatever the
path — the services with an actor here, a customer's text through the signed webhook (the LAN
API and a station's sync: tests/server/test_lan_orders.py, tests/sync/test_mutators.py) —
read back as a timeline and as staff stats."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import select

from expresso_desktop.core.actors import Actor
from expresso_desktop.core.errors import DomainError
from expresso_desktop.core.items import DrinkSpec
from expresso_desktop.services import order_actions, order_history, orders
from expresso_desktop.services.organiser import OrganiserServices
from expresso_desktop.services.writer import Tx
from expresso_desktop.store.engine import read_session
from expresso_desktop.store.tables import Order, OrderEvent, StaffUser
from expresso_desktop.store.types import utcnow
from tests.services.helpers import station_id, write
from tests.sms.signed import signed_sender

LATTE = DrinkSpec("latte", "medium", "full cream")
NOW = utcnow().replace(microsecond=0)


def staff_id(services: OrganiserServices, name: str) -> int:
    with read_session(services.engine) as session:
        person = session.exec(select(StaffUser).where(StaffUser.name == name)).one()
    assert person.id is not None
    return person.id


def at_station(services: OrganiserServices, number: int, staff: int | None) -> Actor:
    return Actor("barista", station_id(services, number), 7, staff, "replica-1", "bar")


def walk_in(services: OrganiserServices, actor: Actor, *specs: DrinkSpec, **kw: Any) -> Order:
    return write(
        services,
        lambda tx: order_actions.create_at_station(
            tx,
            event_id=services.event_id,
            station_id=actor.station_id or 0,
            specs=list(specs) or [LATTE],
            menu=services.menu,
            actor=actor,
            **kw,
        ),
    )


def events(services: OrganiserServices, order_id: str) -> list[OrderEvent]:
    with read_session(services.engine) as session:
        return list(
            session.exec(
                select(OrderEvent).where(OrderEvent.order_id == order_id).order_by(OrderEvent.id)
            ).all()
        )


def test_every_action_is_recorded_with_who_did_it_and_read_as_a_timeline(
    organiser: OrganiserServices,
) -> None:
    sam = at_station(organiser, 1, staff_id(organiser, "Sam"))
    order = walk_in(organiser, sam)
    menu, three = organiser.menu, station_id(organiser, 3)
    for step in (
        lambda tx: orders.start_order(tx, order.id, actor=sam),
        lambda tx: orders.mark_ready(tx, order.id, actor=sam),
        lambda tx: order_actions.undo_last(tx, order.id, actor=sam),
        lambda tx: order_actions.undo_last(tx, order.id),
        lambda tx: order_actions.amend_items(tx, order.id, [LATTE], menu=menu),
        lambda tx: order_actions.move_order(tx, order.id, three, menu=menu),
        lambda tx: orders.cancel_order(tx, order.id, "spilt"),
    ):
        write(organiser, step)
    rows = events(organiser, order.id)
    assert [(e.action, e.from_status, e.to_status) for e in rows] == [
        ("placed", None, "new"),
        ("start", "new", "in_progress"),
        ("ready", "in_progress", "ready"),
        ("undo", "ready", "in_progress"),
        ("undo", "in_progress", "new"),
        ("amend", "new", "new"),
        ("move", "new", "new"),
        ("cancel", "new", "cancelled"),
    ]
    assert {(e.staff_id, e.device_id, e.client_id) for e in rows[:4]} == {
        (sam.staff_id, 7, "replica-1")
    }
    assert {(e.staff_id, e.device_id, e.client_id) for e in rows[4:]} == {(None, None, "organiser")}
    with read_session(organiser.engine) as session:
        timeline = order_history.timeline(session, order.id)
    assert [(t.action, t.station, t.staff) for t in timeline[:2]] == [
        ("placed", 1, "Sam"),
        ("start", 1, "Sam"),
    ]
    assert timeline[5].detail == "latte" and timeline[6].detail == "Station 1 → Garden Bar"
    assert (timeline[7].station, timeline[7].detail) == (3, "spilt")


def test_a_person_the_organiser_does_not_know_is_recorded_as_nobody(
    organiser: OrganiserServices,
) -> None:
    def retire(tx: Tx) -> None:
        jo = tx.session.get(StaffUser, staff_id(organiser, "Jo"))
        assert jo is not None
        jo.active = False
        tx.session.add(jo)

    write(organiser, retire)
    for unknown in (9999, staff_id(organiser, "Jo")):
        order = walk_in(organiser, at_station(organiser, 3, unknown))
        assert order.status == "new"  # the tap still counts
        assert [e.staff_id for e in events(organiser, order.id)] == [None]


def test_a_refused_action_leaves_no_trace(organiser: OrganiserServices) -> None:
    order = walk_in(organiser, at_station(organiser, 1, None))
    with pytest.raises(DomainError):
        write(
            organiser,
            lambda tx: orders.start_order(tx, order.id, actor=at_station(organiser, 2, None)),
        )
    assert [e.action for e in events(organiser, order.id)] == ["placed"]


def test_staff_stats_count_each_persons_standing_dones(organiser: OrganiserServices) -> None:
    sam_id, priya_id = staff_id(organiser, "Sam"), staff_id(organiser, "Priya")
    sam = at_station(organiser, 1, sam_id)
    priya = at_station(organiser, 1, priya_id)

    def made(by: Actor, start_s: int, ready_s: int, quantity: int = 1) -> str:
        order = walk_in(
            organiser, by, DrinkSpec("latte", "medium", "full cream", quantity=quantity)
        )
        begin = NOW + timedelta(seconds=start_s)
        write(organiser, lambda tx: orders.start_order(tx, order.id, actor=by, now=begin))
        done = begin + timedelta(seconds=ready_s)
        write(organiser, lambda tx: orders.mark_ready(tx, order.id, actor=by, now=done))
        return order.id

    for start_s, ready_s in ((0, 60), (100, 200), (400, 100)):
        made(sam, start_s, ready_s, quantity=2)
    taken_back = made(priya, 600, 30)  # Priya's Done, undone: Sam makes it in the end
    write(organiser, lambda tx: order_actions.undo_last(tx, taken_back, actor=priya))
    write(
        organiser,
        lambda tx: orders.mark_ready(tx, taken_back, actor=sam, now=NOW + timedelta(seconds=690)),
    )
    with read_session(organiser.engine) as session:
        ours = order_history.staff_stats(session, sam_id)
        theirs = order_history.staff_stats(session, priya_id)
    assert (ours.orders_made, ours.drinks_made, ours.median_make_s) == (4, 7, 95.0)
    assert theirs == order_history.StaffStats(0, 0, None)


async def test_a_customers_texts_are_recorded_as_theirs(
    organiser: OrganiserServices, aiohttp_client: Any
) -> None:
    send = await signed_sender(aiohttp_client, organiser)
    assert await send("large latte for Sam please")
    with read_session(organiser.engine) as session:
        order = session.exec(select(Order)).one()
    assert await send(f"cancel order {order.number}")
    rows = events(organiser, order.id)
    assert [(e.action, e.client_id, e.staff_id, e.device_id) for e in rows] == [
        ("placed", "sms", None, None),
        ("cancel", "sms", None, None),
    ]
    assert rows[1].detail == orders.CUSTOMER_CANCEL_REASON
