"""Order handlers: walk-ins insert-or-ignore, claiming, the forward-only lattice with its
conflict alert, compare-and-set reassignment and undo, and who did it in the order's history."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import col, select

from expresso_desktop.core.sync_protocol import Reason, ResultStatus
from expresso_desktop.services.changes import ChangeSet
from expresso_desktop.services.organiser import OrganiserServices
from expresso_desktop.store.engine import read_session
from expresso_desktop.store.tables import Order, OrderEvent

from ..helpers import station_id
from .conftest import Client


def _order(services: OrganiserServices, order_id: str) -> Order:
    with read_session(services.engine) as session:
        order = session.get(Order, order_id)
        assert order is not None
        return order


def _walk_in(who: Client, order_id: str) -> None:
    answer = who.push("order.create", order_id=order_id, items=[{"drink": "latte"}])
    assert answer.results[0].status is ResultStatus.APPLIED


def test_a_walk_in_is_created_once(
    organiser: OrganiserServices, client: Callable[..., Client]
) -> None:
    one = client(1)
    _walk_in(one, "w-1")
    again = one.push("order.create", order_id="w-1", items=[{"drink": "mocha"}])
    assert again.results[0].status is ResultStatus.APPLIED  # insert-or-ignore
    order = _order(organiser, "w-1")
    assert order.station_id == station_id(organiser, 1) and order.status == "new"
    assert one.push("order.create", order_id="w-2", items="latte").results[0].reason == (
        Reason.INVALID_ARGS
    )


def test_starting_claims_and_another_station_is_told_who_has_it(
    organiser: OrganiserServices, client: Callable[..., Client]
) -> None:
    one, two = client(1), client(2)
    _walk_in(one, "w-1")
    refused = two.push("order.start", order_id="w-1").results[0]
    assert refused.status is ResultStatus.REJECTED and refused.reason == "taken_by:1"
    assert one.push("order.start", order_id="w-1").results[0].status is ResultStatus.APPLIED
    assert _order(organiser, "w-1").status == "in_progress"
    assert two.push("order.start", order_id="nope").results[0].reason == Reason.UNKNOWN_ENTITY


def test_a_second_terminal_state_is_refused_and_alerted(
    organiser: OrganiserServices, client: Callable[..., Client], heard: list[ChangeSet]
) -> None:
    one = client(1)
    _walk_in(one, "w-1")
    for verb in ("start", "ready", "collect"):
        assert one.push(f"order.{verb}", order_id="w-1").results[0].status is ResultStatus.APPLIED
    late = one.push("order.cancel", order_id="w-1", reason="changed mind").results[0]
    assert late.reason == Reason.CONFLICT_TERMINAL
    assert [a.kind for cs in heard for a in cs.alerts] == ["conflict_terminal"]
    assert one.push("order.ready", order_id="w-1").results[0].reason == Reason.SUPERSEDED
    assert _order(organiser, "w-1").status == "collected"


def test_reassigning_needs_the_current_assign_version(
    organiser: OrganiserServices, client: Callable[..., Client]
) -> None:
    one = client(1)
    _walk_in(one, "w-1")
    version = _order(organiser, "w-1").assign_version
    to = station_id(organiser, 2)
    stale = one.push("order.reassign", order_id="w-1", to_station=to, base_assign_version=99)
    assert stale.results[0].reason == Reason.STALE
    moved = one.push("order.reassign", order_id="w-1", to_station=to, base_assign_version=version)
    assert moved.results[0].status is ResultStatus.APPLIED
    assert _order(organiser, "w-1").station_id == to


def test_an_undo_takes_back_what_the_station_saw_and_records_who(
    organiser: OrganiserServices, client: Callable[..., Client]
) -> None:
    one = client(1)
    _walk_in(one, "w-1")
    one.push("order.ready", order_id="w-1", staff_id=424242)  # nobody the organiser knows
    stale = one.push("order.undo", order_id="w-1", base_status="in_progress").results[0]
    assert (stale.reason, stale.message) == (
        Reason.STALE,
        f"{_order(organiser, 'w-1').number} changed meanwhile (it is ready now): nothing undone",
    )
    undone = one.push("order.undo", order_id="w-1", base_status="ready").results[0]
    assert undone.status is ResultStatus.APPLIED and _order(organiser, "w-1").status == "new"
    with read_session(organiser.engine) as session:
        events = session.exec(
            select(OrderEvent.action, OrderEvent.staff_id, OrderEvent.client_id)
            .where(OrderEvent.order_id == "w-1")
            .order_by(col(OrderEvent.id))
        ).all()
    assert events == [
        ("placed", None, one.caller.client_id),
        ("ready", None, one.caller.client_id),  # an unknown staff id: recorded as nobody
        ("undo", None, one.caller.client_id),
    ]
