"""What the station's window reads from its replica (sync/station_service.py,
sync/station_orders.py), filled by real sync rounds from a real in-process organiser: each card
with its drink lines, milk and modifiers, VIP / GROUP n/m / WALK-IN badges and notes; the
header (station, barista, the quoted wait, card ages, sound); the layout remembered; a tap with
its undo; a batch whose refused order is named."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from expresso_desktop.core.items import DrinkSpec
from expresso_desktop.core.orders import Action, OrderStatus
from expresso_desktop.core.routing import DEFAULT_MAKE_TIME_S
from expresso_desktop.services import event_settings, order_actions, orders
from expresso_desktop.sync import barista
from expresso_desktop.sync.station_orders import CardLine, GroupPlace
from expresso_desktop.sync.station_service import StationPrefs, StationService

from .harness import Organiser, StationNode

DECAF_SHOT = DrinkSpec("latte", "large", "oat", 1, 2, ("decaf", "extra shot"))


def _store(org: Organiser, station_id: int, specs: list[DrinkSpec], **kw: Any) -> str:
    services = org.services

    def write(tx: Any) -> str:
        order, _ = orders.store_order(
            tx, event_id=services.event_id, station_id=station_id, specs=specs, **kw
        )
        return order.id

    return services.writer.run_sync(write)


def _group(org: Organiser, station_id: int, names: list[str]) -> list[str]:
    services = org.services
    members = [order_actions.GroupMemberIn(name=n, item={"drink": "flat white"}) for n in names]

    def write(tx: Any) -> list[str]:
        _, made = order_actions.create_group(
            tx, event_id=services.event_id, menu=services.menu, organiser_name="Team",
            station_id=station_id, members=members,
        )  # fmt: skip
        return [o.id for o in made]

    return services.writer.run_sync(write)


def test_a_card_reads_everything_it_shows_from_the_replica(
    org: Organiser, station: Callable[..., StationNode]
) -> None:
    node = station(1)
    sid = node.station_id
    assert sid is not None
    decaf = _store(org, sid, [DECAF_SHOT, DrinkSpec("long black", "small", "none")],
                   customer_name="Sam Lee", notes="no lid please", vip=True)  # fmt: skip
    walk_in = _store(org, sid, [DrinkSpec("latte", "medium", "full cream")], source="walk_in")
    team = _group(org, sid, ["Ann", "Bo", "Cy"])
    assert asyncio.run(node.sync())
    service = StationService(node.replica, org.services.menu)

    queue = {o.id: o for o in service.queue()}
    card = queue[decaf]
    assert card.lines == (
        CardLine(2, "large", "latte", "oat", ("1 sugar", "decaf", "extra shot")),
        CardLine(1, "small", "long black", "", ()),
    )
    assert card.lines[0].text == "2 × large latte"
    assert (card.vip, card.notes, card.first_name, card.group, card.walk_in) == (
        True, "no lid please", "Sam", None, False,
    )  # fmt: skip
    assert queue[walk_in].walk_in and not queue[walk_in].vip
    assert [queue[o].group for o in team] == [GroupPlace(1, 3), GroupPlace(2, 3), GroupPlace(3, 3)]
    assert service.queue()[0].id == decaf  # the VIP first, as station_queries lists them

    # One re-read of the group's second member still knows its place.
    assert service.queue_orders([team[1]])[team[1]].group == GroupPlace(2, 3)  # type: ignore[union-attr]


def test_the_header_shows_the_station_its_barista_the_wait_and_its_settings(
    org: Organiser, station: Callable[..., StationNode]
) -> None:
    node = station(1)
    sid = node.station_id
    assert sid is not None
    for _ in range(2):
        _store(org, sid, [DrinkSpec("latte", "medium", "oat", quantity=2)])
    services = org.services
    services.writer.run_sync(
        lambda tx: event_settings.update(
            tx,
            {"station_settings": {str(sid): {"amber_after_min": 3, "red_after_min": 6,
                                             "sound": False}},
             "milk_colours": {"oat": "#123456"}},
            services.menu, services.templates,
        )
    )  # fmt: skip
    assert asyncio.run(node.sync())
    barista.remember(node.replica, barista.Barista(1, "Robin"))
    service = StationService(node.replica, services.menu)

    header = service.header()
    assert header.label.startswith("Station 1")
    assert header.barista == "Robin"
    assert header.drinks_waiting == 4
    # The organiser's formula (core.routing): (4 ahead + 1) drinks at the default make time.
    assert header.wait_s == 5 * DEFAULT_MAKE_TIME_S
    assert header.wait_text == f"Wait ≈ {round(5 * DEFAULT_MAKE_TIME_S / 60)} min"
    assert (header.amber_after_s, header.red_after_s, header.sound) == (180, 360, False)
    assert header.milk_colours["oat"] == "#123456"

    assert service.prefs() == StationPrefs("lanes", False)
    service.save_prefs(StationPrefs("grid", True))
    reopened = StationService(node.replica, services.menu)
    assert reopened.prefs() == StationPrefs("grid", True)


def test_a_tap_can_be_undone_and_a_batch_names_the_order_it_refuses(
    org: Organiser, station: Callable[..., StationNode]
) -> None:
    node = station(1)
    sid = node.station_id
    assert sid is not None
    first, second = (org.add_order(sid, name) for name in ("Ana", "Ben"))
    assert asyncio.run(node.sync())
    service = StationService(node.replica, org.services.menu)
    shown = {o.id: o for o in service.queue()}

    tapped = service.tap(shown[first], Action.START)
    assert tapped.undo is not None and tapped.undo.words == f"{shown[first].number} started"
    assert service.queue_orders([first])[first].status is OrderStatus.IN_PROGRESS  # type: ignore[union-attr]
    service.undo(tapped.undo)
    assert service.queue_orders([first])[first].status is OrderStatus.NEW  # type: ignore[union-attr]
    assert [r.name for r in node.outbox()][-2:] == ["order.start", "order.undo"]

    org.do("order.cancel", order_id=second, reason="customer left")
    assert asyncio.run(node.sync())
    batch = service.tap_many([shown[first], shown[second]], Action.START)  # Ben's card is stale
    assert [t.changed.order_ids for t in batch.tapped] == [frozenset({first})]
    (refused,) = batch.refused
    assert refused.order_id == second and refused.reason.startswith(shown[second].number)
    assert "cancelled" in refused.reason
    undone = service.undo_all([t.undo for t in batch.tapped if t.undo is not None])
    assert not undone.refused and undone.changed.order_ids == frozenset({first})
