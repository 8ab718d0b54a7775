"""Fixtures for the organiser's sync services: the demo organiser of ``tests/services`` and
registered station clients talking to its one ``SyncServer`` directly (no network)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from expresso_desktop.core.sync_protocol import HelloRequest, Mutation, PushAnswer, PushRequest
from expresso_desktop.services.organiser import OrganiserServices
from expresso_desktop.services.sync.context import Caller
from expresso_desktop.services.sync.server import SyncServer

from ..helpers import station_id


@dataclass
class Client:
    """A station device as the organiser sees it: its caller and its next seq."""

    sync: SyncServer
    caller: Caller
    epoch: str
    seq: int = 0

    def push(self, name: str, **args: Any) -> PushAnswer:
        self.seq += 1
        return self.send(Mutation(self.seq, name, args))

    def send(self, *mutations: Mutation) -> PushAnswer:
        return self.sync.push(
            PushRequest(self.caller.client_id, self.epoch, mutations), self.caller
        )


@pytest.fixture
def sync(organiser: OrganiserServices) -> SyncServer:
    return organiser.sync


@pytest.fixture
def client(organiser: OrganiserServices) -> Callable[..., Client]:
    """``client(station=1, role="barista")`` → a registered client (hello answered)."""
    made = 0

    def make(station: int | None = 1, role: str = "barista") -> Client:
        nonlocal made
        made += 1
        sid = station_id(organiser, station) if station else None
        caller = Caller(f"client-{made}", role, sid, f"{role} {made}")
        answer = organiser.sync.hello(HelloRequest(caller.client_id), caller)
        return Client(organiser.sync, caller, answer.epoch)

    return make
