"""Stations, inventory, schedules, staff, settings, messages and chat through the LAN API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from expresso_desktop.core.resources import resource_path
from expresso_desktop.server.openapi import render
from expresso_desktop.sms.outbound.messages import enqueue
from expresso_desktop.store.tables import Customer, Order

from .conftest import Lan


def test_openapi_file_matches_the_code() -> None:
    on_disk = resource_path("openapi.json").read_text(encoding="utf-8")
    assert on_disk == render(), "run: python -m expresso_desktop.server.openapi --write"


async def test_stations(lan: Lan) -> None:
    s1 = lan.station_ids[0]
    patched = await lan.organiser.ok(
        "PATCH",
        f"/stations/{s1}",
        {
            "name": "East bar",
            "map_url": "https://maps.example/east",
            "capabilities": {"drinks": ["Latte", "flat white"], "milks": ["oat"]},
        },
    )
    assert patched["display_name"] == "East bar"
    assert patched["capabilities"] == {
        "drinks": ["latte", "flat white"],
        "milks": ["oat"],
        "extras": [],
    }
    status, body = await lan.organiser.call(
        "PATCH", f"/stations/{s1}", {"capabilities": {"drinks": ["beer"]}}
    )
    assert status == 422 and body["field"] == "capabilities.drinks[0]"
    status, body = await lan.organiser.post("/stations", {"number": 1})
    assert status == 422 and body["field"] == "number"
    assert (await lan.barista.ok("PUT", f"/stations/{s1}/status", {"status": "paused"}))[
        "status"
    ] == "paused"
    status, _ = await lan.barista.call(
        "PUT", f"/stations/{lan.station_ids[1]}/status", {"status": "paused"}
    )
    assert status == 403
    status, _ = await lan.barista.call("PUT", f"/stations/{s1}/status", {"status": "closed"})
    assert status == 403
    assert (await lan.organiser.call("GET", "/stations/999"))[0] == 404
    assert (await lan.organiser.call("GET", "/stations/abc"))[0] == 404
    await lan.organiser.ok("DELETE", f"/stations/{lan.station_ids[1]}")
    assert [s["id"] for s in await lan.display.ok("GET", "/stations")] == [s1]
    # The station's capabilities now bound walk-ins there.
    status, body = await lan.barista.post("/orders", {"items": [{"drink": "mocha"}]})
    assert status == 422 and body["field"] == "items[0].drink"


async def test_inventory(lan: Lan) -> None:
    s1, s2 = lan.station_ids
    item = await lan.organiser.ok(
        "POST",
        "/inventory",
        {"station_id": s1, "name": "milk:oat", "unit": "ml", "level": 2000, "low_threshold": 500},
        201,
    )
    other = await lan.organiser.ok(
        "POST",
        "/inventory",
        {"station_id": s2, "name": "milk:oat", "unit": "ml", "level": 100},
        201,
    )
    iid = item["id"]
    assert (await lan.barista.ok("POST", f"/inventory/{iid}/consume", {"qty": 1600}))["low"] is True
    assert (await lan.barista.ok("POST", f"/inventory/{iid}/restock", {"qty": 100}))["level"] == 500
    assert (await lan.barista.ok("POST", f"/inventory/{iid}/out"))["out_of_stock"] is True
    assert (await lan.barista.ok("POST", f"/inventory/{iid}/in"))["out_of_stock"] is False
    assert [i["id"] for i in await lan.barista.ok("GET", "/inventory")] == [iid]
    assert (await lan.barista.post(f"/inventory/{other['id']}/consume", {"qty": 1}))[0] == 403
    assert (await lan.barista.post(f"/inventory/{iid}/count", {"level": 1000}))[0] == 403
    counted = await lan.organiser.ok("POST", f"/inventory/{iid}/count", {"level": 1000})
    assert counted["generation"] == 1 and counted["level"] == 1000
    status, body = await lan.barista.post(f"/inventory/{iid}/consume", {"qty": -5})
    assert status == 422 and body["field"] == "qty"
    assert (await lan.barista.post("/inventory/999/consume", {"qty": 1}))[0] == 404
    order = await lan.barista.ok(
        "POST", "/orders", {"items": [{"drink": "latte", "milk": "oat"}]}, 201
    )
    used = await lan.barista.ok("POST", "/inventory/consume-order", {"order_id": order["id"]})
    assert used[0]["level"] < 1000
    again, body = await lan.barista.post("/inventory/consume-order", {"order_id": order["id"]})
    assert again == 409 and body["error"] == "already_consumed"
    await lan.organiser.ok("PATCH", f"/inventory/{iid}", {"par": 3000})


async def test_schedule_validation_and_today(lan: Lan) -> None:
    kim = await lan.organiser.ok("POST", "/staff", {"name": "Kim", "pin": "4826"}, 201)
    now = datetime.now(UTC).replace(microsecond=0)
    shift = {
        "staff_id": kim["id"],
        "station_id": lan.station_ids[0],
        "starts_at": (now - timedelta(hours=1)).isoformat(),
        "ends_at": (now + timedelta(hours=3)).isoformat(),
    }
    created = await lan.organiser.ok("POST", "/schedule/shifts", shift, 201)
    overlap = {**shift, "station_id": lan.station_ids[1]}
    status, body = await lan.organiser.post("/schedule/shifts", overlap)
    assert status == 422 and body["error"] == "invalid_schedule"
    assert any("overlaps" in r["reason"] for r in body["reasons"])
    backwards = {**shift, "starts_at": shift["ends_at"], "ends_at": shift["starts_at"]}
    status, body = await lan.organiser.post("/schedule/shifts", backwards)
    assert status == 422 and body["field"] == "ends_at"
    status, body = await lan.organiser.post(
        "/schedule/shifts", {**shift, "starts_at": "2026-01-01T09:00"}
    )
    assert status == 422 and body["field"] == "starts_at"  # no time zone
    brk = {"starts_at": now.isoformat(), "ends_at": (now + timedelta(minutes=15)).isoformat()}
    await lan.organiser.ok("POST", f"/schedule/shifts/{created['id']}/breaks", brk, 201)
    outside = {
        "starts_at": (now + timedelta(hours=5)).isoformat(),
        "ends_at": (now + timedelta(hours=6)).isoformat(),
    }
    status, body = await lan.organiser.post(f"/schedule/shifts/{created['id']}/breaks", outside)
    assert status == 422 and body["field"] == "breaks"
    hours = await lan.organiser.ok(
        "POST",
        "/schedule/hours",
        {"day": now.date().isoformat(), "opens": "00:00", "closes": "23:59"},
        201,
    )
    today = await lan.barista.ok("GET", "/schedule/today")
    assert [s["id"] for s in today["shifts"]] == [created["id"]]
    assert today["on_shift_now"] == [] and today["hours"][0]["id"] == hours["id"]  # on a break
    assert (await lan.organiser.call("DELETE", "/schedule/shifts/999"))[0] == 404
    await lan.organiser.ok("DELETE", f"/schedule/hours/{hours['id']}")
    patched = await lan.organiser.ok(
        "PATCH", f"/schedule/shifts/{created['id']}", {"role": "runner"}
    )
    assert patched["role"] == "runner"


async def test_staff(lan: Lan) -> None:
    status, body = await lan.organiser.post("/staff", {"name": "Lee", "pin": "1111"})
    assert status == 422 and body["field"] == "pin"
    lee = await lan.organiser.ok(
        "POST",
        "/staff",
        {
            "name": "Lee",
            "role": "barista",
            "skills": ["latte art"],
            "availability": [{"day": "2026-03-01", "from": "08:00", "to": "12:00"}],
        },
        201,
    )
    assert lee["has_pin"] is False and lee["availability"][0]["from"] == "08:00"
    assert (await lan.organiser.ok("PATCH", f"/staff/{lee['id']}", {"pin": "4826"}))["has_pin"]
    stats = await lan.organiser.ok("GET", f"/staff/{lee['id']}/stats")
    assert stats == {
        "staff_id": lee["id"],
        "orders_made": 0,
        "drinks_made": 0,
        "median_make_s": None,
    }
    await lan.organiser.ok("DELETE", f"/staff/{lee['id']}")
    assert (await lan.organiser.call("GET", f"/staff/{lee['id']}"))[0] == 404


async def test_event_and_settings(lan: Lan) -> None:
    event = await lan.organiser.ok(
        "PATCH", "/event", {"name": "Spring Conf", "timezone": "Australia/Sydney"}
    )
    assert event["name"] == "Spring Conf"
    status, body = await lan.organiser.call("PATCH", "/event", {"timezone": "Mars/Olympus"})
    assert status == 422 and body["field"] == "timezone"
    status, body = await lan.organiser.call("PATCH", "/event", {"primary_colour": "red"})
    assert status == 422 and body["field"] == "primary_colour"
    patched = await lan.organiser.ok(
        "PATCH",
        "/settings",
        {
            "sponsor_line": "Coffee by Acme",
            "vip_codes": ["gold1"],
            "reminder_minutes": 5,
            "milk_colours": {"oat": "#c8a165"},
            "templates": {"ready": "{name}, ready at {station}!"},
        },
    )
    assert patched["vip_codes"] == ["GOLD1"] and patched["milk_colours"]["oat"] == "#c8a165"
    seen = await lan.barista.ok("GET", "/settings")
    assert seen["vip_codes"] is None and seen["sponsor_line"] == "Coffee by Acme"
    status, body = await lan.organiser.call(
        "PATCH", "/settings", {"templates": {"ready": "{nmae}"}}
    )
    assert status == 422 and body["field"] == "templates.ready"
    status, body = await lan.organiser.call("PATCH", "/settings", {"reminder_minutes": 0})
    assert status == 422 and body["field"] == "reminder_minutes"


async def test_messages_and_chat(lan: Lan) -> None:
    services = lan.services
    walk_in = await lan.barista.ok("POST", "/orders", {"items": [{"drink": "latte"}]}, 201)

    def give_customer(tx) -> None:  # type: ignore[no-untyped-def]
        customer = Customer(phone="+61400123456", name="Sam")
        tx.session.add(customer)
        tx.session.flush()
        order = tx.session.get(Order, walk_in["id"])
        order.customer_id = customer.id
        tx.session.add(order)
        enqueue(
            tx, to=customer.phone, body="Order confirmed", kind="confirmation", order_id=order.id
        )

    status, body = await lan.barista.post(f"/orders/{walk_in['id']}/messages", {"text": "hi"})
    assert status == 409 and body["error"] == "no_customer"
    services.writer.run_sync(give_customer)
    sent = await lan.barista.ok(
        "POST", f"/orders/{walk_in['id']}/messages", {"text": "Nearly!"}, 202
    )
    assert sent["status"] == "pending" and "123456" not in sent["to_number"]  # masked
    log = await lan.organiser.ok("GET", "/messages?direction=out")
    assert [m["body"] for m in log] == ["Nearly!", "Order confirmed"]
    assert log[0]["to_number"] == "+61 ••• ••• 456"  # the organiser's too (see test_lan_privacy)
    detail = await lan.barista.ok("GET", f"/orders/{walk_in['id']}")
    assert len(detail["messages"]) == 2
    assert (await lan.barista.post("/orders/nope/messages", {"text": "x"}))[0] == 404
    mine = f"station:{lan.station_ids[0]}"
    posted = await lan.barista.ok("POST", "/chat", {"channel": mine, "body": "Out of oat"}, 201)
    again = await lan.barista.ok(
        "POST", "/chat", {"channel": mine, "body": "x", "id": posted["id"]}, 201
    )
    assert again["body"] == "Out of oat"  # append-only: a re-send is the same message
    assert (
        await lan.barista.post("/chat", {"channel": f"station:{lan.station_ids[1]}", "body": "x"})
    )[0] == 403
    status, body = await lan.barista.post("/chat", {"channel": "kitchen", "body": "x"})
    assert status == 422 and body["field"] == "channel"
    await lan.organiser.ok("POST", "/chat", {"channel": "all", "body": "Break at 3"}, 201)
    seen = await lan.barista.ok("GET", "/chat")
    assert [m["body"] for m in seen] == ["Out of oat", "Break at 3"]
