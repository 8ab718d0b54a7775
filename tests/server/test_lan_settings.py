"""/api/v1/settings: the intake limits, milk colours and per-station settings, typed at the
edge and checked by the settings service (422 naming the field)."""

from __future__ import annotations

import json

from .conftest import Lan


async def test_intake_limits_and_station_settings_round_trip(lan: Lan) -> None:
    one, two = (str(i) for i in lan.station_ids)
    before = await lan.organiser.ok("GET", "/settings")
    assert (before["max_drinks_per_order"], before["throttle_wait_minutes"]) == (10, 20)
    assert before["throttle_mode"] == "confirm"
    assert before["station_settings"][one]["sound"] is True
    patched = await lan.organiser.ok(
        "PATCH",
        "/settings",
        {
            "max_drinks_per_order": 6,
            "throttle_wait_minutes": 0,
            "throttle_mode": "pause",
            "milk_colours": {"oat": "#C8A165"},
            "station_settings": {one: {"sound": False, "red_after_min": 15}},
        },
    )
    assert (patched["max_drinks_per_order"], patched["throttle_mode"]) == (6, "pause")
    assert patched["milk_colours"]["oat"] == "#C8A165"
    assert patched["station_settings"][one] == {
        "sound": False,
        "label_printing": False,
        "auto_print": False,
        "amber_after_min": 5,
        "red_after_min": 15,
    }
    assert patched["station_settings"][two]["sound"] is True  # only what was given changed
    seen = await lan.barista.ok("GET", "/settings")
    assert seen["station_settings"][one]["red_after_min"] == 15 and seen["vip_codes"] is None


BAD = [
    ({"milk_colours": {"oat": "brown"}}, "milk_colours.oat"),
    ({"milk_colours": {"yak": "#000000"}}, "milk_colours"),
    ({"max_drinks_per_order": 0}, "max_drinks_per_order"),
    ({"max_drinks_per_order": 100}, "max_drinks_per_order"),
    ({"throttle_wait_minutes": -5}, "throttle_wait_minutes"),
    ({"throttle_mode": "slow"}, "throttle_mode"),
    ({"station_settings": {"999": {"sound": False}}}, "station_settings.999"),
    ({"station_settings": {"ONE": {"volume": 3}}}, "station_settings.ONE.volume"),
    ({"station_settings": {"ONE": {"sound": "on"}}}, "station_settings.ONE.sound"),
    ({"station_settings": {"ONE": {"amber_after_min": 30}}}, "station_settings.ONE"),
]


async def test_a_bad_setting_is_422_naming_the_field_and_changes_nothing(lan: Lan) -> None:
    one = str(lan.station_ids[0])
    before = await lan.organiser.ok("GET", "/settings")
    for body, field in BAD:
        sent = json.loads(json.dumps(body).replace("ONE", one))
        status, answer = await lan.organiser.call("PATCH", "/settings", sent)
        assert status == 422 and answer["field"] == field.replace("ONE", one), (body, answer)
    assert await lan.organiser.ok("GET", "/settings") == before
