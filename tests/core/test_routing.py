from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from expresso_desktop.core.items import DrinkSpec
from expresso_desktop.core.menu import Menu
from expresso_desktop.core.routing import (
    Routed,
    StationView,
    Unroutable,
    makeable_now,
    route,
    uses,
)
from expresso_desktop.core.stock import StockState

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
ALL_MILKS = frozenset({"full cream", "skim", "soy", "oat", "almond", "lactose free"})
COFFEES = frozenset({"latte", "cappuccino", "flat white", "long black", "espresso"})


def station(number: int, **kw: object) -> StationView:
    base = StationView(
        id=f"s{number}",
        number=number,
        name=f"Station {number}",
        status="open",
        drinks=COFFEES,
        milks=ALL_MILKS,
        extras=frozenset({"extra shot", "decaf"}),
    )
    return replace(base, **kw)  # type: ignore[arg-type]


def latte(milk: str = "full cream", **kw: object) -> DrinkSpec:
    return DrinkSpec("latte", "medium", milk, **kw)  # type: ignore[arg-type]


def test_named_station_wins_when_it_can_make_it(menu) -> None:
    stations = [station(1), station(2, queue_length=9)]
    decision = route([latte()], stations, menu, now=NOW, requested_station=2)
    assert isinstance(decision, Routed)
    assert decision.station_number == 2
    assert "asked" in decision.reason


def test_named_station_that_cannot_make_it_falls_through(menu) -> None:
    stations = [station(1), station(2, milks=frozenset({"full cream"}))]
    decision = route([latte("oat")], stations, menu, now=NOW, requested_station=2)
    assert isinstance(decision, Routed) and decision.station_number == 1
    assert "station 2 can't" in decision.reason


def test_only_station_with_the_milk(menu) -> None:
    stations = [station(1, milks=frozenset({"full cream"})), station(2, queue_length=20)]
    decision = route([latte("soy")], stations, menu, now=NOW)
    assert isinstance(decision, Routed) and decision.station_number == 2
    assert decision.reason == "the only open station that can make it"


def test_shortest_wait_uses_queue_and_measured_make_time(menu) -> None:
    stations = [
        station(1, queue_length=4, make_time_s=120),  # 5 × 120 = 600 s
        station(2, queue_length=6, make_time_s=60),  # 7 × 60 = 420 s
        station(3, queue_length=2, make_time_s=60, status="paused"),
    ]
    decision = route([latte()], stations, menu, now=NOW)
    assert isinstance(decision, Routed)
    assert (decision.station_number, decision.wait_minutes) == (2, 7)


def test_vip_waits_only_behind_vips(menu) -> None:
    stations = [station(1, queue_length=10, vip_queue_length=0, make_time_s=60)]
    normal = route([latte()], stations, menu, now=NOW)
    vip = route([latte()], stations, menu, now=NOW, vip=True)
    assert isinstance(normal, Routed) and isinstance(vip, Routed)
    assert (normal.wait_minutes, vip.wait_minutes) == (11, 1)


def test_stock_marked_out_stops_routing_there(menu) -> None:
    out = {"milk:oat": StockState(level=5000, out=True)}
    low = {"milk:oat": StockState(level=100)}  # less than a medium latte needs
    stations = [station(1, stock=out), station(2, stock=low), station(3)]
    decision = route([latte("oat")], stations, menu, now=NOW)
    assert isinstance(decision, Routed) and decision.station_number == 3


def test_whole_order_goes_to_one_station_that_makes_everything(menu) -> None:
    stations = [
        station(1, drinks=frozenset({"latte"})),
        station(2, queue_length=5),
    ]
    items = [latte(), DrinkSpec("long black", "medium", "none")]
    decision = route(items, stations, menu, now=NOW)
    assert isinstance(decision, Routed) and decision.station_number == 2


def test_schedule_closes_a_station(menu) -> None:
    later = [(NOW + timedelta(hours=1), NOW + timedelta(hours=3))]
    stations = [station(1, open_windows=later), station(2, queue_length=3)]
    decision = route([latte()], stations, menu, now=NOW)
    assert isinstance(decision, Routed) and decision.station_number == 2


def test_all_closed_says_when_service_opens(menu) -> None:
    opens = NOW + timedelta(minutes=30)
    stations = [station(1, open_windows=[(opens, opens + timedelta(hours=2))])]
    decision = route([latte()], stations, menu, now=NOW)
    assert decision == Unroutable("closed", (), opens)


def test_cannot_make_lists_what_can_be_made(menu) -> None:
    stations = [station(1, drinks=frozenset({"latte", "long black"}))]
    decision = route([DrinkSpec("mocha", "medium", "full cream")], stations, menu, now=NOW)
    assert isinstance(decision, Unroutable)
    assert decision.reason == "cannot_make"
    assert decision.makeable_now == ("latte", "long black")


