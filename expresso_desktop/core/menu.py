"""The menu as data: drinks, sizes, milks, extras, their synonyms, recipes and stock items.

An event starts from the default menu in ``expresso_desktop/resources/menu.json`` and may add
or remove entries. Everything here is immutable; editing a menu means building a new one with
``Menu.from_dict``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeVar


class MenuError(ValueError):
    """A menu definition is inconsistent (unknown default, duplicate name, bad number)."""


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


@dataclass(frozen=True, slots=True)
class Size:
    name: str
    ml: int
    extra_shots: float = 0
    synonyms: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Milk:
    name: str
    colour: str = "#ffffff"
    synonyms: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Drink:
    name: str
    shots: float = 1
    milk_ratio: float = 0.8
    black: bool = False
    ingredients: Mapping[str, float] = field(default_factory=dict)
    synonyms: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Extra:
    name: str
    shots: float = 0
    ingredients: Mapping[str, float] = field(default_factory=dict)
    # Stock substitutions, e.g. decaf draws from "decaf beans" instead of "coffee beans".
    replaces: Mapping[str, str] = field(default_factory=dict)
    synonyms: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class StockItemSpec:
    name: str
    unit: str
    par: float = 0
    low: float = 0


NO_MILK = "none"
_E = TypeVar("_E", Drink, Size, Milk, Extra)


@dataclass(frozen=True, slots=True)
class _Index:
    """A menu's lookups, built once: every text asks them several times. Entries are kept by
    normalised name only: one whose name ``_norm`` would change can never be found."""

    names: tuple[tuple[str, ...], ...]  # drink, size, milk and extra names
    drinks: dict[str, Drink]
    sizes: dict[str, Size]
    milks: dict[str, Milk]
    extras: dict[str, Extra]
    milk_for: dict[str, str]  # every (normalised) drink name → its default milk


def _build_index(menu: Menu) -> _Index:
    kinds = (menu.drinks, menu.sizes, menu.milks, menu.extras)
    names = tuple(tuple(e.name for e in entries) for entries in kinds)
    drinks = _by_name(menu.drinks)
    black = NO_MILK if NO_MILK in names[2] else menu.default_milk
    milk_for = {name: black if d.black else menu.default_milk for name, d in drinks.items()}
    return _Index(
        names, drinks, _by_name(menu.sizes), _by_name(menu.milks), _by_name(menu.extras), milk_for
    )


def _by_name(entries: Iterable[_E]) -> dict[str, _E]:
    return {e.name: e for e in entries if _norm(e.name) == e.name}


@dataclass(frozen=True)
class Menu:
    """What an event serves. Lookups are by canonical (lower-case) name."""

    drinks: tuple[Drink, ...]
    sizes: tuple[Size, ...]
    milks: tuple[Milk, ...]
    extras: tuple[Extra, ...]
    stock_items: tuple[StockItemSpec, ...] = ()
    default_size: str = "medium"
    default_milk: str = "full cream"
    grams_per_shot: float = 9
    _index: _Index = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for kind, entries in (
            ("drink", self.drinks),
            ("size", self.sizes),
            ("milk", self.milks),
            ("extra", self.extras),
        ):
            names = [e.name for e in entries]
            dupes = {n for n in names if names.count(n) > 1}
            if dupes:
                raise MenuError(f"duplicate {kind} name(s): {', '.join(sorted(dupes))}")
        if not self.drinks:
            raise MenuError("a menu needs at least one drink")
        object.__setattr__(self, "_index", _build_index(self))
        if self.default_size not in self.size_names:
            raise MenuError(f"default size {self.default_size!r} is not one of the sizes")
        if self.default_milk not in self.milk_names:
            raise MenuError(f"default milk {self.default_milk!r} is not one of the milks")

    # -- lookups -----------------------------------------------------------------------------
    @property
    def drink_names(self) -> tuple[str, ...]:
        return self._index.names[0]

    @property
    def size_names(self) -> tuple[str, ...]:
        return self._index.names[1]

    @property
    def milk_names(self) -> tuple[str, ...]:
        return self._index.names[2]

    @property
    def extra_names(self) -> tuple[str, ...]:
        return self._index.names[3]

    def drink(self, name: str) -> Drink:
        return _find(self._index.drinks, name, "drink")

    def size(self, name: str) -> Size:
        return _find(self._index.sizes, name, "size")

    def milk(self, name: str) -> Milk:
        return _find(self._index.milks, name, "milk")

    def extra(self, name: str) -> Extra:
        return _find(self._index.extras, name, "extra")

    def default_milk_for(self, drink: str) -> str:
        """Black drinks default to no milk; everything else (a drink taken off the menu since
        an order had it, too) to the menu's default milk."""
        milk_for = self._index.milk_for
        milk = milk_for.get(drink)  # a hit is a normalised name: what ``_norm`` would find
        if milk is None:
            milk = milk_for.get(_norm(drink), self.default_milk)
        return milk

    def current_menu(self) -> Menu:
        """A fixed menu is its own current view (see ``MenuSource``)."""
        return self

    def milk_colour(self, milk: str) -> str:
        try:
            return self.milk(milk).colour
        except KeyError:
            return "#cccccc"

    # -- (de)serialisation --------------------------------------------------------------------
    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Menu:
        try:
            return cls(
                drinks=tuple(
                    Drink(
                        name=_norm(d["name"]),
                        shots=float(d.get("shots", 1)),
                        milk_ratio=float(d.get("milk_ratio", 0.8)),
                        black=bool(d.get("black", False)),
                        ingredients=dict(d.get("ingredients", {})),
                        synonyms=_syns(d.get("synonyms", ())),
                    )
                    for d in data["drinks"]
                ),
                sizes=tuple(
                    Size(
                        name=_norm(s["name"]),
                        ml=int(s.get("ml", 350)),
                        extra_shots=float(s.get("extra_shots", 0)),
                        synonyms=_syns(s.get("synonyms", ())),
                    )
                    for s in data["sizes"]
                ),
                milks=tuple(
                    Milk(
                        name=_norm(m["name"]),
                        colour=str(m.get("colour", "#ffffff")),
                        synonyms=_syns(m.get("synonyms", ())),
                    )
                    for m in data["milks"]
                ),
                extras=tuple(
                    Extra(
                        name=_norm(e["name"]),
                        shots=float(e.get("shots", 0)),
                        ingredients=dict(e.get("ingredients", {})),
                        replaces=dict(e.get("replaces", {})),
                        synonyms=_syns(e.get("synonyms", ())),
                    )
                    for e in data.get("extras", ())
                ),
                stock_items=tuple(
                    StockItemSpec(
                        name=str(i["name"]),
                        unit=str(i.get("unit", "")),
                        par=float(i.get("par", 0)),
                        low=float(i.get("low", 0)),
                    )
                    for i in data.get("stock_items", ())
                ),
                default_size=_norm(data.get("default_size", "medium")),
                default_milk=_norm(data.get("default_milk", "full cream")),
                grams_per_shot=float(data.get("grams_per_shot", 9)),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            if isinstance(exc, MenuError):
                raise
            raise MenuError(f"invalid menu definition: {exc!r}") from exc

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": 1,
            "grams_per_shot": self.grams_per_shot,
            "default_size": self.default_size,
            "default_milk": self.default_milk,
            "sizes": [
                {
                    "name": s.name,
                    "ml": s.ml,
                    "extra_shots": s.extra_shots,
                    "synonyms": list(s.synonyms),
                }
                for s in self.sizes
            ],
            "milks": [
                {"name": m.name, "colour": m.colour, "synonyms": list(m.synonyms)}
                for m in self.milks
            ],
            "drinks": [
                {
                    "name": d.name,
                    "shots": d.shots,
                    "milk_ratio": d.milk_ratio,
                    "black": d.black,
                    "ingredients": dict(d.ingredients),
                    "synonyms": list(d.synonyms),
                }
                for d in self.drinks
            ],
            "extras": [
                {
                    "name": e.name,
                    "shots": e.shots,
                    "ingredients": dict(e.ingredients),
                    "replaces": dict(e.replaces),
                    "synonyms": list(e.synonyms),
                }
                for e in self.extras
            ],
            "stock_items": [
                {"name": i.name, "unit": i.unit, "par": i.par, "low": i.low}
                for i in self.stock_items
            ],
        }

    @classmethod
    def from_json_file(cls, path: Path) -> Menu:
        with path.open(encoding="utf-8") as fh:
            return cls.from_dict(json.load(fh))

    def without(self, *, drinks: Iterable[str] = (), milks: Iterable[str] = ()) -> Menu:
        """A copy with some drinks or milks removed (an event that serves no soy, say)."""
        data = self.to_dict()
        drop_d, drop_m = set(drinks), set(milks)
        data["drinks"] = [d for d in data["drinks"] if d["name"] not in drop_d]
        data["milks"] = [m for m in data["milks"] if m["name"] not in drop_m]
        return Menu.from_dict(data)


class MenuSource(Protocol):
    """Where the order language gets the menu of the moment: a fixed ``Menu``, or the event's
    live view (``services.menu_admin.LiveMenu``: re-read once the organiser edits it)."""

    def current_menu(self) -> Menu: ...


def _syns(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(_norm(v) for v in values if _norm(v)))


def _find(entries: Mapping[str, _E], name: str, kind: str) -> _E:
    """The entry named ``name`` once normalised (``entries`` holds normalised names only, so
    a name found as it is needs no normalising)."""
    entry = entries.get(name)
    if entry is None:
        entry = entries.get(_norm(name))
        if entry is None:
            raise KeyError(f"unknown {kind}: {name!r}")
    return entry


def default_menu_path() -> Path:
    """The bundled default menu (``expresso_desktop/resources/menu.json`` beside the package)."""
    from expresso_desktop.core.resources import resource_path

    return resource_path("menu.json")


def load_default_menu() -> Menu:
    return Menu.from_json_file(default_menu_path())
