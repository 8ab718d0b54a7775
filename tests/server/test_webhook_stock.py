"""Auto-86 seen by a customer: texts signed as Twilio signs them, through the real webhook app.
Oat marked out at a station sends oat drinks elsewhere; out everywhere, the menu stops offering
it; back in, it is offered again."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from expresso_desktop.services import orders, stock
from expresso_desktop.services.demo import seed_demo
from expresso_desktop.services.organiser import OrganiserServices, build_organiser_services
from expresso_desktop.settings import AppPaths
from expresso_desktop.store.engine import read_session
from expresso_desktop.store.tables import Order, Station, StockItem
from tests.sms.signed import Send, signed_sender


@pytest.fixture
def services(tmp_path: Path) -> Iterator[OrganiserServices]:
    built = build_organiser_services(AppPaths(tmp_path).ensure())
    built.writer.run_sync(lambda tx: seed_demo(tx, event_id=built.event_id, menu=built.menu))
    yield built
    built.close()


@pytest.fixture
async def client(aiohttp_client: Any, services: OrganiserServices) -> Send:
    return await signed_sender(aiohttp_client, services)


async def _text(client: Send, body: str, phone: str) -> str:
    return await client(body, phone) or ""


def _mark_oat(services: OrganiserServices, numbers: tuple[int, ...], out: bool) -> None:
    def work(tx: Any) -> None:
        for item in tx.session.exec(
            select(StockItem)
            .join(Station)
            .where(StockItem.name == "milk:oat", Station.number.in_(numbers))  # type: ignore[attr-defined]
        ).all():
            stock.mark_out(tx, item, out)

    services.writer.run_sync(work)


def _station_of_last_order(services: OrganiserServices) -> tuple[str, int]:
    with read_session(services.engine) as session:
        order = session.exec(select(Order).order_by(Order.created_at.desc())).first()  # type: ignore[attr-defined]
        assert order is not None and order.station_id is not None
        station = session.get(Station, order.station_id)
        assert station is not None
        return order.id, station.number


def _milks(reply: str) -> list[str]:
    found = re.search(r"Milks: (.*?)\. Sizes", reply)
    assert found, reply
    return found.group(1).split(", ")


async def test_oat_out_at_station_one_sends_oat_lattes_to_station_two(
    client: Send, services: OrganiserServices
) -> None:
    first = await _text(client, "oat latte for Sam", "+61400000001")
    order_id, number = _station_of_last_order(services)
    assert number == 1, first
    services.writer.run_sync(lambda tx: orders.mark_ready(tx, order_id))  # queues even again

    _mark_oat(services, (1,), out=True)
    second = await _text(client, "oat latte for Kim", "+61400000002")
    assert _station_of_last_order(services)[1] == 2, second
    assert "Station 2" in second


async def test_the_menu_stops_offering_oat_while_no_station_has_it(
    client: Send, services: OrganiserServices
) -> None:
    assert "oat" in _milks(await _text(client, "menu", "+61400000003"))
    _mark_oat(services, (1, 2, 3), out=True)
    assert "oat" not in _milks(await _text(client, "menu", "+61400000004"))
    refused = await _text(client, "oat latte for Jo", "+61400000005")
    assert "confirmed" not in refused
    _mark_oat(services, (2,), out=False)
    assert "oat" in _milks(await _text(client, "menu", "+61400000006"))
