"""Shifts, breaks, hours and staff (services/schedule_admin.py) checked against the roster."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from sqlmodel import select

from expresso_desktop.core.errors import ValidationError
from expresso_desktop.core.staff import verify_pin
from expresso_desktop.services import schedule_admin
from expresso_desktop.services.organiser import OrganiserServices
from expresso_desktop.services.writer import Tx
from expresso_desktop.store.engine import read_session
from expresso_desktop.store.tables import Break, OperatingHours, Shift, StaffUser
from expresso_desktop.store.types import utcnow
from tests.services.helpers import logged, station_id, write

NOW = utcnow().replace(microsecond=0)


def staff(services: OrganiserServices, name: str) -> StaffUser:
    with read_session(services.engine) as session:
        return session.exec(select(StaffUser).where(StaffUser.name == name)).one()


def shift_of(services: OrganiserServices, name: str) -> Shift:
    with read_session(services.engine) as session:
        return session.exec(select(Shift).where(Shift.staff_id == staff(services, name).id)).one()


def save_shift(services: OrganiserServices, shift: Shift) -> Shift:
    return write(services, lambda tx: schedule_admin.save_shift(tx, services.event_id, shift))


def test_a_valid_shift_is_saved_and_emitted(organiser: OrganiserServices) -> None:
    alex = staff(organiser, "Alex")
    shift = Shift(
        station_id=station_id(organiser, 2),
        staff_id=alex.id or 0,
        starts_at=NOW + timedelta(days=1),
        ends_at=NOW + timedelta(days=1, hours=4),
    )
    saved = save_shift(organiser, shift)
    assert saved.id is not None
    assert logged(organiser, "shifts")[-1].entity_id == str(saved.id)


def test_a_shift_overlapping_the_same_persons_shift_is_refused(
    organiser: OrganiserServices,
) -> None:
    sam = shift_of(organiser, "Sam")  # the demo's shift covering now
    overlapping = Shift(
        station_id=station_id(organiser, 2),
        staff_id=sam.staff_id,
        starts_at=NOW + timedelta(hours=1),
        ends_at=NOW + timedelta(hours=3),
    )
    shifts_before = len(logged(organiser, "shifts"))
    with pytest.raises(schedule_admin.ScheduleInvalid) as refused:
        save_shift(organiser, overlapping)
    assert f"overlaps shift {sam.id}" in refused.value.reason
    assert refused.value.reasons[0]["field"] == "starts_at"
    assert len(logged(organiser, "shifts")) == shifts_before
    with read_session(organiser.engine) as session:
        assert len(session.exec(select(Shift).where(Shift.staff_id == sam.staff_id)).all()) == 1


def test_a_shift_must_end_after_it_starts_and_name_real_people(
    organiser: OrganiserServices,
) -> None:
    alex = staff(organiser, "Alex").id or 0
    with pytest.raises(schedule_admin.ScheduleInvalid) as backwards:
        save_shift(organiser, Shift(staff_id=alex, starts_at=NOW, ends_at=NOW))
    assert backwards.value.field == "ends_at"
    # A link to nothing is the request's fault, naming the field (422), not a missing page.
    with pytest.raises(ValidationError) as nobody:
        save_shift(organiser, Shift(staff_id=9999, starts_at=NOW, ends_at=NOW + timedelta(hours=1)))
    assert nobody.value.field == "staff_id"
    with pytest.raises(ValidationError) as nowhere:
        save_shift(
            organiser,
            Shift(staff_id=alex, station_id=9999, starts_at=NOW, ends_at=NOW + timedelta(hours=1)),
        )
    assert nowhere.value.field == "station_id"


def test_breaks_must_lie_inside_their_shift(organiser: OrganiserServices) -> None:
    sam = shift_of(organiser, "Sam")

    def save(starts: datetime, ends: datetime) -> Break:
        brk = Break(shift_id=sam.id or 0, starts_at=starts, ends_at=ends)
        return write(organiser, lambda tx: schedule_admin.save_break(tx, organiser.event_id, brk))

    inside = save(NOW + timedelta(hours=2), NOW + timedelta(hours=2, minutes=15))
    assert logged(organiser, "breaks")[-1].entity_id == str(inside.id)
    with pytest.raises(schedule_admin.ScheduleInvalid) as outside:
        save(sam.ends_at + timedelta(hours=1), sam.ends_at + timedelta(hours=2))
    assert outside.value.field == "breaks"
    with pytest.raises(ValidationError) as backwards:
        save(NOW + timedelta(hours=3), NOW + timedelta(hours=2))
    assert backwards.value.field == "ends_at"
    assert len(logged(organiser, "breaks")) == 1


def test_hours_and_tombstones_are_emitted(organiser: OrganiserServices) -> None:
    one = station_id(organiser, 1)
    day = NOW.date() + timedelta(days=3)
    hours = OperatingHours(
        event_id=organiser.event_id, station_id=one, day=day, opens=time(7), closes=time(15)
    )
    saved = write(organiser, lambda tx: schedule_admin.save_hours(tx, hours))
    with pytest.raises(ValidationError) as nowhere:
        bad = OperatingHours(
            event_id=organiser.event_id, station_id=9999, day=day, opens=time(7), closes=time(9)
        )
        write(organiser, lambda tx: schedule_admin.save_hours(tx, bad))
    assert nowhere.value.field == "station_id"
    with pytest.raises(ValidationError) as backwards:
        bad = OperatingHours(
            event_id=organiser.event_id, station_id=one, day=day, opens=time(9), closes=time(7)
        )
        write(organiser, lambda tx: schedule_admin.save_hours(tx, bad))
    assert backwards.value.field == "closes"

    def drop(tx: Tx) -> None:
        row = schedule_admin.live(tx.session, OperatingHours, saved.id or 0, "hours")
        schedule_admin.tombstone(tx, "operating_hours", row)

    write(organiser, drop)
    assert [c.op for c in logged(organiser, "operating_hours")] == ["upsert", "delete"]
    with pytest.raises(schedule_admin.Missing):
        write(organiser, drop)  # gone now


def test_a_pin_is_stored_hashed_and_a_bad_one_refused(organiser: OrganiserServices) -> None:
    def save(pin: str | None) -> StaffUser:
        def work(tx: Tx) -> StaffUser:
            person = tx.session.get(StaffUser, staff(organiser, "Jo").id)
            assert person is not None
            return schedule_admin.save_staff(tx, person, pin)

        return write(organiser, work)

    stored = save("4821").pin_hash
    assert stored is not None and "4821" not in stored and verify_pin("4821", stored)
    assert save(None).pin_hash == stored  # no new PIN: the old one stays
    with pytest.raises(ValidationError) as bad:
        save("12")
    assert bad.value.field == "pin"
