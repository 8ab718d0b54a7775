"""Drinks (core/items.py): the one stored-item → drink conversion, and validation from dicts."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from expresso_desktop.core.errors import ValidationError
from expresso_desktop.core.items import DrinkSpec, drink_of, drink_spec_from_dict
from expresso_desktop.core.menu import Menu
from expresso_desktop.store.tables import OrderItem

FLAT_WHITE = DrinkSpec("flat white", "large", "oat", 2, 3, ("decaf", "extra hot"))


def test_an_order_item_row_becomes_its_drink() -> None:
    row = OrderItem(
        order_id="o",
        drink="flat white",
        size="large",
        milk="oat",
        sugar=2,
        quantity=3,
        extras_json=["decaf", "extra hot"],
    )
    assert drink_of(row) == FLAT_WHITE


def test_a_mapping_with_extras_json_or_extras_becomes_its_drink() -> None:
    image = {"drink": "flat white", "size": "large", "milk": "oat", "sugar": 2, "quantity": 3}
    assert drink_of({**image, "extras_json": ["decaf", "extra hot"]}) == FLAT_WHITE
    assert drink_of({**image, "extras": ["decaf", "extra hot"]}) == FLAT_WHITE
    assert drink_of(FLAT_WHITE.to_dict()) == FLAT_WHITE  # round trip


def test_missing_or_null_numbers_and_extras_take_the_defaults() -> None:
    bare = {"drink": "latte", "size": "medium", "milk": "full cream"}
    assert drink_of(bare) == DrinkSpec("latte", "medium", "full cream", 0, 1, ())
    nulls = {**bare, "sugar": None, "quantity": None, "extras_json": None}
    assert drink_of(nulls) == DrinkSpec("latte", "medium", "full cream", 0, 1, ())
    obj = SimpleNamespace(drink="tea", size="small", milk="none", extras=("honey",))
    assert drink_of(obj) == DrinkSpec("tea", "small", "none", 0, 1, ("honey",))


def test_a_drink_is_hashable_and_its_extras_a_tuple() -> None:
    drink = drink_of({"drink": "latte", "size": "m", "milk": "oat", "extras_json": ["vanilla"]})
    assert isinstance(drink.extras, tuple) and len({drink, drink}) == 1


def test_from_a_dict_fills_defaults_and_normalises(menu: Menu) -> None:
    spec = drink_spec_from_dict({"drink": " Latte ", "extras": ["Decaf", "decaf"]}, menu)
    assert spec == DrinkSpec(
        "latte", menu.default_size, menu.default_milk_for("latte"), 0, 1, ("decaf",)
    )


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"drink": "beer"}, "items.drink"),
        ({"drink": "latte", "size": "vast"}, "items.size"),
        ({"drink": "latte", "milk": "yak"}, "items.milk"),
        ({"drink": "latte", "extras": "decaf"}, "items.extras"),
        ({"drink": "latte", "extras": ["gold"]}, "items.extras"),
        ({"drink": "latte", "sugar": 11}, "items.sugar"),
        ({"drink": "latte", "quantity": 0}, "items.quantity"),
        ({"drink": "latte", "quantity": True}, "items.quantity"),
        ({"drink": "latte", "quantity": "two"}, "items.quantity"),
    ],
)
def test_from_a_dict_refuses_what_the_menu_does_not_allow(
    menu: Menu, data: dict[str, object], field: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        drink_spec_from_dict(data, menu)
    assert refused.value.field == field


def test_a_drinks_modifiers_are_what_differs_from_the_plain_drink(menu: Menu) -> None:
    # Sugar, then the extras as ordered; size and milk are the line's, not modifiers.
    assert FLAT_WHITE.modifiers(menu) == ("2 sugars", "decaf", "extra hot")
    assert DrinkSpec("latte", "medium", "full cream").modifiers(menu) == ()
    assert DrinkSpec("latte", "small", "none", 1).modifiers(menu) == ("no milk", "1 sugar")
    assert DrinkSpec("long black", "medium", "none").modifiers(menu) == ()  # black by default
    decaf_shot = DrinkSpec("latte", "medium", "oat", extras=("decaf", "extra shot"))
    assert decaf_shot.modifiers(menu) == ("decaf", "extra shot")
    assert decaf_shot.summary(menu) == "oat latte, decaf, extra shot"
    assert FLAT_WHITE.summary(menu) == "3× large oat flat white, 2 sugars, decaf, extra hot"
