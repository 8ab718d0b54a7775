"""Intake decisions (core/intake.py): the size of one text's order, the throttle, its alerts."""

from __future__ import annotations

from expresso_desktop.core.intake import (
    HARD_LIMIT,
    Limits,
    Size,
    Throttled,
    ThrottleWatch,
    is_yes,
    size_check,
    throttle,
)

LIMITS = Limits(max_drinks=10, throttle_minutes=20, throttle_mode="confirm")


def test_size_up_to_the_limit_is_placed_above_it_confirmed_above_the_ceiling_refused() -> None:
    assert size_check(10, LIMITS) is Size.OK
    assert size_check(11, LIMITS) is Size.CONFIRM
    assert size_check(HARD_LIMIT, LIMITS) is Size.CONFIRM
    assert size_check(HARD_LIMIT + 1, LIMITS) is Size.TOO_MANY
    assert size_check(HARD_LIMIT + 1, Limits(99, 0, "confirm")) is Size.TOO_MANY


def test_throttle_holds_above_the_limit_only_and_zero_is_off() -> None:
    assert throttle(20, LIMITS) is None
    assert throttle(26, LIMITS) == Throttled("confirm", 26, 6)
    paused = Limits(10, 20, "pause")
    assert throttle(21, paused) == Throttled("pause", 21, 1)
    assert throttle(500, Limits(10, 0, "pause")) is None


def test_a_station_alerts_once_per_crossing() -> None:
    watch = ThrottleWatch()
    assert watch.observe("1", True)
    assert not watch.observe("1", True)  # still over: the same crossing
    assert watch.observe("2", True)  # another station
    assert not watch.observe("1", False)
    assert watch.observe("1", True)  # over again: a new crossing


def test_yes_answers() -> None:
    assert all(is_yes(t) for t in ("YES", "yes", " Yes! ", "y", "ok.", "yes please"))
    assert not any(is_yes(t) for t in ("no", "yes but oat", "", "yesterday"))
