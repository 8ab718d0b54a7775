"""The live view of what texts are written with: the organiser's overrides over the bundled
templates, the event's name, the sponsor line and the reminder timing; read once, kept until the
change bus says they changed."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event

from expresso_desktop.services import event_settings
from expresso_desktop.services.changes import emit
from expresso_desktop.services.organiser import OrganiserServices
from expresso_desktop.services.writer import Tx
from expresso_desktop.store.repositories import settings_repo
from expresso_desktop.store.tables import Event

from .helpers import write

READY = {"name": "Sam", "drink": "latte", "is_are": "is", "station": "Station 2", "number": "A7"}


def _update(services: OrganiserServices, **changes: Any) -> None:
    write(
        services,
        lambda tx: event_settings.update(tx, changes, services.menu, services.templates),
    )


def _ready(services: OrganiserServices) -> str:
    return services.texts.current_templates().render("ready", READY).text


@pytest.fixture
def statements(organiser: OrganiserServices) -> Iterator[list[str]]:
    """Every SQL statement run on the organiser's database from now on."""
    seen: list[str] = []

    def note(*args: Any) -> None:
        seen.append(args[2])

    event.listen(organiser.engine, "before_cursor_execute", note)
    yield seen
    event.remove(organiser.engine, "before_cursor_execute", note)


def test_the_organisers_settings_are_read_as_stored_now(organiser: OrganiserServices) -> None:
    assert _ready(organiser) == "Sam, your latte is ready at Station 2! Order #A7."
    assert organiser.texts.current().reminder_minutes == 10
    _update(
        organiser,
        templates={"ready": "{event}: {name}, #{number} is up."},
        reminder_minutes=4,
        sponsor_line="  Beans by Acme.  ",
    )
    now = organiser.texts.current()
    assert (now.reminder_minutes, now.sponsor_line) == (4, "Beans by Acme.")
    assert _ready(organiser) == "Expresso demo: Harbourside Tech Conference: Sam, #A7 is up."

    def rename(tx: Tx) -> None:
        row = tx.session.get(Event, organiser.event_id)
        assert row is not None
        row.name = "Winter Fair"
        emit(tx.session, tx.changes, "events", row)

    write(organiser, rename)
    assert _ready(organiser) == "Winter Fair: Sam, #A7 is up."
    _update(organiser, templates={}, reminder_minutes=10)  # back to the defaults
    assert _ready(organiser) == "Sam, your latte is ready at Station 2! Order #A7."
    assert organiser.texts.current().reminder_minutes == 10


def test_a_text_reads_nothing_until_a_setting_changes(
    organiser: OrganiserServices, statements: list[str]
) -> None:
    organiser.texts.current()  # the first look reads
    statements.clear()
    for _ in range(200):
        organiser.texts.current_templates()
    assert statements == []
    _update(organiser, reminder_minutes=3)  # a change: the next look reads once more
    statements.clear()
    assert organiser.texts.current().reminder_minutes == 3
    organiser.texts.current()
    assert len([s for s in statements if "FROM settings" in s]) == 1


def test_a_stored_override_that_no_longer_fits_is_left_out(
    organiser: OrganiserServices, caplog: pytest.LogCaptureFixture
) -> None:
    """Checked on the way in; one an older version stored must never stop every text."""

    def store_raw(tx: Tx) -> None:
        value = {"ready": "{oops} ready", "gone": "Hi", "reminder": 7, "cancelled": "Cancelled."}
        row = settings_repo.put("templates", value, session=tx.session)
        emit(tx.session, tx.changes, "settings", row, entity_id="templates")

    write(organiser, store_raw)
    assert _ready(organiser) == "Sam, your latte is ready at Station 2! Order #A7."
    cancelled = organiser.texts.current_templates().render("cancelled", READY).text
    assert cancelled == "Cancelled."
    assert "ignoring the stored template override 'ready'" in caplog.text