@pytest.mark.parametrize("number", [1, 2, 3])
def test_deterministic_tie_break(menu, number: int) -> None:
    stations = [station(n) for n in (3, 1, 2)]
    decision = route([latte()], stations, menu, now=NOW, requested_station=number)
    assert isinstance(decision, Routed) and decision.station_number == number
    assert route([latte()], stations, menu, now=NOW).station_number == 1  # type: ignore[union-attr]


# -- each item's stock use worked out once per routing: the same decisions as asking per station --
def _every_drink(menu: Menu) -> list[DrinkSpec]:
    """Every drink, size and milk of ``menu``, with no extra, each extra, and two at once."""
    extras = [(), *((e,) for e in menu.extra_names), menu.extra_names[:2]]
    return [
        DrinkSpec(d, s, m, quantity=q, extras=x)
        for d in menu.drink_names
        for s in menu.size_names
        for m in menu.milk_names
        for x in extras
        for q in (1, 3)
    ]


def _floor(menu: Menu) -> list[StationView]:
    every = frozenset(menu.drink_names)
    some_milks = frozenset(menu.milk_names) - {"coconut", "macadamia"}
    some_extras = frozenset(menu.extra_names) - {"caramel", "hazelnut"}
    low = {"coffee beans": StockState(20), "milk:oat": StockState(100, out=True)}
    return [
        station(
            1,
            drinks=every,
            milks=some_milks,
            extras=some_extras,
            queue_length=6,
            stock={"milk:soy": StockState(300), "chocolate powder": StockState(0)},
        ),
        station(2, stock=low, extras=frozenset({"decaf"})),
        station(3, drinks=every, stock={"cup:large": StockState(0)}, queue_length=3),
        station(4, status="paused", drinks=every),
    ]


def _route_as_before(  # the routing this replaces: every station works out every item's use
    items: list[DrinkSpec], stations: list[StationView], menu: Menu, requested: int | None
) -> Routed | Unroutable:
    drinks = sum(i.quantity for i in items)
    open_now = [s for s in stations if s.is_open(NOW)]
    capable = [s for s in open_now if all(s.why_not(i, menu) is None for i in items)]
    if requested is not None:
        for s in capable:
            if s.number == requested:
                minutes = max(1, round(s.wait_s(vip=False, drinks=drinks) / 60))
                return Routed(s.id, s.number, minutes, "customer asked for this station")
    if capable:
        best = min(capable, key=lambda s: (s.wait_s(vip=False, drinks=drinks), s.number))
        why = (
            "the only open station that can make it"
            if len(capable) == 1
            else "shortest estimated wait"
        )
        if requested is not None:
            why += f" (station {requested} can't make it now)"
        minutes = max(1, round(best.wait_s(vip=False, drinks=drinks) / 60))
        return Routed(best.id, best.number, minutes, why)
    plain = [DrinkSpec(d, menu.default_size, menu.default_milk_for(d)) for d in menu.drink_names]
    makeable = tuple(p.drink for p in plain if any(s.why_not(p, menu) is None for s in open_now))
    return Unroutable("cannot_make", makeable, None)


def test_routing_decides_as_asking_every_station_about_every_item(menu: Menu) -> None:
    stations = _floor(menu)
    specs = _every_drink(menu)
    rng = random.Random(14)
    for spec in specs:
        for s in stations:
            assert s.why_not(spec, menu, uses(spec, menu)) == s.why_not(spec, menu)
    for _ in range(600):
        items = rng.sample(specs, rng.choice((1, 1, 2)))
        requested = rng.choice((None, 1, 2, 3))
        expected = _route_as_before(items, stations, menu, requested)
        assert route(items, stations, menu, now=NOW, requested_station=requested) == expected
    for open_now in ([], stations[1:2], stations[1:3], stations):
        expected = _route_as_before([DrinkSpec("nope", "medium", "oat")], open_now, menu, None)
        assert isinstance(expected, Unroutable) or not open_now
        assert makeable_now(open_now, menu) == (
            expected.makeable_now if isinstance(expected, Unroutable) else ()
        )


def test_an_item_no_station_could_make_is_never_looked_up_in_the_menu(menu: Menu) -> None:
    off_menu = DrinkSpec("babyccino", "medium", "full cream")  # taken off the menu since
    decision = route([off_menu], [station(1)], menu, now=NOW)
    assert isinstance(decision, Unroutable) and decision.reason == "cannot_make"
    with pytest.raises(KeyError, match="babyccino"):  # a station still lists it: as before
        route([off_menu], [station(1, drinks=frozenset({"babyccino"}))], menu, now=NOW)
