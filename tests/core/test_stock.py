from __future__ import annotations

from expresso_desktop.core.items import DrinkSpec
from expresso_desktop.core.stock import (
    Movement,
    StockState,
    consumption,
    level_of,
    missing_for,
    order_consumption,
)


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
