"""Fixtures for sync tests: a seeded organiser and stations on files in tmp_path."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from .harness import Organiser, StationNode


@pytest.fixture
def org(tmp_path: Path) -> Iterator[Organiser]:
    organiser = Organiser(tmp_path)
    organiser.seed()
    yield organiser
    organiser.close()


@pytest.fixture
def station(org: Organiser, tmp_path: Path) -> Iterator[Callable[..., StationNode]]:
    """``station(number=1)`` → a new station device (its own replica file) at that station."""
    made: list[StationNode] = []

    def make(number: int = 1, *, role: str = "barista", seed: int = 0) -> StationNode:
        station_id = org.station_ids()[number - 1] if number else None
        path = tmp_path / f"station-{len(made)}.db"
        node = StationNode(
            org, path, station_id, rng=random.Random(seed), role=role, name=f"dev{len(made)}"
        )
        made.append(node)
        return node

    yield make
    for node in made:
        node.close()
