"""The card's ⋯ menu on a real replica fed by a real (in-process) organiser: Move offers only
the stations that can make the order now (the routing predicate over the replica's rows), and
every tap — move, cancel with a reason, re-notify, a message — reaches the organiser through the
outbox and does what it says there (the customer's texts queued, once)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import pytest
from sqlmodel import select

from expresso_desktop.core.items import DrinkSpec
from expresso_desktop.core.orders import OrderStatus
from expresso_desktop.services import station_admin
from expresso_desktop.services.writer import Tx
from expresso_desktop.sms.outbound import notifications
from expresso_desktop.store.tables import Station
from expresso_desktop.sync.card_actions import CardActions
from expresso_desktop.sync.mutators import LocalRefusal

from .customer_orders import texted_order, texts_of
from .harness import Organiser, StationNode

Make = Callable[..., StationNode]
OAT_LATTE = DrinkSpec("latte", "large", "oat")
DECAF = DrinkSpec("latte", "large", "oat", extras=("extra shot", "decaf"))


def change_station(org: Organiser, number: int, **fields: Any) -> None:
    def work(tx: Tx) -> None:
        station = tx.session.exec(select(Station).where(Station.number == number)).one()
        station_admin.update_station(tx, station, fields)

    org.services.writer.run_sync(work)


def notify(org: Organiser, order_id: str) -> None:
    """What the organiser's notifier does when it hears of the order (not running here)."""
    texts = notifications.Texts(org.services.texts, org.services.menu)
    org.services.writer.run_sync(
        partial(notifications.notify_orders, order_ids=[order_id], texts=texts)
    )


async def test_move_offers_only_the_stations_that_can_make_it_now(
    org: Organiser, station: Make
) -> None:
    change_station(org, 2, capabilities_json={"drinks": ["latte"], "milks": ["full cream"]})
    change_station(org, 3, status="paused")
    one, _, garden = org.station_ids()
    order_id = texted_order(org, one, drinks=(OAT_LATTE,))
    node = station(1)
    assert await node.sync()
    actions = CardActions(node.replica)

    targets = {t.name: t.why_not for t in actions.options(order_id).targets}
    assert targets == {
        "Station 2": "Station 2 can't make oat milk drinks",
        "Garden Bar": "Garden Bar is paused",
    }
    assert actions.options(order_id).why_no_move == "no other station can make it right now"

    change_station(org, 3, status="open")
    assert await node.sync()
    options = actions.options(order_id)
    assert [t.name for t in options.targets if t.offered] == ["Garden Bar"]
    actions.move(order_id, garden, options.assign_version)
    assert (node.order(order_id) or {})["station_id"] == garden  # at once, locally
    assert await node.sync()
    assert org.order(order_id).station_id == garden
    assert org.order(order_id).assign_version == options.assign_version + 1


async def test_a_cancel_with_a_reason_reaches_the_organiser_and_the_customer(
    org: Organiser, station: Make
) -> None:
    order_id = texted_order(org, org.station_ids()[0], "Ana Ruiz", phone="+61400000011")
    node = station(1)
    assert await node.sync()
    CardActions(node.replica).cancel(order_id, "we've run out of what it needs")
    assert await node.sync()
    order = org.order(order_id)
    assert (order.status, order.cancel_reason) == ("cancelled", "we've run out of what it needs")
    notify(org, order_id)
    (text,) = texts_of(org, order_id)
    assert text.kind == "cancellation" and "we've run out of what it needs" in text.body


async def test_re_notify_and_a_message_queue_one_text_each(org: Organiser, station: Make) -> None:
    order_id = texted_order(org, org.station_ids()[0], "Ben Ng", phone="+61400000012")
    node = station(1)
    assert await node.sync()
    actions = CardActions(node.replica)
    with pytest.raises(LocalRefusal, match="only a ready order"):
        actions.renotify(order_id)
    for verb in ("start", "ready"):
        node.tap(f"order.{verb}", order_id=order_id)
    options = actions.options(order_id)
    assert options.why_no_renotify is None
    assert options.templates[0].text == (
        f"Hi Ben, your order {options.number} is ready at Station 1."
    )
    actions.renotify(order_id)
    actions.message(order_id, options.templates[1].text)
    node.net.duplicate = 1.0  # every push arrives twice: still one text each
    assert await node.sync()
    sent = [(t.kind, t.body) for t in texts_of(org, order_id)]
    assert [kind for kind, _ in sent] == ["ready", "manual"]
    assert sent[1][1] == options.templates[1].text
    assert [row.status for row in node.outbox()] == ["acked"] * 4


async def test_a_walk_in_has_nobody_to_text(org: Organiser, station: Make) -> None:
    order_id = texted_order(org, org.station_ids()[0], "Cy", phone=None)
    node = station(1)
    assert await node.sync()
    actions = CardActions(node.replica)
    options = actions.options(order_id)
    assert options.why_no_message == f"{options.number} has no phone number (a walk-in)"
    with pytest.raises(LocalRefusal, match="walk-in"):
        actions.message(order_id, "Hello")
    # Forced through (an older app): the organiser refuses it with the reason.
    node.force_tap("order.message", order_id=order_id, body="Hello")
    assert await node.sync()
    (row,) = node.outbox()
    assert row.reason == "no_customer" and "walk-in" in (row.message or "")


async def test_another_station_s_order_is_not_texted(org: Organiser, station: Make) -> None:
    order_id = texted_order(org, org.station_ids()[1], "Dee")
    node = station(1)
    assert await node.sync()
    node.force_tap("order.message", order_id=order_id, body="Hello")
    assert await node.sync()
    (row,) = node.outbox()
    assert row.reason == "not_your_station" or row.reason == "forbidden"
    assert "Station 2" in (row.message or "")
    assert texts_of(org, order_id) == []


async def test_the_cup_label_names_the_order_first_name_and_every_modifier(
    org: Organiser, station: Make
) -> None:
    order_id = texted_order(org, org.station_ids()[0], "Sam Lee", drinks=(DECAF,))
    node = station(1)
    assert await node.sync()
    label = CardActions(node.replica).label(order_id)
    assert label.name == "Sam" and label.number == org.order(order_id).number
    (line,) = label.lines
    assert (line.drink, line.milk, line.modifiers) == (
        "large latte",
        "oat",
        ("extra shot", "decaf"),
    )
    assert OrderStatus.NEW.value == org.order(order_id).status
