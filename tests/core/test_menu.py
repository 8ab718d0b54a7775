"""The menu as data: the bundled default, lookups, round trips, and definitions it refuses."""

from __future__ import annotations

import json
import pickle
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from expresso_desktop.core.menu import (
    NO_MILK,
    Drink,
    Extra,
    Menu,
    MenuError,
    Milk,
    Size,
    default_menu_path,
    load_default_menu,
)


@pytest.fixture
def menu() -> Menu:
    return load_default_menu()


def minimal(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "drinks": [{"name": "Latte"}, {"name": "Long Black", "black": True}],
        "sizes": [{"name": "medium"}],
        "milks": [{"name": "full cream"}, {"name": "none"}],
    }
    data.update(overrides)
    return data


def test_the_default_menu_serves_what_the_sms_language_promises(menu: Menu) -> None:
    assert menu.drink_names == (
        "latte", "cappuccino", "flat white", "long black", "espresso", "macchiato", "piccolo",
        "mocha", "hot chocolate", "chai latte", "tea", "matcha latte", "cortado",
    )  # fmt: skip
    assert menu.size_names == ("small", "medium", "large")
    assert set(menu.milk_names) == {
        "full cream", "skim", "soy", "almond", "oat", "lactose free", "coconut", "macadamia",
        NO_MILK,
    }  # fmt: skip
    assert set(menu.extra_names) == {
        "extra shot", "half strength", "decaf", "extra hot", "iced", "vanilla", "caramel",
        "hazelnut",
    }  # fmt: skip
    assert (menu.default_size, menu.default_milk) == ("medium", "full cream")
    assert {d.name for d in menu.drinks if d.black} == {"long black", "espresso"}


def test_black_drinks_default_to_no_milk_and_the_rest_to_the_default(menu: Menu) -> None:
    assert menu.default_milk_for("long black") == NO_MILK
    assert menu.default_milk_for("espresso") == NO_MILK
    assert menu.default_milk_for("flat white") == "full cream"
    without_none = Menu.from_dict(minimal(milks=[{"name": "full cream"}]))
    assert without_none.default_milk_for("long black") == "full cream"  # no "none" to give


def test_lookups_are_by_normalised_name_and_unknown_names_raise(menu: Menu) -> None:
    assert menu.drink("  Flat   WHITE ").name == "flat white"
    assert menu.milk("OAT").name == "oat"
    assert menu.size("Large").extra_shots == 1
    with pytest.raises(KeyError, match="unknown drink: 'americano'"):
        menu.drink("americano")
    with pytest.raises(KeyError, match="unknown extra"):
        menu.extra("whipped cream")


def test_an_unknown_milk_gets_a_neutral_colour(menu: Menu) -> None:
    assert menu.milk_colour("oat") == menu.milk("oat").colour != "#cccccc"
    assert menu.milk_colour("camel") == "#cccccc"


def test_to_dict_and_back_is_the_same_menu(menu: Menu) -> None:
    again = Menu.from_dict(json.loads(json.dumps(menu.to_dict())))
    assert again == menu
    assert again.to_dict() == menu.to_dict()


def test_the_bundled_file_loads_through_from_json_file(menu: Menu, tmp_path: Path) -> None:
    assert default_menu_path().name == "menu.json"
    assert Menu.from_json_file(default_menu_path()) == menu
    copy = tmp_path / "menu.json"
    copy.write_text(json.dumps(menu.to_dict()), encoding="utf-8")
    assert Menu.from_json_file(copy) == menu


def test_names_and_synonyms_are_normalised_and_deduplicated() -> None:
    data = minimal(
        drinks=[{"name": "  Flat  White ", "synonyms": ["FW", "fw ", " ", "Flatty"]}],
        milks=[{"name": "Full Cream"}],
        default_milk="FULL cream",
    )
    loaded = Menu.from_dict(data)
    assert loaded.drink_names == ("flat white",)
    assert loaded.drink("flat white").synonyms == ("fw", "flatty")
    assert loaded.default_milk == "full cream"


