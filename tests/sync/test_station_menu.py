"""The menu a station works with (sync/station_menu.py), on a replica filled by real sync rounds:
the event's menu once it arrives (the default before), and what the station can make now by
the routing rule — what it does not make is absent, what ran out comes back as a note."""

from __future__ import annotations

from collections.abc import Callable

from expresso_desktop.core.items import DrinkSpec
from expresso_desktop.core.sms.parser import SmsParser
from expresso_desktop.services import menu_admin
from expresso_desktop.sync.station_menu import read_event_menu, read_station_menu

from .harness import Organiser, StationNode


def _item_id(org: Organiser, node: StationNode, name: str) -> int:
    item = next(i for i in org.stock_items(node.station_id or 0) if i.name == name)
    assert item.id is not None
    return item.id


async def test_the_event_menu_reaches_the_station_and_its_parser_reads_it(
    org: Organiser, station: Callable[..., StationNode]
) -> None:
    node = station(1)
    default = read_event_menu(node.replica)  # nothing downloaded yet: the default menu
    assert not SmsParser(default).parse("2 oat wakeups for Sam").items
    event = org.services.event_id
    org.services.writer.run_sync(
        lambda tx: menu_admin.set_synonyms(tx, event, "drink", "latte", ["wakeup"])
    )
    assert await node.sync()
    menu = read_event_menu(node.replica)
    assert "wakeup" in menu.drink("latte").synonyms
    parsed = SmsParser(menu).parse("2 oat wakeups for Sam")
    assert parsed.items == (DrinkSpec("latte", "medium", "oat", quantity=2),)
    assert read_station_menu(node.replica).menu is menu  # the same stored text, one Menu


async def test_what_the_station_does_not_make_is_absent_and_what_is_out_is_noted(
    org: Organiser, station: Callable[..., StationNode]
) -> None:
    node = station(1)  # the demo's station 1: no chai, no coconut, no vanilla
    assert await node.sync()
    before = read_station_menu(node.replica)
    assert "latte" in before.drinks().offered and "chai latte" not in before.drinks().offered
    milks = before.milks("latte", "medium")
    assert milks.offered == ("full cream", "skim", "soy", "oat", "none") and milks.notes == ()
    assert "vanilla" not in before.extras(DrinkSpec("latte", "medium", "oat")).offered

    node.tap("stock.mark_out", item_id=_item_id(org, node, "milk:soy"), out=True)
    now = read_station_menu(node.replica)
    milks = now.milks("latte", "medium")
    assert "soy" not in milks.offered and milks.notes == ("Soy: out",)
    assert now.why_not(DrinkSpec("latte", "medium", "soy")) is not None  # the routing rule

    node.tap("stock.mark_out", item_id=_item_id(org, node, "coffee beans"), out=True)
    drinks = read_station_menu(node.replica).drinks()
    assert drinks.offered == ("hot chocolate",)  # the only drink without coffee here
    assert "Latte: out of coffee beans" in drinks.notes
    extras = read_station_menu(node.replica).extras(DrinkSpec("latte", "medium", "oat"))
    assert "decaf" in extras.offered  # decaf beans are not out: a decaf latte can be made


async def test_the_stock_left_caps_the_quantity_and_sizes(
    org: Organiser, station: Callable[..., StationNode]
) -> None:
    node = station(1)
    assert await node.sync()
    oat = _item_id(org, node, "milk:oat")
    level = (node.image("stock_items", oat) or {})["level"]
    node.tap("stock.consume", item_id=oat, qty=level - 1000, generation=0)  # 1000 ml left
    menu = read_station_menu(node.replica)
    # a medium latte takes round(350 * 0.85) = 298 ml: three fit, a fourth does not
    assert menu.max_quantity(DrinkSpec("latte", "medium", "oat")) == 3
    assert menu.max_quantity(DrinkSpec("latte", "medium", "full cream")) == 20

    large = _item_id(org, node, "cup:large")
    node.tap("stock.mark_out", item_id=large, out=True)
    sizes = read_station_menu(node.replica).sizes("latte")
    assert sizes.offered == ("small", "medium") and sizes.notes == ("Large: out",)
