"""The Staff screen's reads and saves: people as rows (whether they have a PIN, never the PIN or
its hash), what each made (``order_history.staff_stats``), and a person saved from a form.

The rules are the services' and core's: a name is checked by ``core.text.check_name``, a PIN by
``core.staff.validate_pin`` and hashed by ``schedule_admin.save_staff``. ``draft_problems`` is
pure (no I/O), so a form may call it as the user types; ``save_person`` checks again. Reads are
blocking snapshot reads (run them off the GUI thread); saves are functions of a ``Tx``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from expresso_desktop.core.errors import ValidationError
from expresso_desktop.core.staff import validate_pin
from expresso_desktop.core.text import check_name
from expresso_desktop.services import order_history
from expresso_desktop.services import schedule_admin as admin
from expresso_desktop.services.writer import Tx
from expresso_desktop.store.engine import read_session
from expresso_desktop.store.tables import StaffUser
from expresso_desktop.store.tables_people import STAFF_ROLES

ROLES = STAFF_ROLES
# The LAN API's limits (server/api_staff.py), so a form refuses what the API would.
NAME_MAX, SKILL_MAX, SKILLS_MAX = 60, 40, 20


@dataclass(frozen=True, slots=True)
class StaffRow:
    id: int
    name: str
    role: str
    skills: tuple[str, ...]
    active: bool
    has_pin: bool
    orders_made: int
    drinks_made: int
    median_make_s: float | None  # None until this person has made something


@dataclass(frozen=True, slots=True)
class StaffDraft:
    """A person as a form holds them (``id`` None: someone new). ``pin`` None keeps the PIN
    they have (or none); a value sets it."""

    id: int | None
    name: str
    role: str
    skills: tuple[str, ...]
    pin: str | None = None


class StaffReads:
    """Snapshot reads of the master database (blocking: run them off the GUI thread)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def rows(self, ids: Iterable[int] | None = None) -> list[StaffRow]:
        """Everyone not removed (by name), or just these ids (those removed are left out)."""
        with read_session(self._engine) as session:
            return staff_rows(session, ids)


def staff_rows(session: Session, ids: Iterable[int] | None = None) -> list[StaffRow]:
    query = select(StaffUser).where(StaffUser.deleted == False)  # noqa: E712
    if ids is not None:
        query = query.where(col(StaffUser.id).in_(list(ids)))
    people = session.exec(query.order_by(col(StaffUser.name), col(StaffUser.id))).all()
    return [_row(session, p) for p in people]


def draft_problems(draft: StaffDraft) -> dict[str, str]:
    """What is wrong with ``draft`` by field ("name", "role", "skills", "pin"); {} when it
    may be saved. Pure: no I/O."""
    problems: dict[str, str] = {}
    name = draft.name.strip()
    if not name:
        problems["name"] = "a name is needed"
    elif len(name) > NAME_MAX:
        problems["name"] = f"the name is longer than {NAME_MAX} characters"
    else:
        _check(problems, "name", name)
    if draft.role not in ROLES:
        problems["role"] = f"unknown role {draft.role!r}"
    if len(draft.skills) > SKILLS_MAX:
        problems["skills"] = f"at most {SKILLS_MAX} skills"
    for skill in draft.skills:
        if not skill or len(skill) > SKILL_MAX:
            problems["skills"] = f"each skill is 1-{SKILL_MAX} characters"
        else:
            _check(problems, "skills", skill)
    if draft.pin is not None:
        try:
            validate_pin(draft.pin)
        except ValidationError as exc:
            problems["pin"] = exc.reason
    return problems


def save_person(tx: Tx, draft: StaffDraft) -> StaffRow:
    """A new person or a change to one; the PIN (if given) hashed by ``save_staff``."""
    problems = draft_problems(draft)
    if problems:
        field, reason = next(iter(problems.items()))
        raise ValidationError(reason, field=field)
    if draft.id is None:
        person = StaffUser(name=draft.name.strip())
    else:
        person = admin.live(tx.session, StaffUser, draft.id, "staff member")
    person.name = draft.name.strip()
    person.role = draft.role  # type: ignore[assignment]  # checked against ROLES above
    person.skills_json = list(draft.skills)
    return _row(tx.session, admin.save_staff(tx, person, draft.pin))


def set_active(tx: Tx, staff_id: int, active: bool) -> StaffRow:
    """Deactivate (they can no longer log in at a station) or reactivate someone."""
    person = admin.live(tx.session, StaffUser, staff_id, "staff member")
    person.active = active
    return _row(tx.session, admin.save_staff(tx, person, None))


def _check(problems: dict[str, str], field: str, value: str) -> None:
    try:
        check_name(value)
    except ValueError as exc:
        problems.setdefault(field, str(exc))


def _row(session: Session, person: StaffUser) -> StaffRow:
    assert person.id is not None
    made = order_history.staff_stats(session, person.id)
    return StaffRow(
        id=person.id,
        name=person.name,
        role=person.role,
        skills=tuple(person.skills_json),
        active=person.active,
        has_pin=person.pin_hash is not None,
        orders_made=made.orders_made,
        drinks_made=made.drinks_made,
        median_make_s=made.median_make_s,
    )
