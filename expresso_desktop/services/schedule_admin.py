"""Shifts, breaks, operating hours and staff, checked by core.schedules / core.staff.

A shift or break is validated together with the rest of the roster (overlaps, operating hours);
every problem concerning it is reported at once (``ScheduleInvalid.reasons``). Writer-only.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from expresso_desktop.core import schedules
from expresso_desktop.core.errors import DomainError, ValidationError
from expresso_desktop.core.staff import hash_pin
from expresso_desktop.services.changes import emit
from expresso_desktop.services.station_views import event_zone
from expresso_desktop.services.writer import Tx
from expresso_desktop.store.tables import Break, OperatingHours, Shift, StaffUser, Station


class Missing(DomainError):
    code = "not_found"


class ScheduleInvalid(ValidationError):
    code = "invalid_schedule"

    def __init__(self, problems: Sequence[schedules.ShiftProblem]) -> None:
        super().__init__("; ".join(p.reason for p in problems), field=problems[0].field)
        self.reasons = [
            {"shift_id": p.shift_id, "field": p.field, "reason": p.reason} for p in problems
        ]


def live(session: Session, table: Any, row_id: int, what: str) -> Any:
    row = session.get(table, row_id)
    if row is None or row.deleted:
        raise Missing(f"no {what} {row_id}")
    return row


def linked(session: Session, table: Any, row_id: int, what: str, field: str) -> Any:
    """The row a request's field points at; a missing one is that field's fault (422)."""
    row = session.get(table, row_id)
    if row is None or row.deleted:
        raise ValidationError(f"there is no {what} with id {row_id}", field=field)
    return row


def _save(tx: Tx, entity: str, row: Any) -> Any:
    tx.session.add(row)
    emit(tx.session, tx.changes, entity, row)
    return row


# -- roster validation ---------------------------------------------------------------------


def _core_roster(
    session: Session, event_id: int
) -> tuple[list[schedules.Shift], list[schedules.OperatingHours]]:
    rows = session.exec(select(Shift).where(Shift.deleted == False)).all()  # noqa: E712
    breaks: dict[int, list[schedules.Break]] = {}
    for b in session.exec(select(Break).where(Break.deleted == False)).all():  # noqa: E712
        breaks.setdefault(b.shift_id, []).append(schedules.Break(b.starts_at, b.ends_at))
    shifts = [
        schedules.Shift(
            str(s.id),
            str(s.staff_id),
            None if s.station_id is None else str(s.station_id),
            s.starts_at,
            s.ends_at,
            tuple(breaks.get(s.id or 0, ())),
        )
        for s in rows
    ]
    zone = event_zone(session, event_id)
    hours = [
        schedules.OperatingHours(
            datetime(h.day.year, h.day.month, h.day.day, tzinfo=zone),
            h.opens,
            h.closes,
            None if h.station_id is None else str(h.station_id),
        )
        for h in session.exec(
            select(OperatingHours).where(
                OperatingHours.event_id == event_id,
                OperatingHours.deleted == False,  # noqa: E712
            )
        ).all()
    ]
    return shifts, hours


def draft_problems(
    session: Session, event_id: int, draft: schedules.Shift
) -> list[schedules.ShiftProblem]:
    """What saving ``draft`` would be refused for, without saving it: the stored roster with
    ``draft`` in place of the shift of its id (or added, under an id no row has), checked the
    way ``check_shift`` checks. Read-only: any session will do."""
    shifts, hours = _core_roster(session, event_id)
    roster = [s for s in shifts if s.id != draft.id] + [draft]
    return _concerning(schedules.validate_shifts(roster, hours), draft.id)


def _concerning(
    problems: Sequence[schedules.ShiftProblem], key: str
) -> list[schedules.ShiftProblem]:
    """The problems of shift ``key`` and those of other shifts that name it (an overlap is
    reported on the later of the two shifts)."""
    return [p for p in problems if p.shift_id == key or f"shift {key} " in p.reason + " "]


def roster_problems(session: Session, event_id: int) -> list[schedules.ShiftProblem]:
    """Every problem of the stored roster (a shift that an hours change left outside them)."""
    shifts, hours = _core_roster(session, event_id)
    return schedules.validate_shifts(shifts, hours)


def check_shift(session: Session, event_id: int, shift_id: int) -> None:
    """Validate the (flushed) roster; refuse if anything concerns ``shift_id``."""
    problems = _concerning(roster_problems(session, event_id), str(shift_id))
    if problems:
        raise ScheduleInvalid(problems)


def save_shift(tx: Tx, event_id: int, shift: Shift) -> Shift:
    """A new or changed shift, checked the same way either way: its staff member and station
    exist, it ends after it starts, and the roster around it still holds."""
    session = tx.session
    # A changed shift is already in the session: checking must not flush it first (its
    # database CHECK would answer before our rule does).
    with session.no_autoflush:
        linked(session, StaffUser, shift.staff_id, "staff member", "staff_id")
        if shift.station_id is not None:
            linked(session, Station, shift.station_id, "station", "station_id")
    if shift.ends_at <= shift.starts_at:
        raise ScheduleInvalid(
            [schedules.ShiftProblem(str(shift.id), "ends_at", "shift ends before it starts")]
        )
    session.add(shift)
    session.flush()
    assert shift.id is not None
    check_shift(session, event_id, shift.id)
    return _save(tx, "shifts", shift)


def save_break(tx: Tx, event_id: int, brk: Break) -> Break:
    session = tx.session
    live(session, Shift, brk.shift_id, "shift")
    if brk.ends_at <= brk.starts_at:
        raise ValidationError("break ends before it starts", field="ends_at")
    session.add(brk)
    session.flush()
    check_shift(session, event_id, brk.shift_id)
    return _save(tx, "breaks", brk)


def save_hours(tx: Tx, hours: OperatingHours) -> OperatingHours:
    if hours.closes <= hours.opens:
        raise ValidationError("the station closes before it opens", field="closes")
    if hours.station_id is not None:
        linked(tx.session, Station, hours.station_id, "station", "station_id")
    return _save(tx, "operating_hours", hours)


def tombstone(tx: Tx, entity: str, row: Any) -> Any:
    row.deleted = True
    return _save(tx, entity, row)


# -- staff ---------------------------------------------------------------------------------


def save_staff(tx: Tx, person: StaffUser, pin: str | None) -> StaffUser:
    if pin is not None:
        person.pin_hash = hash_pin(pin)  # raises ValidationError(field="pin")
    return _save(tx, "staff_users", person)
