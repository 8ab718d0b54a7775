"""When rounds run: backoff bounds, and the link state other processes read."""

from __future__ import annotations

import random

from expresso_desktop.sync.runner import BACKOFF_MAX_S, BACKOFF_MIN_S, backoff


def test_backoff_grows_from_half_a_second_to_ten_with_jitter() -> None:
    rng = random.Random(1)
    first = [backoff(1, rng) for _ in range(200)]
    late = [backoff(12, rng) for _ in range(200)]
    assert all(BACKOFF_MIN_S <= d <= 1.0 for d in first)
    assert all(BACKOFF_MAX_S / 2 <= d <= BACKOFF_MAX_S for d in late)
    assert len({round(d, 3) for d in late}) > 50  # jittered: stations do not retry in step
