"""The event's record and the Settings screen's reads and writes (services/event_admin.py) on
a real store: checks name the field and store nothing, a logo is copied into the data folder."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from expresso_desktop.core.errors import ValidationError
from expresso_desktop.errors import KnownError
from expresso_desktop.services import event_admin
from expresso_desktop.services.changes import ChangeSet
from expresso_desktop.services.event_admin import EventAdmin
from expresso_desktop.services.menu_admin import NewEntry
from expresso_desktop.services.organiser import OrganiserServices
from tests.services.helpers import logged, write

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def admin(organiser: OrganiserServices) -> EventAdmin:
    return EventAdmin(
        organiser.engine,
        event_id=organiser.event_id,
        bundled=organiser.templates,
        data_dir=organiser.paths.data_dir,
        menus=organiser.menus,
    )


def test_the_page_holds_the_event_the_settings_and_the_menu(admin: EventAdmin) -> None:
    page = admin.read()
    assert page.event.primary_colour == "#6f4e37" and page.event.timezone
    assert page.values["reminder_minutes"] == 10
    assert "flat white" in page.menu.drink_names
    assert "confirmation" in page.bundled.templates


def test_event_fields_are_checked_stored_and_emitted(
    organiser: OrganiserServices, admin: EventAdmin, heard: list[ChangeSet]
) -> None:
    page = write(
        organiser,
        lambda tx: admin.save_event(
            tx, {"name": "  Winter   Expo ", "primary_colour": "#AA3300", "timezone": "UTC"}
        ),
    )
    assert (page.event.name, page.event.primary_colour) == ("Winter Expo", "#aa3300")
    assert heard[-1].ids_of("events") == frozenset({str(organiser.event_id)})
    before = len(logged(organiser, "events"))
    for field, value, reason in (
        ("accent_colour", "#12345", "a colour is #RRGGBB, e.g. #6f4e37"),
        ("name", "  ", "the event needs a name"),
        ("timezone", "Mars/Olympus", "not an IANA time zone name, e.g. Australia/Sydney"),
        ("name", "Expo\u202e", "control or invisible formatting characters"),
        ("colour", "#ffffff", "'colour' is not a field of the event"),
    ):
        with pytest.raises(ValidationError) as caught:
            write(organiser, lambda tx, f=field, v=value: admin.save_event(tx, {f: v}))
        assert caught.value.field == field and reason in caught.value.reason
    assert len(logged(organiser, "events")) == before  # nothing of them stored
    assert admin.read().event.name == "Winter Expo"


def test_settings_are_checked_against_the_menu_as_edited(
    organiser: OrganiserServices, admin: EventAdmin
) -> None:
    write(organiser, lambda tx: admin.add_entry(tx, NewEntry("milk", "pea", colour="#88aa00")))
    page = write(
        organiser, lambda tx: admin.save_settings(tx, {"milk_colours": {"pea": "#00AA00"}})
    )
    assert page.values["milk_colours"]["pea"] == "#00AA00"
    with pytest.raises(ValidationError) as caught:
        write(organiser, lambda tx: admin.save_settings(tx, {"milk_colours": {"oat": "oat"}}))
    assert caught.value.field == "milk_colours.oat"


def test_a_logo_is_copied_into_the_data_folder_privately(tmp_path: Path, admin: EventAdmin) -> None:
    source = tmp_path / "Our Logo.png"
    source.write_bytes(PNG)
    stored = admin.import_logo(source)
    assert stored.startswith("branding/logo-") and stored.endswith(".png")
    copy = admin.data_dir / stored
    assert copy.read_bytes() == PNG
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600
    assert admin.import_logo(source) == stored  # the same picture: the same file
    assert admin.read_logo(stored) == PNG
    assert admin.read_logo("branding/gone.png") is None
    assert event_admin.logo_file(admin.data_dir, "/abs/logo.png") == Path("/abs/logo.png")


def test_a_file_that_is_no_image_or_too_big_is_refused(tmp_path: Path, admin: EventAdmin) -> None:
    text = tmp_path / "notes.png"
    text.write_text("not a picture")
    with pytest.raises(KnownError, match=r"notes\.png is not a PNG, JPEG or GIF image"):
        admin.import_logo(text)
    big = tmp_path / "big.png"
    big.write_bytes(PNG + b"\x00" * event_admin.MAX_LOGO_BYTES)
    with pytest.raises(KnownError, match="larger than 2 MB"):
        admin.import_logo(big)
    with pytest.raises(KnownError, match=r"cannot read missing\.png"):
        admin.import_logo(tmp_path / "missing.png")


def test_a_text_is_tried_with_the_menu_as_it_is_now(
    organiser: OrganiserServices, admin: EventAdmin
) -> None:
    assert admin.try_text("status").startswith("Not an order")
    write(organiser, lambda tx: admin.set_synonyms(tx, "drink", "mocha", ["choc coffee"]))
    assert admin.try_text("large choc coffee for Ann") == "Order for Ann: large mocha"
