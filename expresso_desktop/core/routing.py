"""Station choice: which station makes an order, as a pure function of the stations' state.

Rules (design/product.md, "Station choice"), in order:
1. the station the customer named, if it is open and can make every drink;
2. otherwise among open stations that can make every drink (capabilities + stock), the one with
   the shortest estimated wait — which is also "the only one that can" when just one qualifies;
3. none → a refusal that says what *can* be made now, or when service next opens.
VIP orders go ahead of non-VIP orders in their station's queue, so their wait counts VIPs only.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from expresso_desktop.core.items import DrinkSpec
from expresso_desktop.core.menu import Menu
from expresso_desktop.core.stock import StockState, consumption, missing_for

DEFAULT_MAKE_TIME_S = 90.0


@dataclass(frozen=True, slots=True)
class StationView:
    """What routing needs to know about one station right now."""

    id: str
    number: int
    name: str
    status: str  # "open" | "paused" | "closed" (set by the barista or organiser)
    drinks: frozenset[str]
    milks: frozenset[str]
    extras: frozenset[str]
    open_windows: Sequence[tuple[datetime, datetime]] | None = None  # None → no schedule applies
    stock: Mapping[str, StockState] = field(default_factory=dict)
    queue_length: int = 0  # orders not yet ready
    vip_queue_length: int = 0
    make_time_s: float | None = None  # measured median; None → default
    baristas: int = 1

    def is_open(self, at: datetime) -> bool:
        if self.status != "open":
            return False
        if self.open_windows is None:
            return True
        return any(start <= at < end for start, end in self.open_windows)

    def can_make(self, item: DrinkSpec, menu: Menu, use: Use | None = None) -> bool:
        return self.why_not(item, menu, use) is None

    def why_not(self, item: DrinkSpec, menu: Menu, use: Use | None = None) -> Unmakeable | None:
        """What stops this station making ``item`` now (None: nothing); ``use``: see
        ``unmakeable``."""
        return unmakeable(
            item,
            menu,
            drinks=self.drinks,
            milks=self.milks,
            extras=self.extras,
            stock=self.stock,
            use=use,
        )

    def wait_s(self, *, vip: bool, drinks: int) -> float:
        ahead = self.vip_queue_length if vip else self.queue_length
        per_drink = self.make_time_s or DEFAULT_MAKE_TIME_S
        return (ahead + drinks) * per_drink / max(1, self.baristas)

    def next_opening(self, after: datetime) -> datetime | None:
        if self.status != "open" or self.open_windows is None:
            return None
        return min((s for s, _ in self.open_windows if s > after), default=None)


@dataclass(frozen=True, slots=True)
class Unmakeable:
    """Why a station cannot make a drink now: ``part`` is what stops it (``drink``, ``milk``,
    ``extras`` or ``stock``), ``why`` says it after the station's name ("can't make oat milk
    drinks", "is out of coffee beans")."""

    part: str
    why: str


# What an item takes from stock, asked only once its station could make it otherwise (a drink
# taken off the menu has no recipe): ``uses`` works it out once for every station asked.
Use = Callable[[], Mapping[str, float]]


def uses(item: DrinkSpec, menu: Menu) -> Use:
    """``item``'s ``consumption``, worked out when first asked, then remembered."""
    known: list[Mapping[str, float]] = []

    def use() -> Mapping[str, float]:
        if not known:
            known.append(consumption(item, menu))
        return known[0]

    return use


def unmakeable(
    item: DrinkSpec,
    menu: Menu,
    *,
    drinks: Collection[str],
    milks: Collection[str],
    extras: Collection[str],
    stock: Mapping[str, StockState],
    use: Use | None = None,
) -> Unmakeable | None:
    """The one rule for "can this station make this drink now": its capabilities (drinks,
    milks, extras) and its stock. Routing, walk-ins, moves and a station's own offline check
    all ask it (the station over its replica's rows: ``capabilities`` and ``stock_states``).
    ``use``: the item's ``uses`` when several stations are asked about it."""
    if item.drink not in drinks:
        return Unmakeable("drink", f"doesn't make {item.drink}")
    if item.milk != "none" and item.milk not in milks:
        return Unmakeable("milk", f"can't make {item.milk} milk drinks")
    for extra in item.extras:
        if extra not in extras:
            return Unmakeable("extras", f"doesn't do {extra}")
    short = missing_for(consumption(item, menu) if use is None else use(), stock)
    if short:
        return Unmakeable("stock", f"is out of {stock_words(short[0])}")
    return None


