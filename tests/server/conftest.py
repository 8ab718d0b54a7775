"""Fixtures for the LAN API: real services on a SQLite file in tmp_path, the real app factory."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from expresso_desktop.server.api_devices import LanInfo
from expresso_desktop.server.app import create_lan_app
from expresso_desktop.services.organiser import OrganiserServices, build_organiser_services
from expresso_desktop.settings import AppPaths

from .lan_helpers import Api, token_for

FAKE_FP = ":".join(["AB"] * 32)


@pytest.fixture
def services(tmp_path: Path) -> Iterator[OrganiserServices]:
    services = build_organiser_services(AppPaths(tmp_path / "organiser"))
    yield services
    services.close()


@dataclass
class Lan:
    services: OrganiserServices
    organiser: Api
    barista: Api  # at station 1 (the first station)
    display: Api
    anonymous: Api
    station_ids: list[int]
    barista_device_id: int

    def as_token(self, token: str | None) -> Api:
        return Api(self.organiser.client, token)


@pytest.fixture
async def lan(services: OrganiserServices, aiohttp_client) -> AsyncIterator[Lan]:  # type: ignore[no-untyped-def]
    app = create_lan_app(services, LanInfo("https://127.0.0.1:8443", FAKE_FP))
    client = await aiohttp_client(app)
    organiser = Api(client, token_for(services, "organiser").token)
    stations = []
    menu = services.menu  # both stations make the whole menu (and track no stock)
    every = {"drinks": menu.drink_names, "milks": menu.milk_names, "extras": menu.extra_names}
    for number in (1, 2):
        body = {
            "number": number,
            "location": f"door {number}",
            "capabilities": {kind: list(names) for kind, names in every.items()},
        }
        stations.append((await organiser.ok("POST", "/stations", body, 201))["id"])
    barista = token_for(services, "barista", stations[0])
    yield Lan(
        services=services,
        organiser=organiser,
        barista=Api(client, barista.token),
        display=Api(client, token_for(services, "display").token),
        anonymous=Api(client, None),
        station_ids=stations,
        barista_device_id=barista.device_id,
    )
