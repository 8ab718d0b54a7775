"""Stock through the LAN API: Done takes the order's recipe from its station's stock, undo puts
it back, a cancel after Done keeps it; marking out and back in; the organiser is alerted."""

from __future__ import annotations

from typing import Any

from expresso_desktop.core.items import DrinkSpec
from expresso_desktop.core.stock import order_consumption
from expresso_desktop.services.changes import ChangeSet

from .conftest import Lan

LEVELS = {"milk:oat": 2000.0, "coffee beans": 1000.0, "cup:medium": 50.0, "cup:large": 50.0}


async def _stock_station_one(lan: Lan) -> dict[str, int]:
    one = lan.station_ids[0]
    caps = {"drinks": ["latte"], "milks": ["oat"], "extras": []}
    await lan.organiser.ok("PATCH", f"/stations/{one}", {"capabilities": caps})
    ids = {}
    for name, level in LEVELS.items():
        unit = "ml" if name.startswith("milk") else "g" if name == "coffee beans" else "cups"
        body = {"station_id": one, "name": name, "unit": unit, "level": level}
        ids[name] = (await lan.organiser.ok("POST", "/inventory", body, 201))["id"]
    return ids


async def _levels(lan: Lan) -> dict[str, float]:
    return {i["name"]: i["level"] for i in await lan.barista.ok("GET", "/inventory")}


async def _walk_in(lan: Lan, **item: Any) -> str:
    order = await lan.barista.ok("POST", "/orders", {"items": [item]}, 201)
    return str(order["id"])


async def test_done_undo_and_cancel_through_the_api(lan: Lan) -> None:
    await _stock_station_one(lan)
    use = order_consumption([DrinkSpec("latte", "medium", "oat")], lan.services.menu)
    taken = {name: level - use.get(name, 0) for name, level in LEVELS.items()}
    order_id = await _walk_in(lan, drink="latte", size="medium", milk="oat")

    await lan.barista.ok("POST", f"/orders/{order_id}/start")
    assert await _levels(lan) == LEVELS  # making it takes nothing yet
    await lan.barista.ok("POST", f"/orders/{order_id}/ready")
    assert await _levels(lan) == taken
    status, body = await lan.barista.post("/inventory/consume-order", {"order_id": order_id})
    assert status == 409 and body["error"] == "already_consumed"  # Done already took it

    await lan.barista.ok("POST", f"/orders/{order_id}/undo")
    assert await _levels(lan) == LEVELS
    await lan.barista.ok("POST", f"/orders/{order_id}/ready")
    await lan.barista.ok("POST", f"/orders/{order_id}/cancel", {"reason": "left"})
    assert await _levels(lan) == taken  # it was made: the use stands


async def test_out_and_back_in_and_the_alerts(lan: Lan) -> None:
    heard: list[ChangeSet] = []
    lan.services.bus.subscribe(heard.append)
    ids = await _stock_station_one(lan)
    oat = ids["milk:oat"]
    assert (await lan.barista.ok("POST", f"/inventory/{oat}/out"))["out_of_stock"] is True
    assert (await lan.barista.ok("POST", f"/inventory/{oat}/restock", {"qty": 10}))[
        "out_of_stock"
    ] is False  # a restock ends a marked out
    await lan.barista.ok("POST", f"/inventory/{oat}/consume", {"qty": 2010})
    kinds = [a.kind for cs in heard for a in cs.alerts if a.entity_id == str(oat)]
    assert kinds == ["stock_out", "stock_out"]  # marked out, then none left
    status, body = await lan.barista.post(f"/inventory/{oat}/consume", {"qty": 1, "order_id": "x"})
    assert status == 422 and body["field"] == "order_id"
