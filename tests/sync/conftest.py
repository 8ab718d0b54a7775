"""Fixtures for sync tests: a seeded organiser and stations on files in tmp_path."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest

from expresso_desktop.server.api_devices import LanInfo
from expresso_desktop.server.app import create_lan_app
from expresso_desktop.server.components import HttpListener
from expresso_desktop.server.tls import ensure_identity

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


@pytest.fixture
async def listener(org: Organiser, tmp_path: Path) -> AsyncIterator[HttpListener]:
    """The LAN app over TLS on a free port."""
    identity = ensure_identity(tmp_path / "tls")
    app = create_lan_app(org.services, LanInfo("https://127.0.0.1", identity.fingerprint_hex))
    server = HttpListener("lan", app, "127.0.0.1", 0, ssl_context=identity.server_context())
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
def lan(listener: HttpListener, tmp_path: Path) -> tuple[str, bytes]:
    """(url, certificate fingerprint) of the LAN app."""
    return f"https://127.0.0.1:{listener.bound_port}", ensure_identity(tmp_path / "tls").fingerprint
