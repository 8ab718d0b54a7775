"""Stock accounting: what a drink uses, and levels kept as deltas with count generations.

Stations never send absolute levels. Each use or restock is a delta tagged with the count
generation it was made under; an organiser's physical count starts a new generation whose
baseline is the counted level. A delta from an older generation is recorded but not subtracted
(the count already saw it) and is listed for post-count reconciliation (see design/sync.md).

A made drink takes its recipe out by itself: Done (ready) records a *use round* of the order's
recipe, undo back from ready a *return round* of exactly what that use took. Rounds are
numbered per order (odd: a use, even: a return), so both the organiser and an offline station
derive the same movement ids and a repeated Done or undo changes nothing (``use_round``,
``return_round``).

Thresholds (``crossed``): ``stock_low`` when a level falls to its low threshold, ``stock_out``
when it reaches 0 (nothing left at all; a drink needing more than what is left is already
refused per drink by ``missing_for``, so routing skips the station for a large latte while a
small one may still fit), ``stock_negative`` when more was used than counted. Each is raised
once per crossing: only when the level moves from above the line to on or below it.
"""

from __future__ import annotations

import functools
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from expresso_desktop.core.items import DrinkSpec
from expresso_desktop.core.menu import NO_MILK, Menu, load_default_menu

COFFEE = "coffee beans"


def milk_key(milk: str) -> str:
    return f"milk:{milk}"


def cup_key(size: str) -> str:
    return f"cup:{size}"


def consumption(item: DrinkSpec, menu: Menu) -> dict[str, float]:
    """Stock used by one order line (all of its quantity), keyed by stock item name."""
    known = _recipes(menu)
    try:
        use = known.get(item)
    except TypeError:  # an unhashable item (extras as a list): nothing to remember it by
        return _consumption(item, menu)
    if use is None:
        use = _consumption(item, menu)
        if len(known) < _MAX_RECIPES:
            known[item] = use
    return dict(use)


# Worked-out lines per menu (a menu is immutable; routing asks for every item at every
# station, and for every drink when it says what can be made): the menus used last, by identity.
_KNOWN: dict[int, tuple[Menu, dict[DrinkSpec, dict[str, float]]]] = {}
_MAX_MENUS = 4
_MAX_RECIPES = 4096


def _recipes(menu: Menu) -> dict[DrinkSpec, dict[str, float]]:
    entry = _KNOWN.get(id(menu))
    if entry is not None and entry[0] is menu:
        return entry[1]
    if len(_KNOWN) >= _MAX_MENUS:
        _KNOWN.clear()
    known: dict[DrinkSpec, dict[str, float]] = {}
    _KNOWN[id(menu)] = (menu, known)  # holding the menu keeps its id from being reused
    return known


def _consumption(item: DrinkSpec, menu: Menu) -> dict[str, float]:
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


def recipe(items: Iterable[DrinkSpec], menu: Menu) -> dict[str, float]:
    """What an order's drinks took, as ``order_consumption``; a line the menu no longer knows
    (a drink taken off since) took nothing we can count, and never stops a Done."""
    known = []
    for item in items:
        try:
            consumption(item, menu)
        except KeyError:
            continue
        known.append(item)
    return order_consumption(known, menu)


def event_menu(stored: Mapping[str, Any] | None) -> Menu:
    """The menu recipes are read from: the event's stored menu (its ``menu_configs`` image)
    when it has one, else the default menu — on the organiser and on a station alike."""
    if not stored:
        return _default_menu()
    return _stored_menu(json.dumps(stored, sort_keys=True))


@functools.cache
def _default_menu() -> Menu:
    return load_default_menu()


@functools.lru_cache(maxsize=4)
def _stored_menu(text: str) -> Menu:
    return Menu.from_dict(json.loads(text))


# -- a made drink's rounds -------------------------------------------------------------------
ORDER_USE = "order"  # the movement reason of a Done's use round
ORDER_RETURN = "undo"  # ... and of the return round an undo back from ready makes


def order_client_id(order_id: str) -> str:
    """The client id a made drink's movements are keyed by (with the round as their seq)."""
    return f"order:{order_id}"


@dataclass(frozen=True, slots=True)
class OrderMove:
    """One movement of an order's rounds, as stored."""

    seq: int
    item_id: int
    delta: float


@dataclass(frozen=True, slots=True)
class Round:
    """The movements one Done or undo makes: ``deltas`` by stock item id."""

    seq: int
    deltas: Mapping[int, float]


def _last(history: Iterable[OrderMove]) -> int:
    return max((m.seq for m in history), default=0)


def is_taken(history: Iterable[OrderMove]) -> bool:
    """Whether the order's recipe is out of stock now (its last round was a use)."""
    return _last(history) % 2 == 1


def use_round(
    history: Iterable[OrderMove], needs: Mapping[str, float], tracked: Mapping[str, int]
) -> Round | None:
    """The use a Done makes: ``needs`` (a recipe) taken from the ``tracked`` items (name → id)
    of the order's station; None when its recipe is already taken. Items the station does not
    track are skipped."""
    history = list(history)
    if is_taken(history):
        return None
    deltas = {tracked[name]: -qty for name, qty in sorted(needs.items()) if name in tracked}
    return Round(_last(history) + 1, deltas)


def return_round(history: Iterable[OrderMove]) -> Round | None:
    """The return an undo back from ready makes: exactly what the last use took, put back;
    None when nothing is taken."""
    history = list(history)
    if not is_taken(history):
        return None
    last = _last(history)
    deltas: dict[int, float] = defaultdict(float)
    for move in history:
        if move.seq == last:
            deltas[move.item_id] -= move.delta
    return Round(last + 1, dict(deltas))


# -- thresholds ------------------------------------------------------------------------------
def crossed(before: float, after: float, low: float) -> tuple[str, ...]:
    """The alerts a level moving from ``before`` to ``after`` raises (see the module's doc):
    ``stock_out`` replaces ``stock_low`` when both lines are crossed at once."""
    kinds = []
    if after <= 0 < before:
        kinds.append("stock_out")
    elif after <= low < before:
        kinds.append("stock_low")
    if after < 0 <= before:
        kinds.append("stock_negative")
    return tuple(kinds)


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

    @property
    def is_out(self) -> bool:
        """Marked out, or nothing left: nothing that needs it can be made here."""
        return self.out or self.level <= 0


def missing_for(needs: Mapping[str, float], stock: Mapping[str, StockState]) -> list[str]:
    """Stock items that stop a station making something. Items a station doesn't track at all
    are not a reason to refuse (capabilities decide what it makes); marked-out or exhausted are."""
    short = []
    for key, qty in needs.items():
        state = stock.get(key)
        if state is not None and (state.out or state.level < qty):
            short.append(key)
    return short
