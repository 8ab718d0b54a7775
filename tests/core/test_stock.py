from __future__ import annotations

import pytest

from expresso_desktop.core.items import DrinkSpec
from expresso_desktop.core.menu import Menu
from expresso_desktop.core.stock import (
    Movement,
    OrderMove,
    Round,
    StockState,
    consumption,
    crossed,
    event_menu,
    is_taken,
    level_of,
    missing_for,
    order_consumption,
    recipe,
    return_round,
    use_round,
)
from expresso_desktop.core.stock import _consumption as _consumption  # the line worked out


def test_latte_uses_beans_milk_and_a_cup(menu) -> None:
    use = consumption(DrinkSpec("latte", "medium", "oat"), menu)
    assert use == {"coffee beans": 9, "milk:oat": 298, "cup:medium": 1}


def test_large_extra_shot_decaf_quantity(menu) -> None:
    item = DrinkSpec(
        "flat white", "large", "full cream", quantity=2, extras=("extra shot", "decaf")
    )
    use = consumption(item, menu)
    # 1 shot + 1 for large + 1 extra = 3 shots × 9 g, from decaf beans, twice
    assert use["decaf beans"] == 54
    assert "coffee beans" not in use
    assert use["cup:large"] == 2
    assert use["milk:full cream"] == 2 * round(470 * 0.8)


def test_black_drink_uses_no_milk_and_hot_chocolate_no_coffee(menu) -> None:
    assert not any(
        k.startswith("milk:") for k in consumption(DrinkSpec("long black", "small", "none"), menu)
    )
    choc = consumption(DrinkSpec("hot chocolate", "small", "soy", extras=("vanilla",)), menu)
    assert "coffee beans" not in choc
    assert choc["chocolate powder"] == 25 and choc["vanilla syrup"] == 10


def test_order_consumption_sums_lines(menu) -> None:
    total = order_consumption(
        [DrinkSpec("latte", "medium", "oat"), DrinkSpec("latte", "medium", "oat", quantity=2)], menu
    )
    assert total["milk:oat"] == 3 * 298 and total["cup:medium"] == 3


def test_levels_are_baseline_plus_current_generation_deltas() -> None:
    moves = [Movement(-300, 1), Movement(-200, 1), Movement(-100, 2), Movement(1000, 2)]
    level = level_of(baseline=5000, generation=2, movements=moves)
    assert level.level == 5900
    assert level.stale == (Movement(-300, 1), Movement(-200, 1))  # post-count reconciliation


def test_consumption_is_never_refused_and_may_go_negative() -> None:
    assert level_of(100, 1, [Movement(-300, 1)]).level == -200


def test_missing_for() -> None:
    stock = {"milk:oat": StockState(200), "cup:medium": StockState(50, out=True)}
    assert missing_for({"milk:oat": 298, "cup:medium": 1, "coffee beans": 9}, stock) == [
        "milk:oat",
        "cup:medium",
    ]
    assert StockState(10, low=20).is_low and not StockState(30, low=20).is_low


def test_an_item_marked_out_or_exhausted_is_out() -> None:
    assert StockState(500, out=True).is_out and StockState(0).is_out
    assert StockState(-3).is_out and not StockState(0.5).is_out


def test_a_recipe_skips_lines_the_menu_no_longer_knows(menu: Menu) -> None:
    gone = DrinkSpec("babyccino", "small", "full cream")
    latte = DrinkSpec("latte", "medium", "oat")
    assert recipe([gone, latte], menu) == consumption(latte, menu)


def test_the_event_menu_is_its_stored_menu_or_the_default(menu: Menu) -> None:
    assert event_menu(None) == menu
    small = menu.without(drinks=("mocha",))
    assert event_menu(small.to_dict()).drink_names == small.drink_names


def test_a_use_round_takes_what_the_station_tracks_once() -> None:
    needs = {"milk:oat": 298, "coffee beans": 9, "cup:medium": 1}
    tracked = {"milk:oat": 7, "cup:medium": 8}  # no beans tracked here: skipped
    first = use_round([], needs, tracked)
    assert first == Round(1, {8: -1, 7: -298})
    taken = [OrderMove(1, 7, -298), OrderMove(1, 8, -1)]
    assert is_taken(taken) and use_round(taken, needs, tracked) is None


def test_a_return_round_gives_back_exactly_the_last_use() -> None:
    history = [OrderMove(1, 7, -298), OrderMove(1, 8, -1)]
    back = return_round(history)
    assert back == Round(2, {7: 298, 8: 1})
    history += [OrderMove(2, 7, 298), OrderMove(2, 8, 1)]
    assert not is_taken(history) and return_round(history) is None
    again = use_round(history, {"milk:oat": 300}, {"milk:oat": 7})  # the menu changed since
    assert again == Round(3, {7: -300})
    assert return_round([*history, OrderMove(3, 7, -300)]) == Round(4, {7: 300})
    assert return_round([]) is None


def test_thresholds_are_crossed_once() -> None:
    assert crossed(1500, 900, 1000) == ("stock_low",)
    assert crossed(900, 800, 1000) == ()  # already low
    assert crossed(900, 0, 1000) == ("stock_out",)  # out replaces low
    assert crossed(0, -5, 1000) == ("stock_negative",)  # already out
    assert crossed(300, -5, 1000) == ("stock_out", "stock_negative")
    assert crossed(-5, 2000, 1000) == ()  # a restock raises nothing


# -- a menu's lines are worked out once and remembered -----------------------------------------
def test_remembered_lines_are_what_working_them_out_gives_for_every_combination(
    menu: Menu,
) -> None:
    extras = [(), *((e,) for e in menu.extra_names), menu.extra_names[:3]]
    specs = [
        DrinkSpec(d, s, m, quantity=q, extras=x)
        for d in menu.drink_names
        for s in menu.size_names
        for m in menu.milk_names
        for x in extras
        for q in (1, 2)
    ]
    for spec in specs * 2:  # the second round from what was remembered
        assert consumption(spec, menu) == _consumption(spec, menu)


def test_a_remembered_line_is_the_callers_own_copy_and_each_menu_has_its_own(
    menu: Menu,
) -> None:
    spec = DrinkSpec("latte", "large", "oat")
    first = consumption(spec, menu)
    first["milk:oat"] = 0
    assert consumption(spec, menu)["milk:oat"] == _consumption(spec, menu)["milk:oat"] > 0
    data = menu.to_dict()
    data["grams_per_shot"] = 20
    stronger = Menu.from_dict(data)  # equal drinks, another recipe
    assert consumption(spec, stronger)["coffee beans"] == 40 != first["coffee beans"]
    listed = DrinkSpec("latte", "large", "oat", extras=["decaf"])  # type: ignore[arg-type]
    assert consumption(listed, menu) == _consumption(listed, menu)  # unhashable: worked out
    with pytest.raises(KeyError, match="babyccino"):
        consumption(DrinkSpec("babyccino", "small", "full cream"), menu)
