"""No input yields a 500 (issue 15, finding 3): the cases schemathesis found, one by one, through
the real app factory. Every answer is also checked against the OpenAPI document (lan_helpers)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import jsonschema
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from sqlalchemy.exc import IntegrityError

from expresso_desktop.core.sync_protocol import HelloRequest, Mutation, PushRequest
from expresso_desktop.server.errors import error_middleware

from .conftest import Lan
from .lan_helpers import spec

TOO_BIG = 2**63  # one past SQLite's INTEGER


@pytest.mark.parametrize(
    "path",
    [
        f"/staff/{TOO_BIG}",
        f"/staff/{TOO_BIG}/stats",
        f"/stations/{TOO_BIG}",
        f"/schedule/breaks/{2**90}",
        "/stations/-1",
        "/stations/0",
    ],
)
async def test_ids_beyond_64_bits_are_not_found(lan: Lan, path: str) -> None:
    status, answer = await lan.organiser.call("GET" if "breaks" not in path else "DELETE", path)
    assert status == 404, answer


@pytest.mark.parametrize(
    "query",
    [
        f"/messages?before_id={TOO_BIG}",
        f"/schedule/today?station_id={-(2**120)}",
        f"/orders?since={TOO_BIG}",
        f"/inventory?station_id={TOO_BIG}",
        f"/sync/pull?client_id=x&epoch=e&cursor={TOO_BIG}",
    ],
)
async def test_query_numbers_beyond_64_bits_are_refused(lan: Lan, query: str) -> None:
    status, answer = await lan.organiser.call("GET", query)
    assert status == 422, answer


async def test_huge_numbers_in_bodies_are_refused(lan: Lan) -> None:
    status, answer = await lan.organiser.call(
        "PUT", f"/stations/{TOO_BIG}/status", {"status": "closed"}
    )
    assert status == 404, answer
    status, answer = await lan.organiser.call(
        "POST", "/schedule/shifts", {"staff_id": TOO_BIG, **_hours(1)}
    )
    assert status == 422 and answer["field"] == "staff_id", answer


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/event", {"timezone": None}, "timezone"),
        ("/event", {"name": None}, "name"),
        ("/event", {"primary_colour": None}, "primary_colour"),
        ("/stations/{station}", {"status": None}, "status"),
        ("/stations/{station}", {"location": None}, "location"),
        ("/stations/{station}", {"capabilities": None}, "capabilities"),
        ("/settings", {"reminder_minutes": None}, "reminder_minutes"),
    ],
)
async def test_null_for_a_stored_non_null_field_is_refused(
    lan: Lan, path: str, body: dict[str, Any], field: str
) -> None:
    path = path.format(station=lan.station_ids[0])
    status, answer = await lan.organiser.call("PATCH", path, body)
    assert status == 422 and answer["field"] == field, answer


async def test_null_still_clears_what_may_be_empty(lan: Lan) -> None:
    station = lan.station_ids[0]
    out = await lan.organiser.ok("PATCH", f"/stations/{station}", {"name": None, "map_url": None})
    assert out["name"] is None and out["display_name"] == "Station 1"
    assert (await lan.organiser.ok("PATCH", "/event", {"logo_path": None}))["logo_path"] is None


async def test_consuming_for_an_unknown_order_names_the_field(lan: Lan) -> None:
    item = await lan.organiser.ok(
        "POST", "/inventory", {"station_id": lan.station_ids[0], "name": "milk", "unit": "L"}, 201
    )
    status, answer = await lan.barista.post(
        f"/inventory/{item['id']}/consume", {"qty": 1, "order_id": "00"}
    )
    assert status == 422 and answer["field"] == "order_id", answer


def _hours(start_in: int, length: int = 2) -> dict[str, str]:
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=start_in)
    return {
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=length)).isoformat(),
    }


async def test_a_patch_is_checked_like_a_post(lan: Lan) -> None:
    person = await lan.organiser.ok("POST", "/staff", {"name": "Alex"}, 201)
    shift = await lan.organiser.ok(
        "POST", "/schedule/shifts", {"staff_id": person["id"], **_hours(1)}, 201
    )
    before = shift["starts_at"]
    earlier = (datetime.fromisoformat(before) - timedelta(hours=1)).isoformat()
    status, answer = await lan.organiser.call(
        "PATCH", f"/schedule/shifts/{shift['id']}", {"ends_at": earlier}
    )
    assert status == 422 and answer["field"] == "ends_at", answer
    status, answer = await lan.organiser.call(
        "PATCH", f"/schedule/shifts/{shift['id']}", {"station_id": 999}
    )
    assert status == 422 and answer["field"] == "station_id", answer
    stored = await lan.organiser.ok("GET", "/schedule/shifts")
    assert [s["starts_at"] for s in stored] == [before]  # nothing changed


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/inventory/{item}/consume", {"qty": True}, "qty"),
        ("/orders", {"items": [{"drink": "latte"}], "vip": 0}, "vip"),
        ("/orders", {"items": [{"drink": "latte", "quantity": True}]}, "items[0].quantity"),
        ("/orders", {"items": [{"drink": "latte"}], "station_id": "1"}, "station_id"),
        ("/inventory/{item}/count", {"level": "3"}, "level"),
        ("/inventory/{item}/count", {"level": 1e400}, "level"),
    ],
)
async def test_json_types_are_strict(lan: Lan, path: str, body: dict[str, Any], field: str) -> None:
    item = await lan.organiser.ok(
        "POST", "/inventory", {"station_id": lan.station_ids[0], "name": "beans", "unit": "kg"}, 201
    )
    status, answer = await lan.organiser.call("POST", path.format(item=item["id"]), body)
    assert status == 422 and answer["field"] == field, answer
    counted = await lan.organiser.ok("POST", f"/inventory/{item['id']}/count", {"level": 3})
    assert counted["level"] == 3.0  # a whole number is still a number


async def test_literal_routes_are_not_taken_for_ids(lan: Lan) -> None:
    order = await lan.barista.ok("POST", "/orders", {"items": [{"drink": "latte"}]}, 201)
    batch = await lan.barista.ok(
        "POST", "/orders/batch", {"action": "start", "order_ids": [order["id"]]}
    )
    assert batch["results"][0]["ok"] is True
    await lan.organiser.ok(
        "POST", "/inventory", {"station_id": lan.station_ids[0], "name": "milk", "unit": "L"}, 201
    )
    consumed = await lan.barista.ok("POST", "/inventory/consume-order", {"order_id": order["id"]})
    assert isinstance(consumed, list)  # the consume-order handler, not /{item_id}
    assert (await lan.organiser.call("GET", "/orders/batch"))[0] == 404  # no order "batch"
    client: TestClient = lan.organiser.client
    headers = {"Authorization": f"Bearer {lan.organiser.token}"}
    async with client.patch("/api/v1/inventory/consume-order", json={}, headers=headers) as r:
        assert r.status == 405  # an id is digits: the literal route answers, POST only
        assert r.headers["Allow"] == "POST"


@pytest.mark.parametrize("bad", ["25:00", "12:00:00Z", "12:00+01:00", "7:30", "noon", "12:60"])
async def test_opening_hours_are_wall_clock_times(lan: Lan, bad: str) -> None:
    day = datetime.now(UTC).date().isoformat()
    status, answer = await lan.organiser.call(
        "POST", "/schedule/hours", {"day": day, "opens": bad, "closes": "23:00"}
    )
    assert status == 422 and answer["field"] == "opens", answer


async def test_opening_hours_close_after_they_open(lan: Lan) -> None:
    day = datetime.now(UTC).date().isoformat()
    body = {"day": day, "opens": "07:30", "closes": "17:00:30"}
    assert (await lan.organiser.ok("POST", "/schedule/hours", body, 201))["opens"] == "07:30:00"
    status, answer = await lan.organiser.call("POST", "/schedule/hours", {**body, "opens": "18:00"})
    assert status == 422 and answer["field"] == "closes", answer


@pytest.mark.parametrize(
    "raw",
    [b'{"name": "\\ud800"}', b"[" * 100_000 + b"]" * 100_000],
    ids=["lone-surrogate", "deep-nesting"],
)
async def test_bodies_no_database_can_store_are_bad_json(lan: Lan, raw: bytes) -> None:
    status, answer = await lan.organiser.call("PATCH", "/event", raw=raw)
    assert status == 400 and answer["error"] == "bad_json", answer
    status, answer = await lan.barista.call("POST", "/sync/hello", raw=raw)
    assert status == 400, answer


@pytest.mark.parametrize(
    ("message", "status", "error"),
    [
        ("UNIQUE constraint failed: stations.event_id, stations.number", 409, "conflict"),
        ("CHECK constraint failed: ends_after_starts", 422, "invalid"),
        ("FOREIGN KEY constraint failed", 422, "invalid"),
    ],
)
async def test_an_integrity_error_past_the_checks_is_a_refusal(
    aiohttp_client: Any, message: str, status: int, error: str
) -> None:
    async def handler(request: web.Request) -> web.Response:
        raise IntegrityError("INSERT ...", {"phone": "+61400000001"}, Exception(message))

    app = web.Application(middlewares=[error_middleware])
    app.router.add_post("/x", handler)
    client = await aiohttp_client(app)
    async with client.post("/x") as resp:
        body = await resp.json()
    assert resp.status == status and body["error"] == error
    assert "+61400000001" not in str(body)


SYNC_ROUTES = [
    ("post", "/api/v1/sync/hello"),
    ("post", "/api/v1/sync/push"),
    ("get", "/api/v1/sync/pull"),
    ("get", "/api/v1/sync/snapshot"),
    ("get", "/api/v1/sync/ws"),
]


@pytest.mark.parametrize(("method", "path"), SYNC_ROUTES)
def test_the_sync_routes_are_documented_with_their_shapes(method: str, path: str) -> None:
    op = spec()["paths"][path][method]
    responses = op["responses"]
    if path.endswith("/ws"):
        assert "101" in responses
        return
    assert "requestBody" in op or op.get("parameters"), "no request shape"
    assert "content" in responses["200"], "no answer shape"
    assert {"409", "422", "503"} <= set(responses)


def test_sync_messages_match_their_documented_shapes() -> None:
    components = spec()["components"]
    hello = HelloRequest("station-1-abc", epoch=None, schema_version=1, station_id=1)
    push = PushRequest("station-1-abc", "e", (Mutation(1, "order.start", {"order_id": "x"}),))
    for name, message in (("SyncHello", hello.to_json()), ("SyncPush", push.to_json())):
        schema = {"$ref": f"#/components/schemas/{name}", "components": components}
        jsonschema.Draft202012Validator(schema).validate(message)
