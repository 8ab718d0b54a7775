"""Every route checks the token and the role; pairing codes are single-use, expiring, guarded."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta

import aiohttp
import pytest
from sqlmodel import Session, select

from expresso_desktop.core.staff import PERMISSIONS, Permission, Role
from expresso_desktop.server.app import APIS
from expresso_desktop.services import devices
from expresso_desktop.services.changes import Alert
from expresso_desktop.store.engine import write_session
from expresso_desktop.store.tables import PairingCode

from .conftest import Lan
from .lan_helpers import spec

ALL_OPS = [op for api in APIS for op in api.ops]


def _concrete(path: str) -> str:
    return re.sub(r"{\w+}", "1", path)


def test_every_declared_operation_is_documented_and_nothing_else() -> None:
    documented = {(m.upper(), p) for p, ops in spec()["paths"].items() for m in ops}
    declared = {(op.method, "/api/v1" + op.path) for op in ALL_OPS}
    assert documented == declared


@pytest.mark.parametrize(
    "op", [o for o in ALL_OPS if not o.public], ids=lambda o: f"{o.method} {o.path}"
)
async def test_no_token_is_401(lan: Lan, op) -> None:  # type: ignore[no-untyped-def]
    for api in (lan.anonymous, lan.as_token("not-a-token")):
        status, body = await api.call(op.method, _concrete(op.path))
        assert status == 401, (op, body)


ORGANISER_ONLY = [
    o for o in ALL_OPS if o.permission is not None and o.permission not in PERMISSIONS[Role.BARISTA]
]


@pytest.mark.parametrize("op", ORGANISER_ONLY, ids=lambda o: f"{o.method} {o.path}")
async def test_barista_on_organiser_routes_is_403(lan: Lan, op) -> None:  # type: ignore[no-untyped-def]
    status, body = await lan.barista.call(op.method, _concrete(op.path), {})
    assert status == 403, body


async def test_display_reads_the_board_but_cannot_tap(lan: Lan) -> None:
    assert (await lan.display.get("/orders"))[0] == 200
    status, _ = await lan.display.post("/orders", {"items": [{"drink": "latte"}]})
    assert status == 403
    assert Permission.ORDER_CREATE not in PERMISSIONS[Role.DISPLAY]


async def test_revoked_token_is_refused_at_once(lan: Lan) -> None:
    assert (await lan.barista.get("/orders"))[0] == 200
    await lan.organiser.ok("POST", f"/devices/{lan.barista_device_id}/revoke")
    status, body = await lan.barista.get("/orders")
    assert status == 401 and body["error"] == "unauthorized"
    assert (await lan.organiser.post("/devices/999/revoke"))[0] == 404
    listed = await lan.organiser.ok("GET", "/devices")
    assert any(d["id"] == lan.barista_device_id and d["revoked_at"] for d in listed)


async def test_a_revocation_written_by_another_process_is_refused_within_a_second(
    lan: Lan,
) -> None:
    """What ``expresso devices revoke`` does: a write this server's change bus never hears.
    Tokens are remembered (``devices.KnownTokens``) no longer than its ttl."""
    assert (await lan.barista.get("/orders"))[0] == 200  # now remembered
    with write_session(lan.services.engine) as session:
        devices.revoke_device(lan.barista_device_id, session=session)
    refused: list[int] = []

    async def refused_now() -> bool:
        refused.append((await lan.barista.get("/orders"))[0])
        return refused[-1] == 401

    deadline = asyncio.get_running_loop().time() + devices.TOKEN_TTL_S + 2.0
    while not await refused_now():
        assert asyncio.get_running_loop().time() < deadline, refused
        await asyncio.sleep(0.05)


async def test_pairing_code_is_single_use(lan: Lan) -> None:
    made = await lan.organiser.ok(
        "POST", "/devices/pairing-codes", {"role": "barista", "station_id": lan.station_ids[1]}, 201
    )
    assert len(made["code"]) == 6 and made["qr_svg"].startswith("<?xml")
    assert made["payload"].startswith("expresso://pair?code=")
    assert made["fingerprint"] in made["payload"].replace("%3A", ":")
    paired = await lan.anonymous.ok(
        "POST", "/pair", {"code": made["code"].lower(), "name": "Till 2"}, 201
    )
    assert paired["device"]["role"] == "barista"
    assert paired["device"]["station_id"] == lan.station_ids[1]
    assert paired["fingerprint"] == made["fingerprint"]
    me = await lan.as_token(paired["token"]).ok("GET", "/devices/me")
    assert me["name"] == "Till 2"
    status, body = await lan.anonymous.post("/pair", {"code": made["code"], "name": "Again"})
    assert status == 403 and body["error"] == "pairing_refused"


async def test_pairing_code_expires(lan: Lan) -> None:
    issued = lan.services.writer.run_sync(
        lambda tx: devices.create_pairing_code(
            session=tx.session, role="display", ttl=timedelta(seconds=-1)
        )
    )
    status, _ = await lan.anonymous.post("/pair", {"code": issued.code, "name": "Board"})
    assert status == 403


async def test_barista_pairing_needs_a_station(lan: Lan) -> None:
    status, body = await lan.organiser.post("/devices/pairing-codes", {"role": "barista"})
    assert status == 422 and body["field"] == "station"
    status, body = await lan.organiser.post(
        "/devices/pairing-codes", {"role": "barista", "station_id": 999}
    )
    assert status == 422 and body["field"] == "station_id"


async def test_guessing_is_rate_limited_per_address(lan: Lan) -> None:
    made = await lan.organiser.ok("POST", "/devices/pairing-codes", {"role": "display"}, 201)
    for _ in range(5):
        status, _ = await lan.anonymous.post("/pair", {"code": "AAAAAA", "name": "x"})
        assert status == 403
    status, body = await lan.anonymous.post("/pair", {"code": made["code"], "name": "x"})
    assert status == 429 and body["error"] == "rate_limited"


async def test_forty_concurrent_wrong_guesses_lock_out_one_address_only(lan: Lan) -> None:
    """The attack that locked out a real station for ten minutes, over real HTTP: forty wrong
    codes at once from 127.0.0.1 (five are tried, the rest refused before any guess), then the
    station pairs from 127.0.0.2 at once; the organiser is told, once."""
    made = await lan.organiser.ok(
        "POST", "/devices/pairing-codes", {"role": "barista", "station_id": lan.station_ids[1]}, 201
    )
    alerts: list[Alert] = []
    unsubscribe = lan.services.bus.subscribe(lambda changes: alerts.extend(changes.alerts))
    wrong = {"code": "AAAAAA", "name": "attacker"}
    try:
        answers = await asyncio.gather(*(lan.anonymous.post("/pair", wrong) for _ in range(40)))
        statuses = sorted(status for status, _ in answers)
        assert statuses == [403] * 5 + [429] * 35
        url = lan.organiser.client.make_url("/api/v1/pair")
        connector = aiohttp.TCPConnector(local_addr=("127.0.0.2", 0))
        async with (
            aiohttp.ClientSession(connector=connector) as station,
            station.post(url, json={"code": made["code"], "name": "Till 2"}) as resp,
        ):
            assert resp.status == 201, await resp.text()
            paired = await resp.json()
    finally:
        unsubscribe()
    assert paired["device"]["station_id"] == lan.station_ids[1]
    assert [a.kind for a in alerts] == ["pairing_attack"]
    assert "127.0.0.1" in alerts[0].message and "other devices can still pair" in alerts[0].message
    with lan.services.engine.connect() as conn:
        row = Session(bind=conn).exec(select(PairingCode)).one()
    assert row.attempts == 5  # only the guesses the guard let through cost the code


async def test_a_code_burnt_by_guesses_from_many_addresses_is_reported(lan: Lan) -> None:
    made = await lan.organiser.ok("POST", "/devices/pairing-codes", {"role": "display"}, 201)
    alerts: list[Alert] = []
    unsubscribe = lan.services.bus.subscribe(lambda changes: alerts.extend(changes.alerts))
    url = lan.organiser.client.make_url("/api/v1/pair")
    try:
        for host in range(2, 2 + devices.MAX_GUESSES_PER_CODE // 5):  # five guesses each
            connector = aiohttp.TCPConnector(local_addr=(f"127.0.0.{host}", 0))
            async with aiohttp.ClientSession(connector=connector) as guesser:
                for _ in range(5):
                    async with guesser.post(url, json={"code": "AAAAAA", "name": "x"}) as resp:
                        assert resp.status == 403
    finally:
        unsubscribe()
    assert [a.kind for a in alerts] == ["pairing_attack"]
    assert "make a new code" in alerts[0].message
    status, _ = await lan.anonymous.post("/pair", {"code": made["code"], "name": "late"})
    assert status == 403  # burnt: the durable cap per code holds


async def test_wrong_guesses_burn_live_codes(lan: Lan) -> None:
    made = await lan.organiser.ok("POST", "/devices/pairing-codes", {"role": "display"}, 201)

    for _ in range(devices.MAX_GUESSES_PER_CODE):  # from many addresses: past the guard
        assert (
            lan.services.writer.run_sync(
                lambda tx: devices.redeem_pairing_code("ZZZZZZ", session=tx.session, name="x")
            )
            is None
        )
    with lan.services.engine.connect() as conn:
        row = Session(bind=conn).exec(select(PairingCode)).first()
        assert row is not None and row.attempts >= devices.MAX_GUESSES_PER_CODE
    status, _ = await lan.anonymous.post("/pair", {"code": made["code"], "name": "late"})
    assert status == 403
