"""Orders through the LAN API: walk-ins, taps, undo, moves, batches, group orders."""

from __future__ import annotations

from .conftest import Lan

LATTE = {"drink": "latte", "size": "large", "milk": "oat"}


async def test_walk_in_lifecycle(lan: Lan) -> None:
    order = await lan.barista.ok("POST", "/orders", {"items": [LATTE], "customer_name": "Sam"}, 201)
    assert order["station_id"] == lan.station_ids[0]
    assert order["number"] == "A001"
    assert order["items"][0]["milk"] == "oat"
    oid = order["id"]
    assert (await lan.barista.ok("POST", f"/orders/{oid}/start"))["status"] == "in_progress"
    assert (await lan.barista.ok("POST", f"/orders/{oid}/ready"))["status"] == "ready"
    undone = await lan.barista.ok("POST", f"/orders/{oid}/undo")
    assert undone["status"] == "in_progress" and undone["ready_at"] is None
    await lan.barista.ok("POST", f"/orders/{oid}/ready")
    assert (await lan.barista.ok("POST", f"/orders/{oid}/collect"))["status"] == "collected"
    status, body = await lan.barista.post(f"/orders/{oid}/start")
    assert status == 409 and body["error"] == "superseded"
    detail = await lan.display.ok("GET", f"/orders/{oid}")
    assert detail["status"] == "collected" and detail["messages"] == []


async def test_filters_and_since(lan: Lan) -> None:
    first = await lan.organiser.ok(
        "POST", "/orders", {"items": [LATTE], "station_id": lan.station_ids[1]}, 201
    )
    second = await lan.barista.ok("POST", "/orders", {"items": [LATTE]}, 201)
    mine = await lan.barista.ok("GET", f"/orders?station_id={lan.station_ids[0]}")
    assert [o["id"] for o in mine] == [second["id"]]
    later = await lan.organiser.ok("GET", f"/orders?since={first['row_version']}")
    assert first["id"] not in [o["id"] for o in later]
    assert second["id"] in [o["id"] for o in later]
    news = await lan.organiser.ok("GET", "/orders?status=new,in_progress")
    assert len(news) == 2
    status, body = await lan.organiser.get("/orders?status=bogus")
    assert status == 422 and body["field"] == "status"


async def test_cancel_needs_a_reason_and_move(lan: Lan) -> None:
    order = await lan.barista.ok("POST", "/orders", {"items": [LATTE]}, 201)
    oid = order["id"]
    status, body = await lan.barista.post(f"/orders/{oid}/cancel", {})
    assert status == 422 and body["field"] == "reason"
    moved = await lan.barista.ok("POST", f"/orders/{oid}/move", {"station_id": lan.station_ids[1]})
    assert moved["station_id"] == lan.station_ids[1] and moved["assign_version"] == 1
    # Now it belongs to station 2: the station 1 barista may no longer tap it.
    status, _ = await lan.barista.post(f"/orders/{oid}/start")
    assert status == 403
    cancelled = await lan.organiser.ok("POST", f"/orders/{oid}/cancel", {"reason": "no oat"})
    assert cancelled["status"] == "cancelled" and cancelled["cancel_reason"] == "no oat"


async def test_batch_applies_what_it_can(lan: Lan) -> None:
    ids = [
        (await lan.barista.ok("POST", "/orders", {"items": [LATTE]}, 201))["id"] for _ in range(3)
    ]
    await lan.barista.ok("POST", f"/orders/{ids[0]}/cancel", {"reason": "left"})
    out = await lan.barista.ok(
        "POST", "/orders/batch", {"action": "start", "order_ids": [*ids, "nope"]}
    )
    results = {r["order_id"]: r for r in out["results"]}
    assert not results[ids[0]]["ok"] and results[ids[0]]["error"] == "superseded"
    assert results[ids[1]]["ok"] and results[ids[1]]["order"]["status"] == "in_progress"
    assert results["nope"]["error"] == "not_found"


async def test_bad_items_name_the_field(lan: Lan) -> None:
    status, body = await lan.barista.post("/orders", {"items": [{"drink": "beer"}]})
    assert status == 422 and body["field"] == "items[0].drink"
    status, body = await lan.barista.post("/orders", {"items": [{**LATTE, "quantity": 99}]})
    assert status == 422 and body["field"] == "items[0].quantity"
    status, body = await lan.barista.post("/orders", {"items": []})
    assert status == 422 and body["field"] == "items"
    status, body = await lan.barista.post("/orders", {"items": [LATTE], "colour": "red"})
    assert status == 422 and body["field"] == "colour"
    status, _ = await lan.barista.get("/orders/does-not-exist")
    assert status == 404
    status, body = await lan.barista.call("POST", "/orders", raw=b"{not json")
    assert status == 400 and body["error"] == "bad_json"


async def test_group_order_progress(lan: Lan) -> None:
    body = {
        "organiser_name": "Ana",
        "members": [{"name": "Bo", "item": LATTE}, {"name": "Cy", "item": {"drink": "espresso"}}],
    }
    group = await lan.barista.ok("POST", "/group-orders", body, 201)
    assert group["progress"] == {"total": 2, "ready": 0, "cancelled": 0, "complete": False}
    for order in group["orders"]:
        await lan.barista.ok("POST", f"/orders/{order['id']}/ready")
    again = await lan.display.ok("GET", f"/group-orders/{group['id']}")
    assert again["progress"]["complete"] is True
    assert [g["id"] for g in await lan.organiser.ok("GET", "/group-orders")] == [group["id"]]
    status, body = await lan.barista.post(
        "/group-orders",
        {
            "organiser_name": "x",
            "members": [{"name": "a", "item": {"drink": "tea", "milk": "gravy"}}],
        },
    )
    assert status == 422 and body["field"] == "members[0].item.milk"
