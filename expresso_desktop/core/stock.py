"""Stock accounting: what a drink uses, and levels kept as deltas with count generations.

Stations never send absolute levels. Each use or restock is a delta tagged with the count
generation it was made under; an organiser's physical count starts a new generation whose
baseline is the counted level. A delta from an older generation is recorded but not subtracted
(the count already saw it) and is listed for post-count reconciliation (see design/sync.md).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from expresso_desktop.core.items import DrinkSpec
from expresso_desktop.core.menu import NO_MILK, Menu

COFFEE = "coffee beans"


def milk_key(milk: str) -> str:
    return f"milk:{milk}"


def cup_key(size: str) -> str:
    return f"cup:{size}"


def consumption(item: DrinkSpec, menu: Menu) -> dict[str, float]:
    """Stock used by one order line (all of its quantity), keyed by stock item name."""
    drink = menu.drink(item.drink)
    size = menu.size(item.size)
    extras = [menu.extra(e) for e in item.extras if e in menu.extra_names]
    use: dict[str, float] = defaultdict(float)

    shots = drink.shots + (size.extra_shots if drink.shots else 0)
    shots += sum(e.shots for e in extras) if drink.shots else 0
    if shots > 0:
        beans = COFFEE
        for extra in extras:
            beans = extra.replaces.get(beans, beans)
        use[beans] += shots * menu.grams_per_shot
    if item.milk != NO_MILK and drink.milk_ratio > 0:
        use[milk_key(item.milk)] += round(size.ml * drink.milk_ratio)
    elif item.milk != NO_MILK:
        use[milk_key(item.milk)] += 30  # a dash, asked for on a black drink
    use[cup_key(size.name)] += 1
    for name, qty in drink.ingredients.items():
        use[name] += qty
    for extra in extras:
        for name, qty in extra.ingredients.items():
            use[name] += qty
    return {k: v * item.quantity for k, v in use.items() if v}


def order_consumption(items: Iterable[DrinkSpec], menu: Menu) -> dict[str, float]:
    total: dict[str, float] = defaultdict(float)
    for item in items:
        for key, qty in consumption(item, menu).items():
            total[key] += qty
    return dict(total)


@dataclass(frozen=True, slots=True)
class Movement:
    delta: float
    generation: int


@dataclass(frozen=True, slots=True)
class Level:
    level: float
    generation: int
    stale: tuple[Movement, ...] = ()  # older-generation deltas awaiting reconciliation


def level_of(baseline: float, generation: int, movements: Iterable[Movement]) -> Level:
    """``baseline(generation) + Σ deltas(generation)``; older generations are set aside."""
    level, stale = baseline, []
    for m in movements:
        if m.generation == generation:
            level += m.delta
        elif m.generation < generation:
            stale.append(m)
        # A delta from a *newer* generation than we know cannot happen on the single writer;
        # ignoring it keeps the function total.
    return Level(level, generation, tuple(stale))


@dataclass(frozen=True, slots=True)
class StockState:
    level: float
    low: float = 0
    out: bool = False  # marked out by a barista: routing stops sending drinks that need it

    @property
    def is_low(self) -> bool:
        return self.out or self.level <= self.low


def missing_for(needs: Mapping[str, float], stock: Mapping[str, StockState]) -> list[str]:
    """Stock items that stop a station making something. Items a station doesn't track at all
    are not a reason to refuse (capabilities decide what it makes); marked-out or exhausted are."""
    short = []
    for key, qty in needs.items():
        state = stock.get(key)
        if state is not None and (state.out or state.level < qty):
            short.append(key)
    return short
