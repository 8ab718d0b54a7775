"""Pairing codes, device tokens, revocation and the guessing guard (services/devices.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from expresso_desktop.core.errors import ValidationError
from expresso_desktop.services import devices
from expresso_desktop.services.changes import ChangeSet
from expresso_desktop.services.organiser import OrganiserServices
from expresso_desktop.services.writer import Tx
from expresso_desktop.store.engine import read_session, write_session
from expresso_desktop.store.tables import Device, PairingCode
from expresso_desktop.store.types import utcnow


def test_a_code_pairs_one_device_once(organiser: OrganiserServices) -> None:
    with write_session(organiser.engine) as session:
        two = devices.station_id_for(2, organiser.event_id, session=session)
        issued = devices.create_pairing_code(session=session, role="barista", station_id=two)
    assert len(issued.code) == devices.CODE_LENGTH
    assert set(issued.code) <= set(devices.CODE_ALPHABET)
    typed = " " + issued.code.lower()[:3] + "-" + issued.code[3:]  # how people type it
    with write_session(organiser.engine) as session:
        token = devices.redeem_pairing_code(typed, session=session, name="  iPad \n by  the door ")
    assert token is not None and (token.role, token.station_id) == ("barista", two)
    with write_session(organiser.engine) as session:
        assert devices.redeem_pairing_code(issued.code, session=session, name="again") is None
        me = devices.authenticate(token.token, session=session)
        stored = session.exec(select(Device)).one()
    assert me is not None and (me.name, me.station_number, me.active) == (
        "iPad by the door",
        2,
        True,
    )
    assert token.token not in stored.token_hash and stored.token_hash == devices.digest(token.token)


def test_wrong_guesses_burn_every_live_code(organiser: OrganiserServices) -> None:
    with write_session(organiser.engine) as session:
        issued = devices.create_pairing_code(session=session, role="organiser")
    for _ in range(devices.MAX_GUESSES_PER_CODE):
        with write_session(organiser.engine) as session:
            assert devices.redeem_pairing_code("XXXXXX", session=session, name="guess") is None
    with write_session(organiser.engine) as session:
        row = session.exec(select(PairingCode)).one()
        assert row.attempts == devices.MAX_GUESSES_PER_CODE
        assert devices.redeem_pairing_code(issued.code, session=session, name="late") is None
        assert session.exec(select(Device)).all() == []


def test_an_expired_code_is_refused(organiser: OrganiserServices) -> None:
    with write_session(organiser.engine) as session:
        issued = devices.create_pairing_code(
            session=session, role="organiser", ttl=timedelta(seconds=-1)
        )
    with write_session(organiser.engine) as session:
        assert devices.redeem_pairing_code(issued.code, session=session, name="late") is None


def test_roles_and_names_are_checked(organiser: OrganiserServices) -> None:
    with write_session(organiser.engine) as session:
        with pytest.raises(ValidationError) as no_station:
            devices.create_pairing_code(session=session, role="barista")
        assert no_station.value.field == "station"
        with pytest.raises(ValidationError) as bad_role:
            devices.add_device(session=session, name="x", role="customer")
        assert bad_role.value.field == "role"
        with pytest.raises(ValidationError) as nameless:
            devices.add_device(session=session, name=" \t ", role="organiser")
        assert nameless.value.field == "name"
        with pytest.raises(ValidationError) as no_such:
            devices.station_id_for(9, organiser.event_id, session=session)
        assert no_such.value.field == "station"


def test_revocation_is_immediate_and_reported(organiser: OrganiserServices) -> None:
    with write_session(organiser.engine) as session:
        keep = devices.add_device(session=session, name="Board", role="organiser")
        drop = devices.add_device(session=session, name="Lost phone", role="organiser")
    with write_session(organiser.engine) as session:
        revoked = devices.revoke_device(drop.device_id, session=session)
        assert revoked is not None and not revoked.active
        assert devices.revoke_device(drop.device_id, session=session) == revoked  # idempotent
        assert devices.revoke_device(9999, session=session) is None
    with write_session(organiser.engine) as session:
        assert devices.authenticate(drop.token, session=session) is None
        assert devices.authenticate(keep.token, session=session) is not None
        assert devices.authenticate("", session=session) is None
        assert devices.authenticate("x" * 201, session=session) is None
        ids = [keep.device_id, drop.device_id, 9999]
        assert devices.revoked_among(ids, session=session) == {drop.device_id, 9999}
        assert devices.revoked_among([], session=session) == set()
        listed = devices.list_devices(session=session)
    assert [(d.name, d.active) for d in listed] == [("Board", True), ("Lost phone", False)]


def test_the_guard_counts_per_address_in_one_step_and_forgets_after_the_window() -> None:
    now = [0.0]
    guard = devices.PairingGuard(per_address=3, window_s=60, clock=lambda: now[0])
    admitted = [guard.admit("10.0.0.1") for _ in range(6)]  # no answer in between: counted
    assert [a.wait_s == 0 for a in admitted] == [True] * 3 + [False] * 3
    assert [a.lockout_began for a in admitted] == [False] * 3 + [True, False, False]
    for i in range(2, 50):  # other addresses are never locked out by this one
        assert guard.admit(f"10.0.0.{i}").wait_s == 0
    now[0] = 61
    assert guard.admit("10.0.0.1").wait_s == 0
    guard.admit("10.0.0.1"), guard.admit("10.0.0.1")
    assert guard.admit("10.0.0.1").lockout_began  # a new lockout is reported again


def test_a_right_code_does_not_count_and_ipv6_counts_per_network() -> None:
    guard = devices.PairingGuard(per_address=2, window_s=60, clock=lambda: 0.0)
    for _ in range(5):  # pairing several stations from one laptop
        assert guard.admit("192.168.1.20").wait_s == 0
        guard.succeeded("192.168.1.20")
    assert guard.admit("2001:db8::1").wait_s == 0
    assert guard.admit("2001:db8::2:3").wait_s == 0  # same /64: the same machine's addresses
    assert guard.admit("2001:db8::ffff").wait_s > 0
    assert guard.admit("2001:db8:0:1::1").wait_s == 0  # another network


def test_sightings_are_written_at_most_once_per_device_per_interval() -> None:
    now = [100.0]
    sightings = devices.Sightings(every_s=30.0, clock=lambda: now[0])
    assert sightings.due([1, 2, 1]) == [1, 2]  # never written: both due, once each
    now[0] += 29.9
    assert sightings.due([1, 2, 3]) == [3]
    now[0] += 0.1
    assert sightings.due([1, 2, 3]) == [1, 2]  # their 30 s are up; 3's are not
    sightings.forget([3])  # its write failed: the next sighting is due at once
    assert sightings.due([3]) == [3]


def test_known_tokens_answer_from_memory_until_cleared_or_stale(
    organiser: OrganiserServices,
) -> None:
    issued = organiser.writer.run_sync(
        lambda tx: devices.add_device(session=tx.session, name="till", role="display")
    )
    with read_session(organiser.engine) as session:
        device = devices.authenticate(issued.token, session=session)
    now = [10.0]
    known = devices.KnownTokens(ttl_s=1.0, clock=lambda: now[0])
    assert known.get(issued.token) is None
    known.put(issued.token, device, known.generation)
    assert known.get(issued.token) == device
    assert known.get(issued.token + "x") is None
    now[0] += 1.0  # another process may have revoked it meanwhile: read again
    assert known.get(issued.token) is None
    begun = known.generation  # a lookup begins, then a revocation clears the memory
    known.clear()
    known.put(issued.token, device, begun)
    assert known.get(issued.token) is None  # what that lookup read is not kept
    known.put(issued.token, device, known.generation)
    assert known.get(issued.token) == device
    known.clear()
    assert known.get(issued.token) is None


def test_known_tokens_never_remember_a_refusal_or_a_revoked_device(
    organiser: OrganiserServices,
) -> None:
    def pair_and_revoke(tx: Tx) -> devices.DeviceInfo | None:
        issued = devices.add_device(session=tx.session, name="old", role="display")
        return devices.revoke_device(issued.device_id, session=tx.session)

    revoked = organiser.writer.run_sync(pair_and_revoke)
    assert revoked is not None and not revoked.active
    known = devices.KnownTokens()
    known.put("t1", revoked, known.generation)
    known.put("t2", None, known.generation)
    assert known.get("t1") is None and known.get("t2") is None


def test_a_sighting_stamps_last_seen_and_tells_the_screens(
    organiser: OrganiserServices, heard: list[ChangeSet]
) -> None:
    def pair_two(tx: Tx) -> tuple[int, int]:
        one = devices.add_device(session=tx.session, name="till", role="display")
        two = devices.add_device(session=tx.session, name="old", role="display")
        devices.revoke_device(two.device_id, session=tx.session)
        return one.device_id, two.device_id

    one, revoked = organiser.writer.run_sync(pair_two)
    before = utcnow()
    organiser.writer.run_sync(
        lambda tx: devices.mark_seen([one, revoked, 999], session=tx.session),
        initiator="lan:seen",
    )
    with read_session(organiser.engine) as session:
        seen = {d.id: d.last_seen for d in devices.list_devices(session=session)}
    assert seen[one] is not None and seen[one] >= before
    assert seen[revoked] is None  # a revoked device is not "seen", whatever it sends
    assert heard[-1].initiator == "lan:seen" and heard[-1].devices_touched
    assert not heard[-1].changes  # devices never enter the change log (token hashes)