def stock_words(key: str) -> str:
    """``milk:oat`` → ``oat milk``, ``cup:large`` → ``large cups``; other names as they are."""
    kind, _, what = key.partition(":")
    if kind == "milk" and what:
        return f"{what} milk"
    if kind == "cup" and what:
        return f"{what} cups"
    return key


def capabilities(caps: Mapping[str, Any] | None) -> tuple[frozenset[str], ...]:
    """A station row's ``capabilities_json`` as (drinks, milks, extras)."""
    caps = caps or {}
    return tuple(frozenset(caps.get(kind) or ()) for kind in ("drinks", "milks", "extras"))


def stock_states(rows: Iterable[Any]) -> dict[str, StockState]:
    """A station's stock item rows (``name, level, low_threshold, out_of_stock``) by name."""
    return {
        str(r["name"]): StockState(
            level=float(r["level"]), low=float(r["low_threshold"]), out=bool(r["out_of_stock"])
        )
        for r in rows
    }


def station_name(number: int, name: str | None) -> str:
    return name or f"Station {number}"


@dataclass(frozen=True, slots=True)
class Routed:
    station_id: str
    station_number: int
    wait_minutes: int
    reason: str  # why this station, for the order's history


@dataclass(frozen=True, slots=True)
class Unroutable:
    reason: str  # "closed" | "cannot_make"
    makeable_now: tuple[str, ...]  # drinks some open station can make now
    opens_at: datetime | None


def route(
    items: Sequence[DrinkSpec],
    stations: Sequence[StationView],
    menu: Menu,
    *,
    now: datetime,
    requested_station: int | None = None,
    vip: bool = False,
) -> Routed | Unroutable:
    drinks = sum(i.quantity for i in items)
    open_now = [s for s in stations if s.is_open(now)]
    needs = [(i, uses(i, menu)) for i in items]
    capable = [s for s in open_now if all(s.can_make(i, menu, use) for i, use in needs)]

    if requested_station is not None:
        for s in capable:
            if s.number == requested_station:
                return _routed(s, vip, drinks, "customer asked for this station")

    if capable:
        best = min(capable, key=lambda s: (s.wait_s(vip=vip, drinks=drinks), s.number))
        if len(capable) == 1:
            why = "the only open station that can make it"
        else:
            why = "shortest estimated wait"
        if requested_station is not None:
            why += f" (station {requested_station} can't make it now)"
        return _routed(best, vip, drinks, why)

    if not open_now:
        opens = [t for s in stations if (t := s.next_opening(now)) is not None]
        return Unroutable("closed", (), min(opens, default=None))
    return Unroutable("cannot_make", makeable_now(open_now, menu), None)


def makeable_now(open_now: Iterable[StationView], menu: Menu) -> tuple[str, ...]:
    """Drinks (default size and milk) that one of the ``open_now`` stations can make."""
    views = tuple(open_now)
    makeable = []
    for drink in menu.drink_names:
        plain = DrinkSpec(drink, menu.default_size, menu.default_milk_for(drink))
        use = uses(plain, menu)
        if any(s.can_make(plain, menu, use) for s in views):
            makeable.append(drink)
    return tuple(makeable)


def _routed(station: StationView, vip: bool, drinks: int, why: str) -> Routed:
    minutes = max(1, round(station.wait_s(vip=vip, drinks=drinks) / 60))
    return Routed(station.id, station.number, minutes, why)


# Orders still to be made: what a new order waits behind.
WAITING_STATUSES = ("new", "in_progress")


def jumps_queue(status: str, vip: bool) -> bool:
    """A VIP order still to be made goes ahead of the other orders in its station's queue
    (which is why a VIP's quoted wait counts VIPs only). Lists show it first."""
    return vip and status in WAITING_STATUSES
