"""A station's reads of its replica (sync/station_queries.py), filled by real sync rounds: the
queue with VIP orders first, the organiser's milk colours, and the station's own settings."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from expresso_desktop.core import station_settings
from expresso_desktop.core.sync_protocol import Reason, ResultStatus
from expresso_desktop.services import event_settings
from expresso_desktop.services.order_views import load_order_rows
from expresso_desktop.store.engine import read_session
from expresso_desktop.sync import station_queries
from tests.sms.signed import signed_sender

from .harness import Organiser, StationNode


def settle(org: Organiser, **changes: Any) -> None:
    services = org.services
    services.writer.run_sync(
        lambda tx: event_settings.update(tx, changes, services.menu, services.templates)
    )


async def test_a_vip_text_is_first_in_the_station_queue_and_the_organisers_list(
    org: Organiser, station: Callable[..., StationNode], aiohttp_client: Any
) -> None:
    sms = await signed_sender(aiohttp_client, org.services)
    settle(org, vip_codes=["gold7"])
    for i, name in enumerate(("Ann", "Bob")):
        await sms(f"latte for {name} at station 1", phone=f"+6140000010{i}")
    await sms("Gold7 latte for Val at station 1", phone="+61400000200")
    node = station(1)
    assert await node.sync()
    queue = station_queries.list_orders(node.replica)
    assert [(o["customer_name"], o["vip"]) for o in queue] == [
        ("Val", True),
        ("Ann", False),
        ("Bob", False),
    ]
    services = org.services
    rows = load_order_rows(services.engine, services.event_id, services.menu)
    assert rows[0].customer_name == "Val" and rows[0].vip


async def test_milk_colours_and_station_settings_reach_the_replica_both_ways(
    org: Organiser, station: Callable[..., StationNode]
) -> None:
    node = station(1)
    menu = org.services.menu
    assert await node.sync()
    assert station_queries.milk_colours(node.replica, menu)["oat"] == menu.milk_colour("oat")
    assert station_queries.own_settings(node.replica) == station_settings.DEFAULTS
    one = node.station_id
    assert one is not None
    settle(org, milk_colours={"oat": "#123456"}, station_settings={str(one): {"red_after_min": 20}})
    assert await node.sync()
    assert station_queries.milk_colours(node.replica, menu)["oat"] == "#123456"
    assert station_queries.own_settings(node.replica)["red_after_min"] == 20
    # The station turns its own sound off; the organiser sees it, and a bad value is refused.
    sound = station_settings.key_for(one, "sound")
    node.tap("settings.set", key=sound, value=False, base_version=0)
    red = station_settings.key_for(one, "red_after_min")  # below amber: refused on the organiser
    version = (node.image("settings", red) or {})["row_version"]
    bad = node.force_tap("settings.set", key=red, value=2, base_version=version)
    assert await node.sync()
    with read_session(org.services.engine) as session:
        organiser_view = event_settings.current(session, menu)["station_settings"][str(one)]
    assert organiser_view["sound"] is False and organiser_view["red_after_min"] == 20
    assert station_queries.own_settings(node.replica)["sound"] is False
    (refused,) = [r for r in node.outbox() if r.seq == bad]
    assert refused.status == ResultStatus.REJECTED.value
    assert refused.reason == Reason.INVALID_ARGS
