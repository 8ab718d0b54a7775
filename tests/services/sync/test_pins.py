"""PINs are checked on the organiser: the verdicts, the per-(device, person) lockout, and the
offline window a station may keep its own verifier for."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlmodel import select

from expresso_desktop.core.staff import hash_pin
from expresso_desktop.core.sync_protocol import PinCheckRequest, PinVerdict
from expresso_desktop.services.organiser import OrganiserServices
from expresso_desktop.services.sync.pins import MAX_FAILURES, OFFLINE_TTL, PinGuard, check_pin
from expresso_desktop.services.writer import Tx
from expresso_desktop.store.engine import read_session
from expresso_desktop.store.tables import StaffUser
from expresso_desktop.store.types import utcnow

PIN = "482916"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def staff_id(organiser: OrganiserServices) -> int:
    def set_pin(tx: Tx) -> int:
        person = tx.session.exec(select(StaffUser).order_by(StaffUser.id)).first()  # type: ignore[arg-type]
        assert person is not None and person.id is not None
        person.pin_hash = hash_pin(PIN)
        person.active = True
        tx.session.add(person)
        return person.id

    return organiser.writer.run_sync(set_pin)


def test_the_right_pin_is_ok_with_an_offline_window(
    organiser: OrganiserServices, staff_id: int
) -> None:
    answer = check_pin(
        organiser.engine, PinCheckRequest(staff_id, PIN), device_id=1, guard=PinGuard()
    )
    assert answer.verdict is PinVerdict.OK and answer.staff_id == staff_id
    with read_session(organiser.engine) as session:
        person = session.get(StaffUser, staff_id)
        assert person is not None and answer.name == person.name
    assert answer.offline_until is not None
    until = datetime.fromisoformat(answer.offline_until)
    assert abs((until - utcnow()) - OFFLINE_TTL).total_seconds() < 60


def test_a_wrong_or_unknown_pin_gets_the_same_verdict(
    organiser: OrganiserServices, staff_id: int
) -> None:
    guard = PinGuard()
    wrong = check_pin(
        organiser.engine, PinCheckRequest(staff_id, "000000"), device_id=1, guard=guard
    )
    nobody = check_pin(organiser.engine, PinCheckRequest(999_999, PIN), device_id=1, guard=guard)
    assert wrong.verdict is nobody.verdict is PinVerdict.WRONG
    assert wrong.name is None and wrong.offline_until is None


def test_guesses_lock_that_device_for_that_person_only(
    organiser: OrganiserServices, staff_id: int
) -> None:
    clock = Clock()
    guard = PinGuard(clock=clock)
    for _ in range(MAX_FAILURES):
        answer = check_pin(
            organiser.engine, PinCheckRequest(staff_id, "111111"), device_id=7, guard=guard
        )
        assert answer.verdict is PinVerdict.WRONG
    locked = check_pin(organiser.engine, PinCheckRequest(staff_id, PIN), device_id=7, guard=guard)
    assert locked.verdict is PinVerdict.LOCKED and locked.retry_after is not None
    assert locked.retry_after > 0
    # Another device is not locked out by this one's guesses.
    other = check_pin(organiser.engine, PinCheckRequest(staff_id, PIN), device_id=8, guard=guard)
    assert other.verdict is PinVerdict.OK
    # Once the window has passed, the right PIN works again and clears the count.
    clock.now += 301
    again = check_pin(organiser.engine, PinCheckRequest(staff_id, PIN), device_id=7, guard=guard)
    assert again.verdict is PinVerdict.OK


def test_an_inactive_person_cannot_log_in(organiser: OrganiserServices, staff_id: int) -> None:
    def deactivate(tx: Tx) -> None:
        person = tx.session.get(StaffUser, staff_id)
        assert person is not None
        person.active = False
        tx.session.add(person)

    organiser.writer.run_sync(deactivate)
    answer = check_pin(
        organiser.engine, PinCheckRequest(staff_id, PIN), device_id=1, guard=PinGuard()
    )
    assert answer.verdict is PinVerdict.WRONG
