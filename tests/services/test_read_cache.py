"""The read cache (services/read_cache.py): kept until the bus announces a change, or too old."""

from __future__ import annotations

import itertools

import pytest

from expresso_desktop.services import read_cache
from expresso_desktop.services.changes import Change, ChangeBus, ChangeSet
from expresso_desktop.services.read_cache import ReadCache

STATIONS = frozenset({"stations"})


def changed(*entities: str) -> ChangeSet:
    return ChangeSet(changes=[Change(1, e, "1", "upsert", {}) for e in entities])


class Loader:
    """Counts loads; each load returns the next number."""

    def __init__(self) -> None:
        self.calls = itertools.count(1)
        self.last = 0

    def __call__(self) -> int:
        self.last = next(self.calls)
        return self.last


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    now = [100.0]
    monkeypatch.setattr(read_cache.time, "monotonic", lambda: now[0])
    return now


def test_a_value_is_kept_until_a_change_to_its_entities(clock: list[float]) -> None:
    bus = ChangeBus()
    cache = ReadCache(bus)
    load = Loader()
    assert cache.get("floor", STATIONS, load) == 1
    assert cache.get("floor", STATIONS, load) == 1
    bus.publish(changed("orders"))  # not what the value came from
    assert cache.get("floor", STATIONS, load) == 1
    bus.publish(changed("stations"))
    assert cache.get("floor", STATIONS, load) == 2
    cache.close()
    bus.publish(changed("stations"))  # closed: no longer listening, and emptied
    assert cache.get("floor", STATIONS, load) == 3
    assert cache.get("floor", STATIONS, load) == 3


def test_a_value_older_than_the_time_limit_is_read_again(clock: list[float]) -> None:
    cache = ReadCache(None, ttl_s=30)
    load = Loader()
    assert cache.get("k", STATIONS, load) == 1
    clock[0] += 29.9
    assert cache.get("k", STATIONS, load) == 1
    clock[0] += 0.1
    assert cache.get("k", STATIONS, load) == 2


def test_a_transaction_that_changed_the_entities_reads_fresh_and_keeps_nothing(
    clock: list[float],
) -> None:
    cache = ReadCache(None)
    load = Loader()
    assert cache.get("k", STATIONS, load) == 1
    assert cache.get("k", STATIONS, load, pending=changed("stations")) == 2
    assert cache.get("k", STATIONS, load, pending=changed("orders")) == 1  # unrelated: cached
    assert cache.get("k", STATIONS, load) == 1  # the pending read was not remembered


def test_keys_are_separate_and_clear_drops_all(clock: list[float]) -> None:
    cache = ReadCache(None)
    a, b = Loader(), Loader()
    assert (cache.get("a", STATIONS, a), cache.get("b", STATIONS, b)) == (1, 1)
    assert (cache.get("a", STATIONS, a), cache.get("b", STATIONS, b)) == (1, 1)
    cache.clear()
    assert (cache.get("a", STATIONS, a), cache.get("b", STATIONS, b)) == (2, 2)
