"""A station screen's display choices live in its replica, apart from what sync rewrites."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from expresso_desktop.sync import display_prefs
from expresso_desktop.sync.display_prefs import DisplayPrefs
from expresso_desktop.sync.replica import put

from .harness import StationNode


def test_saved_choices_survive_a_download_and_a_restart(
    station: Callable[..., StationNode],
) -> None:
    node = station(1)
    assert display_prefs.read(node.replica) == DisplayPrefs()  # 100 %, normal, silent
    chosen = DisplayPrefs(font_scale=150, high_contrast=True, callout=True)
    display_prefs.save(node.replica, chosen)
    assert asyncio.run(node.sync())  # the first download: the event's rows arrive
    node.crash()
    assert display_prefs.read(node.replica) == chosen


def test_choices_not_understood_fall_back_to_the_defaults(
    station: Callable[..., StationNode],
) -> None:
    node = station(1)
    for stored in ("not json", '{"font_scale": 900}', "[1, 2]", '{"font_scale": "big"}'):
        with node.replica.write() as conn:
            put(conn, display_prefs.KEY, stored)
        assert display_prefs.read(node.replica) == DisplayPrefs()


@pytest.mark.parametrize("scale", [99, 201])
def test_the_scale_is_100_to_200(scale: int) -> None:
    with pytest.raises(ValueError, match="100–200"):
        DisplayPrefs(font_scale=scale)
