from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from expresso_desktop.core.items import DrinkSpec
from expresso_desktop.core.routing import Routed, StationView, Unroutable, route
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
