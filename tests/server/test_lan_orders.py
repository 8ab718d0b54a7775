"""Orders through the LAN API: walk-ins, taps, undo, moves, batches, group orders, the order's
timeline and staff stats; the same rules as a station's sync (claiming, another station's
orders, what a station can make now) with the same answers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from expresso_desktop.core.items import DrinkSpec
from expresso_desktop.core.sync_protocol import (
    HelloRequest,
    Mutation,
    MutationResult,
    PushRequest,
    ResultStatus,
)
from expresso_desktop.services import orders
from expresso_desktop.services.organiser import OrganiserServices
from expresso_desktop.services.sync.context import Caller
from expresso_desktop.services.writer import Tx
from expresso_desktop.store.engine import read_session
from expresso_desktop.store.tables import Order

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
    status, body = await lan.barista.post(f"/orders/{oid}/start")
    assert (status, body["error"]) == (409, "taken_by:2")
    assert body["message"] == f"{order['number']} is Station 2's order"
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


# -- one rulebook: the LAN API and a station's sync get the same answers ----------------------


@dataclass
class SyncClient:
    """A station pushing through the organiser's sync, as the barista device of ``lan``."""

    services: OrganiserServices
    caller: Caller
    epoch: str = ""
    seq: int = 0

    def push(self, name: str, **args: Any) -> MutationResult:
        if not self.epoch:
            self.epoch = self.services.sync.hello(
                HelloRequest(self.caller.client_id), self.caller
            ).epoch
        self.seq += 1
        request = PushRequest(self.caller.client_id, self.epoch, (Mutation(self.seq, name, args),))
        (result,) = self.services.sync.push(request, self.caller).results
        return result


def _sync(lan: Lan) -> SyncClient:
    caller = Caller("replica-1", "barista", lan.station_ids[0], "bar 1", lan.barista_device_id)
    return SyncClient(lan.services, caller)


def _order_at(lan: Lan, station_id: int | None) -> Order:
    def work(tx: Tx) -> Order:
        order, _ = orders.store_order(
            tx,
            event_id=lan.services.event_id,
            station_id=station_id,
            specs=[DrinkSpec("latte", "medium", "oat")],
        )
        return order

    return lan.services.writer.run_sync(work)


async def test_claiming_and_another_stations_orders_answer_alike_on_api_and_sync(
    lan: Lan,
) -> None:
    one, two = lan.station_ids
    station = _sync(lan)
    by_api, by_sync = _order_at(lan, None), _order_at(lan, None)
    claimed = await lan.barista.ok("POST", f"/orders/{by_api.id}/start")
    assert (claimed["station_id"], claimed["assign_version"]) == (one, 1)
    assert station.push("order.start", order_id=by_sync.id).status is ResultStatus.APPLIED
    with read_session(lan.services.engine) as session:
        synced = session.get(Order, by_sync.id)
        assert synced is not None and (synced.station_id, synced.assign_version) == (one, 1)

    theirs = _order_at(lan, two)
    status, body = await lan.barista.post(f"/orders/{theirs.id}/start")
    refused = station.push("order.start", order_id=theirs.id)
    assert (status, body["error"]) == (409, refused.reason) == (409, "taken_by:2")
    assert body["message"] == refused.message == f"{theirs.number} is Station 2's order"
    status, body = await lan.barista.post(f"/orders/{theirs.id}/ready")
    refused = station.push("order.ready", order_id=theirs.id)
    assert (status, body["error"]) == (409, refused.reason) == (409, "not_your_station")
    assert body["message"] == refused.message == f"{theirs.number} belongs to Station 2"


async def test_walk_ins_and_moves_only_to_what_a_station_can_make_now(lan: Lan) -> None:
    one, two = lan.station_ids
    latte_only = {"drinks": ["latte"], "milks": ["full cream"], "extras": []}
    await lan.organiser.ok("PATCH", f"/stations/{two}", {"capabilities": latte_only})
    order = await lan.barista.ok("POST", "/orders", {"items": [LATTE]}, 201)
    status, body = await lan.barista.post(f"/orders/{order['id']}/move", {"station_id": two})
    assert (status, body["error"], body["field"]) == (422, "cannot_make", "station_id")
    assert body["message"] == f"{order['number']}: Station 2 can't make oat milk drinks right now"
    refused = _sync(lan).push(
        "order.reassign", order_id=order["id"], to_station=two, base_assign_version=0
    )
    assert (refused.reason, refused.message) == ("cannot_make", body["message"])
    status, body = await lan.organiser.post("/orders", {"items": [LATTE], "station_id": two})
    assert (status, body["error"], body["field"]) == (422, "cannot_make", "items[0].milk")
    assert (
        body["message"] == "walk-in large oat latte: Station 2 can't make oat milk drinks right now"
    )
    status, body = await lan.barista.post("/orders", {"items": [LATTE], "station_id": two})
    assert (status, body["error"]) == (409, "not_your_station")
    assert (await lan.organiser.ok("GET", f"/orders/{order['id']}"))["station_id"] == one


async def test_the_order_detail_says_who_did_what(lan: Lan) -> None:
    order = await lan.barista.ok("POST", "/orders", {"items": [LATTE]}, 201)
    await lan.barista.ok("POST", f"/orders/{order['id']}/start")
    await lan.organiser.ok("POST", f"/orders/{order['id']}/ready")
    detail = await lan.display.ok("GET", f"/orders/{order['id']}")
    assert [
        (t["action"], t["from_status"], t["to_status"], t["station"], t["device"], t["staff"])
        for t in detail["timeline"]
    ] == [
        ("placed", None, "new", 1, "test barista", None),
        ("start", "new", "in_progress", 1, "test barista", None),
        ("ready", "in_progress", "ready", 1, "test organiser", None),
    ]


async def test_staff_stats_count_what_the_barista_logged_in_at_a_station_made(lan: Lan) -> None:
    sam = await lan.organiser.ok("POST", "/staff", {"name": "Sam", "role": "barista"}, 201)
    station = _sync(lan)
    items = [{"drink": "latte", "quantity": 2}]
    for order_id in ("w-1", "w-2"):
        assert (
            station.push("order.create", order_id=order_id, items=items, staff_id=sam["id"]).status
            is ResultStatus.APPLIED
        )
        station.push("order.ready", order_id=order_id, staff_id=sam["id"])
    station.push("order.undo", order_id="w-2", base_status="ready", staff_id=sam["id"])
    stats = await lan.organiser.ok("GET", f"/staff/{sam['id']}/stats")
    assert (stats["orders_made"], stats["drinks_made"]) == (1, 2)
    assert stats["median_make_s"] is not None
    detail = await lan.organiser.ok("GET", "/orders/w-1")
    assert {(t["staff"], t["device"]) for t in detail["timeline"]} == {("Sam", "test barista")}
