"""The Stations screen's reads and saves (services/station_admin_views.py) on the demo event:
stations as rows with what they make, their queue and their devices' connection; a form's
draft checked without I/O and saved through ``station_admin``."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from expresso_desktop.core.errors import ValidationError
from expresso_desktop.core.items import DrinkSpec
from expresso_desktop.services import devices, orders, station_admin_views
from expresso_desktop.services.organiser import OrganiserServices
from expresso_desktop.services.station_admin_views import StationAdminReads, StationDraft
from expresso_desktop.services.writer import Tx
from expresso_desktop.store.types import utcnow
from tests.services.helpers import logged, station_id, write

NEW = StationDraft(
    id=None,
    number=4,
    name="  Rooftop  ",
    location="level 5, by the lifts",
    map_url="https://maps.example.com/roof",
    status="paused",
    drinks=("latte", "flat white"),
    milks=("oat", "none"),
    extras=(),
)


def test_the_demo_stations_are_rows_with_what_they_make(organiser: OrganiserServices) -> None:
    rows = StationAdminReads(organiser.engine, organiser.event_id).rows()
    assert [(r.number, r.label, r.status_word) for r in rows] == [
        (1, "Station 1", "▶ Open"),
        (2, "Station 2", "▶ Open"),
        (3, "Station 3 · Garden Bar", "▶ Open"),
    ]
    assert rows[0].makes == "10/13 drinks · 5/9 milks · 4/8 extras"
    assert rows[0].location == "main foyer, by registration"
    now = utcnow()
    assert {(r.waiting, r.devices, r.connection(now)) for r in rows} == {
        (0, 0, "— No device paired")
    }


def test_the_queue_counts_drinks_waiting_and_devices_say_online_or_since_when(
    organiser: OrganiserServices,
) -> None:
    one, two = station_id(organiser, 1), station_id(organiser, 2)
    order, _items = write(
        organiser,
        lambda tx: orders.store_order(
            tx,
            event_id=organiser.event_id,
            station_id=one,
            specs=[DrinkSpec("latte", "medium", "oat", quantity=2)],
        ),
    )

    def pair(tx: Tx) -> int:
        seen = devices.add_device(
            session=tx.session, name="bar tablet", role="barista", station_id=one
        )
        devices.add_device(session=tx.session, name="spare", role="barista", station_id=two)
        devices.mark_seen([seen.device_id], session=tx.session)
        return seen.device_id

    write(organiser, pair)
    reads = StationAdminReads(organiser.engine, organiser.event_id)
    first, second = reads.rows([one, two])
    now = utcnow()
    assert (first.waiting, first.devices, first.connection(now)) == (2, 1, "● Online")
    assert second.connection(now) == "○ Not connected yet"
    later = now + timedelta(minutes=12)
    assert not first.online(later) and first.connection(later) == "○ Offline 12 min"
    write(organiser, lambda tx: orders.start_order(tx, order.id))
    assert reads.rows([one])[0].waiting == 2  # in progress still waits
    write(organiser, lambda tx: orders.mark_ready(tx, order.id))
    assert reads.rows([one])[0].waiting == 0


def test_a_new_station_is_saved_with_its_capabilities(organiser: OrganiserServices) -> None:
    row = write(
        organiser,
        lambda tx: station_admin_views.save_station(tx, event_id=organiser.event_id, draft=NEW),
    )
    assert (row.number, row.name, row.label, row.status) == (
        4,
        "Rooftop",
        "Station 4 · Rooftop",
        "paused",
    )
    assert (row.drinks, row.milks, row.extras) == (("latte", "flat white"), ("oat", "none"), ())
    assert row.makes == "2/13 drinks · 2/9 milks · no extras"
    assert logged(organiser, "stations")[-1].entity_id == str(row.id)
    # an edit keeps the number and the status; an empty name shows "Station 4"
    edit = replace(NEW, id=row.id, name="", map_url="", status="open", extras=("iced",))
    again = write(
        organiser,
        lambda tx: station_admin_views.save_station(tx, event_id=organiser.event_id, draft=edit),
    )
    assert (again.id, again.label, again.map_url, again.status, again.extras) == (
        row.id,
        "Station 4",
        None,
        "paused",
        ("iced",),
    )


def test_a_taken_number_is_refused_by_the_draft_check_and_by_the_rule(
    organiser: OrganiserServices,
) -> None:
    taken = replace(NEW, number=2)
    assert station_admin_views.draft_problems(taken, taken=(1, 2, 3)) == {
        "number": "station 2 already exists"
    }
    with pytest.raises(ValidationError) as refused:
        write(
            organiser,
            lambda tx: station_admin_views.save_station(
                tx, event_id=organiser.event_id, draft=taken
            ),
        )
    assert (refused.value.field, refused.value.reason) == ("number", "station 2 already exists")


def test_a_draft_is_checked_field_by_field_without_io() -> None:
    bad = replace(
        NEW, number=1000, name="x" * 41, location="by the \u202edoor", map_url="maps.example"
    )
    problems = station_admin_views.draft_problems(bad)
    assert problems["number"] == "a station number is 1-999"
    assert problems["name"] == "at most 40 characters"
    assert problems["location"].startswith("must not contain control or invisible")
    assert problems["map_url"].startswith("a map link starts with https://")
    assert station_admin_views.draft_problems(NEW) == {}


def test_something_off_the_menu_is_refused_naming_the_list(organiser: OrganiserServices) -> None:
    draft = replace(NEW, milks=("oat", "camel"))
    with pytest.raises(ValidationError) as refused:
        write(
            organiser,
            lambda tx: station_admin_views.save_station(
                tx, event_id=organiser.event_id, draft=draft
            ),
        )
    assert refused.value.field == "capabilities.milks[1]"
    assert refused.value.reason == "'camel' is not on the menu's milks"


def test_status_changes_at_once_and_a_removed_station_leaves_the_list(
    organiser: OrganiserServices,
) -> None:
    two = station_id(organiser, 2)
    paused = write(
        organiser,
        lambda tx: station_admin_views.set_status(
            tx, event_id=organiser.event_id, station_id=two, status="paused"
        ),
    )
    assert (paused.status, paused.status_word) == ("paused", "❚❚ Paused")
    write(organiser, lambda tx: station_admin_views.remove_station(tx, station_id=two))
    reads = StationAdminReads(organiser.engine, organiser.event_id)
    assert [r.number for r in reads.rows()] == [1, 3]
    assert reads.rows([two]) == []
    # its number may be used again
    back = write(
        organiser,
        lambda tx: station_admin_views.save_station(
            tx, event_id=organiser.event_id, draft=replace(NEW, number=2)
        ),
    )
    assert back.id == two and back.label == "Station 2 · Rooftop"


def test_the_menu_choices_are_the_events_menu(organiser: OrganiserServices) -> None:
    choices = StationAdminReads(organiser.engine, organiser.event_id).menu_choices()
    assert choices.drinks[:3] == ("latte", "cappuccino", "flat white")
    assert "none" in choices.milks and "iced" in choices.extras
    everything = station_admin_views.makes(choices.drinks, ("oat", "camel"), (), choices)
    assert everything == "All 13 drinks · 1/9 milks · no extras"
