"""A station's first run against the real organiser's LAN API over TLS: pairing refusals in
words (a code of the wrong length, a wrong code, a certificate other than the advert's), the
organiser's pairing text alone is enough, and a PIN login makes that person the barista."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from sqlmodel import select

from expresso_desktop.services import devices, schedule_admin
from expresso_desktop.services.pairing import pairing_payload
from expresso_desktop.settings import AppPaths
from expresso_desktop.store.tables import StaffUser
from expresso_desktop.sync import barista
from expresso_desktop.sync.engine import SyncEngine
from expresso_desktop.sync.first_run import (
    PairingProblem,
    code_problem,
    log_in_here,
    log_out,
    pair_here,
    staff_list,
)
from expresso_desktop.sync.http_transport import HttpTransport
from expresso_desktop.sync.replica import Replica
from expresso_desktop.sync.station import StationOptions, load_token
from tests.sync.harness import Organiser

PIN = "4821"


def _code(org: Organiser) -> str:
    one = org.station_ids()[0]
    issued = org.services.writer.run_sync(
        lambda tx: devices.create_pairing_code(session=tx.session, role="barista", station_id=one)
    )
    return issued.code


def _station(tmp_path: Path) -> tuple[Replica, AppPaths]:
    paths = AppPaths(tmp_path / "station")
    paths.data_dir.mkdir(parents=True, exist_ok=True)
    return Replica(paths.replica_db), paths


def test_a_code_of_the_wrong_length_is_said_before_asking_the_organiser() -> None:
    assert code_problem("ACD EF") == "A pairing code has 6 letters and digits; this has 5."
    assert code_problem("") == "Type the 6-character pairing code the organiser shows."
    assert code_problem("acd-efg") is None  # spaces, dashes and case: the organiser's problem
    assert code_problem("expresso://pair?code=ACDEFG&url=x&fp=y") is None


async def test_refusals_say_what_went_wrong_beside_the_right_field(
    org: Organiser, lan: tuple[str, bytes], tmp_path: Path
) -> None:
    url, fingerprint = lan
    replica, paths = _station(tmp_path)
    try:
        options = StationOptions(server=url, fingerprint=fingerprint.hex())
        with pytest.raises(PairingProblem) as wrong:
            await pair_here(replica, paths, StationOptions(server=url, pair="ACDEFG"))
        assert (wrong.value.code, wrong.value.field) == ("pairing_code_refused", "code")
        assert wrong.value.reason.startswith("Wrong or expired code")

        stranger = StationOptions(server=url, fingerprint="ab" * 32, pair=_code(org))
        with pytest.raises(PairingProblem) as mismatch:
            await pair_here(replica, paths, stranger)
        assert (mismatch.value.code, mismatch.value.field) == ("pairing_certificate", "server")
        assert "fingerprint mismatch" in mismatch.value.reason

        gone = StationOptions(server="https://127.0.0.1:9", pair=_code(org))
        with pytest.raises(PairingProblem) as unreachable:
            await pair_here(replica, paths, gone)
        assert unreachable.value.code == "pairing_unreachable"
        assert "127.0.0.1:9" in unreachable.value.reason

        with pytest.raises(PairingProblem) as nowhere:
            await pair_here(replica, paths, StationOptions(pair=_code(org)))
        assert nowhere.value.code == "pairing_no_organiser"

        paired = await pair_here(replica, paths, replace(options, pair=_code(org)))
        assert paired.url == url and paired.role == "barista"
        assert paired.station_id == org.station_ids()[0]
    finally:
        replica.close()


async def test_the_organisers_pairing_text_alone_pairs(
    org: Organiser, lan: tuple[str, bytes], tmp_path: Path
) -> None:
    url, fingerprint = lan
    replica, paths = _station(tmp_path)
    fp_hex = ":".join(f"{b:02X}" for b in fingerprint)
    text = pairing_payload(_code(org), url, fp_hex)
    assert text.startswith("expresso://pair?") and quote(url, safe="") in text
    try:
        # Whatever organiser was picked in the list, the pasted text says which one.
        chosen = StationOptions(server="https://127.0.0.1:9", fingerprint="ab" * 32, pair=text)
        paired = await pair_here(replica, paths, chosen)
        assert paired.url == url
        assert replica.state("fingerprint") == fingerprint.hex()
    finally:
        replica.close()


def _give_pin(org: Organiser, name: str) -> int:
    def work(tx: Any) -> int:
        person = tx.session.exec(select(StaffUser).where(StaffUser.name == name)).one()
        schedule_admin.save_staff(tx, person, PIN)
        return int(person.id)

    return org.services.writer.run_sync(work)


async def test_a_pin_login_makes_them_the_barista_and_logout_forgets_them(
    org: Organiser, lan: tuple[str, bytes], tmp_path: Path
) -> None:
    url, fingerprint = lan
    sam = _give_pin(org, "Sam")
    replica, paths = _station(tmp_path)
    try:
        before = staff_list(replica)
        assert before.people == () and not before.downloaded and before.barista is None
        await pair_here(
            replica,
            paths,
            StationOptions(server=url, fingerprint=fingerprint.hex(), pair=_code(org)),
        )
        token = load_token(paths)
        assert token
        engine = SyncEngine(replica, HttpTransport(url, token, fingerprint))
        try:
            await engine.sync_once()  # the event, its staff among it
        finally:
            await engine.transport.close()

        staff = staff_list(replica)
        assert staff.downloaded
        names = [p.name for p in staff.people]
        assert names == sorted(names, key=str.casefold) and "Sam" in names
        person = next(p for p in staff.people if p.id == sam)

        wrong = await log_in_here(replica, paths, person, "9999")
        assert not wrong.result.ok and wrong.line.startswith("wrong PIN for Sam")
        right = await log_in_here(replica, paths, person, PIN)
        assert right.result.ok and not right.result.offline
        assert staff_list(replica).barista == barista.current(replica)
        assert barista.current(replica) is not None
        assert log_out(replica) is not None and staff_list(replica).barista is None
    finally:
        replica.close()
