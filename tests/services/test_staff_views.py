"""The Staff screen's reads and saves (services/staff_views.py) on the demo event: people as rows
with their stats, never their PIN; a form's draft checked without I/O and saved through
``schedule_admin.save_staff``."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlmodel import select

from expresso_desktop.core.actors import Actor
from expresso_desktop.core.errors import ValidationError
from expresso_desktop.core.items import DrinkSpec
from expresso_desktop.core.staff import verify_pin
from expresso_desktop.services import order_actions, orders, schedule_admin, staff_views
from expresso_desktop.services.organiser import OrganiserServices
from expresso_desktop.services.staff_views import StaffDraft, StaffReads
from expresso_desktop.services.writer import Tx
from expresso_desktop.store.engine import read_session
from expresso_desktop.store.tables import StaffUser
from expresso_desktop.store.types import utcnow
from tests.services.helpers import logged, station_id, write


def stored(services: OrganiserServices, name: str) -> StaffUser:
    with read_session(services.engine) as session:
        return session.exec(select(StaffUser).where(StaffUser.name == name)).one()


def test_the_demo_people_are_listed_by_name_with_nothing_made_yet(
    organiser: OrganiserServices,
) -> None:
    rows = StaffReads(organiser.engine).rows()
    assert [(r.name, r.role, r.active, r.has_pin) for r in rows] == [
        ("Alex", "organiser", True, False),
        ("Jo", "barista", True, False),
        ("Priya", "barista", True, False),
        ("Sam", "barista", True, False),
    ]
    assert {(r.orders_made, r.drinks_made, r.median_make_s) for r in rows} == {(0, 0, None)}


def test_a_person_is_created_with_a_hashed_pin_that_no_row_shows(
    organiser: OrganiserServices,
) -> None:
    draft = StaffDraft(None, "  Mia  ", "runner", ("latte art", "trainer"), pin="4826")
    row = write(organiser, lambda tx: staff_views.save_person(tx, draft))
    assert (row.name, row.role, row.skills, row.active, row.has_pin) == (
        "Mia",
        "runner",
        ("latte art", "trainer"),
        True,
        True,
    )
    assert "4826" not in repr(row)
    person = stored(organiser, "Mia")
    assert person.pin_hash is not None and verify_pin("4826", person.pin_hash)
    assert logged(organiser, "staff_users")[-1].entity_id == str(row.id)
    # an edit without a PIN keeps the one they have; a new PIN replaces it
    kept = write(
        organiser, lambda tx: staff_views.save_person(tx, StaffDraft(row.id, "Mia", "barista", ()))
    )
    assert kept.has_pin and kept.role == "barista" and kept.skills == ()
    assert verify_pin("4826", stored(organiser, "Mia").pin_hash or "")
    write(
        organiser,
        lambda tx: staff_views.save_person(tx, StaffDraft(row.id, "Mia", "barista", (), "7351")),
    )
    assert verify_pin("7351", stored(organiser, "Mia").pin_hash or "")


@pytest.mark.parametrize(
    "draft,field,words",
    [
        (StaffDraft(None, "   ", "barista", ()), "name", "a name is needed"),
        (StaffDraft(None, "Mia\u202e", "barista", ()), "name", "control or invisible"),
        (StaffDraft(None, "M" * 61, "barista", ()), "name", "longer than 60"),
        (StaffDraft(None, "Mia", "chef", ()), "role", "unknown role"),
        (StaffDraft(None, "Mia", "barista", ("",)), "skills", "1-40 characters"),
        (StaffDraft(None, "Mia", "barista", (), "1111"), "pin", "too easy to guess"),
        (StaffDraft(None, "Mia", "barista", (), "12a4"), "pin", "4-8 digits"),
    ],
)
def test_a_draft_that_breaks_a_rule_is_named_by_field_and_never_stored(
    organiser: OrganiserServices, draft: StaffDraft, field: str, words: str
) -> None:
    problems = staff_views.draft_problems(draft)
    assert list(problems) == [field] and words in problems[field]
    before = len(logged(organiser, "staff_users"))
    with pytest.raises(ValidationError) as refused:
        write(organiser, lambda tx: staff_views.save_person(tx, draft))
    assert refused.value.field == field
    assert len(logged(organiser, "staff_users")) == before


def test_deactivating_keeps_the_person_listed_as_inactive(organiser: OrganiserServices) -> None:
    jo = stored(organiser, "Jo").id or 0
    row = write(organiser, lambda tx: staff_views.set_active(tx, jo, False))
    assert not row.active
    assert [r.active for r in StaffReads(organiser.engine).rows([jo])] == [False]
    assert not stored(organiser, "Jo").active


def test_rows_by_id_leave_out_removed_people_and_carry_what_they_made(
    organiser: OrganiserServices,
) -> None:
    sam = stored(organiser, "Sam").id or 0
    alex = stored(organiser, "Alex").id or 0
    bar = Actor("barista", station_id(organiser, 1), 7, sam, "replica-1", "bar")
    begin = utcnow().replace(microsecond=0)
    for made_in_s in (60, 120, 150):
        _make(organiser, bar, begin, begin + timedelta(seconds=made_in_s))
    write(organiser, lambda tx: schedule_admin.tombstone(tx, "staff_users", _live(tx, alex)))
    rows = StaffReads(organiser.engine).rows([sam, alex])
    assert [(r.name, r.orders_made, r.drinks_made, r.median_make_s) for r in rows] == [
        ("Sam", 3, 6, 120.0)
    ]


def _make(services: OrganiserServices, bar: Actor, begin: datetime, done: datetime) -> None:
    """Two lattes made at ``bar``: started at ``begin``, done at ``done``."""
    order = write(
        services,
        lambda tx: order_actions.create_at_station(
            tx,
            event_id=services.event_id,
            station_id=bar.station_id or 0,
            specs=[DrinkSpec("latte", "medium", "full cream", quantity=2)],
            menu=services.menu,
            actor=bar,
        ),
    )
    write(services, lambda tx: orders.start_order(tx, order.id, actor=bar, now=begin))
    write(services, lambda tx: orders.mark_ready(tx, order.id, actor=bar, now=done))


def _live(tx: Tx, staff_id: int) -> StaffUser:
    return schedule_admin.live(tx.session, StaffUser, staff_id, "staff member")
