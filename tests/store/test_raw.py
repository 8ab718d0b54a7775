"""Plain statements' own bind processing (store/raw.py) writes what SQLAlchemy's would."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.dialects import sqlite

from expresso_desktop.store.raw import _utc_text
from expresso_desktop.store.types import UtcDateTime

_DIALECT = sqlite.dialect()
_PROCESSOR = UtcDateTime().dialect_impl(_DIALECT).bind_processor(_DIALECT)


def _sqlalchemy(value: datetime | None) -> object:  # what the ORM and Core write
    assert _PROCESSOR is not None
    return _PROCESSOR(value)


def _moments(rng: random.Random, n: int) -> list[datetime]:
    zones: list[tzinfo] = [UTC, timezone(timedelta(hours=10)), ZoneInfo("Australia/Melbourne")]
    zones.append(timezone(-timedelta(hours=3, minutes=30)))
    start = datetime(2020, 1, 1, tzinfo=UTC)
    out = []
    for _ in range(n):
        at = start + timedelta(seconds=rng.randrange(10**9), microseconds=rng.randrange(10**6))
        out.append(at.astimezone(rng.choice(zones)))
    return out


def test_a_utc_datetime_column_gets_the_text_sqlalchemy_writes_repeated_moments_too() -> None:
    rng = random.Random(14)
    moments = _moments(rng, 3000)
    same_instant = [m.astimezone(UTC) for m in moments[:100]]  # other objects, equal values
    # Rows of one text share their ``now``: the same object comes again and again.
    order = [m for m in moments for _ in range(rng.choice((1, 2, 3)))] + same_instant
    rng.shuffle(order)
    for value in order + order[:50]:
        assert _utc_text(value) == _sqlalchemy(value)
    assert _utc_text(None) is None


def test_a_naive_datetime_is_refused_even_right_after_its_aware_twin() -> None:
    aware = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    assert _utc_text(aware) == "2026-03-01 09:30:00.000000"
    with pytest.raises(ValueError, match="naive datetime"):
        _utc_text(aware.replace(tzinfo=None))
    assert _utc_text(aware) == "2026-03-01 09:30:00.000000"
