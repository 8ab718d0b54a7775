"""Event settings and station chat (services/event_settings.py) on a real store."""

from __future__ import annotations

from typing import Any

import pytest

from expresso_desktop.core import station_settings
from expresso_desktop.core.errors import ValidationError
from expresso_desktop.core.intake import Limits
from expresso_desktop.core.menu import Menu
from expresso_desktop.core.templates import load_default_templates
from expresso_desktop.services import event_settings
from expresso_desktop.services.changes import ChangeSet
from expresso_desktop.services.demo import SPONSOR_LINE
from expresso_desktop.services.organiser import OrganiserServices
from expresso_desktop.store.engine import read_session
from expresso_desktop.store.tables import ChatMessage
from tests.services.helpers import logged, station_id, write

TEMPLATES = load_default_templates()


def current(services: OrganiserServices) -> dict[str, Any]:
    with read_session(services.engine) as session:
        return event_settings.current(session, services.menu)


def update(services: OrganiserServices, **changes: Any) -> None:
    write(
        services,
        lambda tx: event_settings.update(tx, changes, services.menu, services.templates),
    )


def test_current_is_the_defaults_overlaid_with_what_is_stored(
    organiser: OrganiserServices,
) -> None:
    settings = current(organiser)
    assert set(settings) == set(event_settings.defaults(organiser.menu))
    assert settings["sponsor_line"] == SPONSOR_LINE  # the demo stored one
    assert settings["reminder_minutes"] == 10
    assert "none" not in settings["milk_colours"] and "oat" in settings["milk_colours"]


def test_updates_are_normalised_stored_and_emitted_by_key(
    organiser: OrganiserServices, heard: list[ChangeSet]
) -> None:
    update(organiser, vip_codes=["gold", "Gold", "speaker"], reminder_minutes=5)
    assert current(organiser)["vip_codes"] == ["GOLD", "SPEAKER"]
    assert current(organiser)["reminder_minutes"] == 5
    assert sorted(heard[0].ids_of("settings")) == ["reminder_minutes", "vip_codes"]


def test_setting_a_default_value_removes_the_stored_one(organiser: OrganiserServices) -> None:
    update(organiser, sponsor_line="")
    assert current(organiser)["sponsor_line"] == ""
    images = [c for c in logged(organiser, "settings") if c.entity_id == "sponsor_line"]
    assert [c.op for c in images] == ["upsert", "delete"]
    update(organiser, reminder_minutes=10)  # never stored: nothing to remove, nothing emitted
    assert [c.entity_id for c in logged(organiser, "settings")].count("reminder_minutes") == 0


def test_milk_colours_must_be_menu_milks_and_keep_the_others(menu: Menu) -> None:
    merged = event_settings.check("milk_colours", {"oat": "#123456"}, menu, TEMPLATES)
    assert merged["oat"] == "#123456"
    assert merged["soy"] == event_settings.defaults(menu)["milk_colours"]["soy"]
    with pytest.raises(ValidationError) as bad:
        event_settings.check("milk_colours", {"yak": "#000000"}, menu, TEMPLATES)
    assert bad.value.field == "milk_colours"


def test_template_overrides_must_name_a_template_and_known_placeholders(menu: Menu) -> None:
    ok = {"ready": "#{number} is ready at {station}"}
    assert event_settings.check("templates", ok, menu, TEMPLATES) == ok
    with pytest.raises(ValidationError) as unknown:
        event_settings.check("templates", {"farewell": "bye"}, menu, TEMPLATES)
    assert unknown.value.field == "templates"
    with pytest.raises(ValidationError) as placeholder:
        event_settings.check("templates", {"ready": "{colour} is ready"}, menu, TEMPLATES)
    assert placeholder.value.field == "templates.ready"
    assert placeholder.value.reason.startswith("ready: unknown placeholder")


def test_a_refused_update_stores_nothing(organiser: OrganiserServices) -> None:
    with pytest.raises(ValidationError):
        update(organiser, vip_codes=["X"], milk_colours={"yak": "#000000"})
    assert current(organiser)["vip_codes"] == []