def test_without_drops_drinks_and_milks_and_leaves_the_original(menu: Menu) -> None:
    smaller = menu.without(drinks=["chai latte"], milks=["soy", "coconut"])
    assert "chai latte" not in smaller.drink_names and "soy" not in smaller.milk_names
    assert "coconut" not in smaller.milk_names and "oat" in smaller.milk_names
    assert "chai latte" in menu.drink_names and "soy" in menu.milk_names
    with pytest.raises(MenuError, match="default milk"):
        menu.without(milks=["full cream"])  # the default cannot be dropped silently


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (minimal(drinks=[]), "at least one drink"),
        (minimal(drinks=[{"name": "latte"}, {"name": "Latte"}]), "duplicate drink name"),
        (minimal(milks=[{"name": "oat"}, {"name": "oat"}]), "duplicate milk name"),
        (minimal(default_size="large"), "default size 'large'"),
        (minimal(default_milk="oat"), "default milk 'oat'"),
        (minimal(drinks=[{"shots": 1}]), "invalid menu definition"),  # no name
        (minimal(sizes=[{"name": "medium", "ml": "big"}]), "invalid menu definition"),
        ({"sizes": [], "milks": []}, "invalid menu definition"),  # no drinks at all
        (minimal(drinks=[{"name": 7}]), "invalid menu definition"),
    ],
)
def test_inconsistent_definitions_are_refused_with_a_reason(
    data: dict[str, Any], message: str
) -> None:
    with pytest.raises(MenuError, match=message):
        Menu.from_dict(data)


def test_a_menu_is_immutable(menu: Menu) -> None:
    with pytest.raises(AttributeError):
        menu.default_size = "large"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        menu.drinks[0].name = "babyccino"  # type: ignore[misc]


# -- lookups kept by name (built once per menu) answer as the linear scans they replace -----------
def _scanned(entries: tuple[Any, ...], name: str) -> Any:
    """The lookup as it was: normalise, then the first entry of that name."""
    key = " ".join(name.lower().split())
    return next((e for e in entries if e.name == key), None)


def _scanned_default_milk(menu: Menu, drink: str) -> str:
    d = _scanned(menu.drinks, drink)
    milks = tuple(m.name for m in menu.milks)
    return NO_MILK if d is not None and d.black and NO_MILK in milks else menu.default_milk


def _spellings(name: str) -> list[str]:
    return [name, name.upper(), name.title(), f"  {name} ", name.replace(" ", "   "), name + "x"]


def _menus(menu: Menu) -> list[Menu]:
    odd = Menu(  # built directly, with names ``from_dict`` would have normalised
        drinks=(Drink("Latte"), Drink("long black", black=True), Drink(" mocha")),
        sizes=(Size("medium", 350), Size("Large", 450)),
        milks=(Milk("full cream"), Milk("Oat")),
        extras=(Extra("Decaf"), Extra("iced")),
    )
    return [menu, menu.without(milks=[NO_MILK]), odd]


def test_name_lookups_answer_as_a_scan_for_every_name_and_spelling(menu: Menu) -> None:
    for m in _menus(menu):
        kinds = (
            (m.drinks, m.drink, "drink"),
            (m.sizes, m.size, "size"),
            (m.milks, m.milk, "milk"),
            (m.extras, m.extra, "extra"),
        )
        every = [n for entries, _, _ in kinds for e in entries for n in _spellings(e.name)]
        for entries, lookup, kind in kinds:
            for name in [*every, "", "  ", "americano"]:
                expected = _scanned(entries, name)
                if expected is None:
                    with pytest.raises(KeyError, match=f"unknown {kind}: {name!r}"):
                        lookup(name)
                else:
                    assert lookup(name) is expected
        for name in [*every, "", "americano"]:
            assert m.default_milk_for(name) == _scanned_default_milk(m, name)
        assert m.drink_names == tuple(d.name for d in m.drinks)
        assert m.size_names == tuple(s.name for s in m.sizes)
        assert m.milk_names == tuple(x.name for x in m.milks)
        assert m.extra_names == tuple(e.name for e in m.extras)


def test_the_lookups_follow_a_replaced_menu_and_stay_out_of_equality_and_repr(
    menu: Menu,
) -> None:
    darker = replace(menu, default_milk="oat", drinks=menu.drinks[:2])
    assert darker.default_milk_for("latte") == "oat"
    assert darker.drink_names == ("latte", "cappuccino")
    with pytest.raises(KeyError):
        darker.drink("mocha")
    assert Menu.from_dict(menu.to_dict()) == menu != darker
    assert "_index" not in repr(menu)
    assert pickle.loads(pickle.dumps(menu)).default_milk_for("espresso") == NO_MILK
