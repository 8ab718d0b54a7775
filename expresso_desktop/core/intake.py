"""Intake limits (B5): how many drinks one text may order, and what to do when a station is busy.

Pure decisions over numbers: the SMS conversation asks them and says the answer, the settings
(``services.event_settings``) supply the limits.
- **Size**: up to ``max_drinks`` drinks are placed as usual; more are placed only after the
  customer confirms (a YES); more than ``HARD_LIMIT`` is a catering order, never a text.
- **Throttle**: when the station an order would go to quotes a wait above ``throttle_minutes``
  (0: never), the customer is asked to confirm the wait (mode ``confirm``) or told ordering is
  paused and when to try again (mode ``pause``). The organiser hears once per crossing
  (``ThrottleWatch``), not once per text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

from expresso_desktop.core.items import MAX_QUANTITY

# The most drinks one text can order whatever the setting (the parser reads no larger number).
HARD_LIMIT = MAX_QUANTITY
ThrottleMode = Literal["confirm", "pause"]
THROTTLE_MODES: tuple[ThrottleMode, ...] = ("confirm", "pause")
# Answers that confirm a question we asked (upper-cased, trailing punctuation dropped).
_YES = frozenset({"YES", "Y", "YEP", "YEAH", "YES PLEASE", "OK", "OKAY", "SURE", "CONFIRM"})


@dataclass(frozen=True, slots=True)
class Limits:
    max_drinks: int  # per text before the customer is asked to confirm
    throttle_minutes: int  # quoted wait above which new orders are held; 0: never
    throttle_mode: ThrottleMode


class Size(StrEnum):
    OK = "ok"
    CONFIRM = "confirm"  # above the event's limit: placed only after a YES
    TOO_MANY = "too_many"  # above the hard limit: never placed from a text


def size_check(drinks: int, limits: Limits) -> Size:
    if drinks > HARD_LIMIT:
        return Size.TOO_MANY
    if drinks > limits.max_drinks:
        return Size.CONFIRM
    return Size.OK


@dataclass(frozen=True, slots=True)
class Throttled:
    """An order held because its station is too busy: what to tell the customer."""

    mode: ThrottleMode
    wait_minutes: int  # the wait the station quotes for this order
    retry_minutes: int  # when the wait should be back under the limit (pause mode says it)


def over_limit(wait_minutes: int, limits: Limits) -> bool:
    return limits.throttle_minutes > 0 and wait_minutes > limits.throttle_minutes


def throttle(wait_minutes: int, limits: Limits) -> Throttled | None:
    """None: place the order. Otherwise hold it as the event's mode says."""
    if not over_limit(wait_minutes, limits):
        return None
    retry = max(1, wait_minutes - limits.throttle_minutes)
    return Throttled(limits.throttle_mode, wait_minutes, retry)


@dataclass
class ThrottleWatch:
    """Which stations are over the limit now, so a crossing is reported once: a station that
    goes over, stays over for fifty texts and then comes back under is one alert; going over
    again later is another."""

    _over: set[str] = field(default_factory=set)

    def observe(self, station_id: str, over: bool) -> bool:
        """Record whether ``station_id`` is over the limit; True when it has just crossed."""
        if not over:
            self._over.discard(station_id)
            return False
        if station_id in self._over:
            return False
        self._over.add(station_id)
        return True


def is_yes(text: str) -> bool:
    return " ".join(text.upper().split()).strip(" .!") in _YES