def test_chat_is_append_only_and_a_resend_changes_nothing(organiser: OrganiserServices) -> None:
    first = write(
        organiser,
        lambda tx: event_settings.post_chat(
            tx, ChatMessage(id="m-1", channel="all", author="Sam", body="oat milk low")
        ),
    )
    again = write(
        organiser,
        lambda tx: event_settings.post_chat(
            tx, ChatMessage(id="m-1", channel="all", author="Sam", body="edited")
        ),
    )
    assert (first.body, again.body) == ("oat milk low", "oat milk low")
    assert [c.entity_id for c in logged(organiser, "chat_messages")] == ["m-1"]


@pytest.mark.parametrize(
    ("key", "value", "field"),
    [
        ("milk_colours", {"oat": "brown"}, "milk_colours.oat"),
        ("milk_colours", {"oat": "#12345"}, "milk_colours.oat"),
        ("max_drinks_per_order", 0, "max_drinks_per_order"),
        ("max_drinks_per_order", 100, "max_drinks_per_order"),
        ("max_drinks_per_order", True, "max_drinks_per_order"),
        ("throttle_wait_minutes", -1, "throttle_wait_minutes"),
        ("throttle_mode", "slow", "throttle_mode"),
        ("vip_codes", ["ok123", "no spaces"], "vip_codes[1]"),
        ("reminder_minutes", "5", "reminder_minutes"),
        ("sponsor_line", 7, "sponsor_line"),
        ("colour_of_the_day", "red", "colour_of_the_day"),
    ],
)
def test_every_setting_is_checked_by_type_naming_the_field(
    menu: Menu, key: str, value: Any, field: str
) -> None:
    with pytest.raises(ValidationError) as bad:
        event_settings.check(key, value, menu, TEMPLATES)
    assert bad.value.field == field


def test_station_settings_are_rows_per_station_and_name(
    organiser: OrganiserServices, heard: list[ChangeSet]
) -> None:
    one, two = station_id(organiser, 1), station_id(organiser, 2)
    update(organiser, station_settings={str(one): {"sound": False, "amber_after_min": 3}})
    assert sorted(heard[-1].ids_of("settings")) == [
        f"station.{one}.amber_after_min",
        f"station.{one}.sound",
    ]
    stations = current(organiser)["station_settings"]
    assert stations[str(one)]["sound"] is False and stations[str(one)]["amber_after_min"] == 3
    assert stations[str(two)] == station_settings.DEFAULTS
    update(organiser, station_settings={str(one): {"sound": True}})  # the default: row removed
    assert [c.op for c in logged(organiser, "settings") if c.entity_id.endswith("sound")] == [
        "upsert",
        "delete",
    ]


@pytest.mark.parametrize(
    ("entry", "field"),
    [
        ({"999": {"sound": False}}, "station_settings.999"),
        ({"{one}": {"volume": 3}}, "station_settings.{one}.volume"),
        ({"{one}": {"sound": "loud"}}, "station_settings.{one}.sound"),
        ({"{one}": {"amber_after_min": 12}}, "station_settings.{one}"),  # red is 10
    ],
)
def test_station_settings_name_known_stations_and_settings(
    organiser: OrganiserServices, entry: dict[str, Any], field: str
) -> None:
    one = str(station_id(organiser, 1))
    entry = {k.format(one=one): v for k, v in entry.items()}
    with pytest.raises(ValidationError) as bad:
        update(organiser, station_settings=entry)
    assert bad.value.field == field.format(one=one)


def test_intake_limits_are_the_stored_values_or_the_defaults(
    organiser: OrganiserServices,
) -> None:
    with read_session(organiser.engine) as session:
        assert event_settings.intake_limits(session) == Limits(10, 20, "confirm")
    update(organiser, max_drinks_per_order=4, throttle_wait_minutes=0, throttle_mode="pause")
    with read_session(organiser.engine) as session:
        assert event_settings.intake_limits(session) == Limits(4, 0, "pause")
