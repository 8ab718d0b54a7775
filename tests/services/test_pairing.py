"""Pairing for a screen or a script: the stations one can pair for, a code with the QR that
carries it, the code's state as a station redeems it, the device list and revocation."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from functools import partial
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
import segno

from expresso_desktop.core.errors import ValidationError
from expresso_desktop.services import devices, pairing
from expresso_desktop.services.demo import seed_demo
from expresso_desktop.services.organiser import OrganiserServices, build_organiser_services
from expresso_desktop.services.pairing import PairingCard, PairingReads, Revoked
from expresso_desktop.services.station_admin import delete_station, get_station
from expresso_desktop.services.writer import Tx
from expresso_desktop.settings import AppPaths
from expresso_desktop.store.tables import PairingCode
from expresso_desktop.store.types import utcnow

URL = "https://127.0.0.1:8443"
FP = ":".join(["AB"] * 32)


@pytest.fixture
def services(tmp_path: Path) -> Iterator[OrganiserServices]:
    built = build_organiser_services(AppPaths(tmp_path))
    built.writer.run_sync(partial(seed_demo, event_id=built.event_id, menu=built.menu))
    yield built
    built.close()


@pytest.fixture
def reads(services: OrganiserServices) -> PairingReads:
    return PairingReads(services.engine, services.event_id)


def _issue(services: OrganiserServices, role: str, station_id: int | None) -> PairingCard:
    return services.writer.run_sync(
        partial(
            pairing.issue_pairing_card, role=role, station_id=station_id, url=URL, fingerprint=FP
        )
    )


def _redeem(services: OrganiserServices, code: str, name: str) -> devices.IssuedToken | None:
    return services.writer.run_sync(
        lambda tx: devices.redeem_pairing_code(code, session=tx.session, name=name)
    )


def test_the_payload_names_the_code_the_organiser_and_the_certificate() -> None:
    payload = pairing.pairing_payload("ACDEFG", URL, FP)
    parsed = urlparse(payload)
    assert (parsed.scheme, parsed.netloc) == ("expresso", "pair")
    assert parse_qs(parsed.query) == {"code": ["ACDEFG"], "url": [URL], "fp": [FP]}
    assert pairing.qr_svg(payload).lstrip().startswith("<?xml")


def test_stations_are_labelled_as_the_organiser_named_them(reads: PairingReads) -> None:
    assert [s.label for s in reads.stations()] == [
        "Station 1",
        "Station 2",
        "Station 3 · Garden Bar",
    ]
    assert pairing.station_label(2, "Station 2") == "Station 2"
    assert pairing.station_label(2, "  ") == "Station 2"


def test_a_card_carries_a_live_code_and_its_qr(
    services: OrganiserServices, reads: PairingReads
) -> None:
    station = reads.stations()[1]
    card = _issue(services, "barista", station.id)
    assert (card.role, card.station_id, card.url, card.fingerprint) == (
        "barista",
        station.id,
        URL,
        FP,
    )
    assert card.payload == pairing.pairing_payload(card.code, URL, FP)
    qr = segno.make(card.payload, error="m")
    assert card.qr_png == pairing.qr_png(card.payload)
    assert card.qr_png.startswith(b"\x89PNG") and qr.designator  # a real QR of the payload
    assert timedelta(minutes=9) < card.expires_at - utcnow() <= devices.CODE_TTL
    assert reads.code_state(card.code) == "live"

    issued = _redeem(services, card.code, "Bar two")
    assert issued is not None and issued.station_id == station.id
    assert reads.code_state(card.code) == "used"
    assert reads.code_state("XXXXXX") == "expired"  # unknown codes are as good as expired


def test_an_expired_code_says_so(services: OrganiserServices, reads: PairingReads) -> None:
    card = _issue(services, "display", None)

    def expire(tx: Tx) -> None:
        row = tx.session.get(PairingCode, devices.digest(card.code))
        assert row is not None
        row.expires_at = utcnow() - timedelta(seconds=1)
        tx.session.add(row)

    services.writer.run_sync(expire)
    assert reads.code_state(card.code) == "expired"


def test_no_code_for_a_station_that_is_gone(
    services: OrganiserServices, reads: PairingReads
) -> None:
    station = reads.stations()[0]
    services.writer.run_sync(lambda tx: delete_station(tx, get_station(tx.session, station.id)))
    with pytest.raises(ValidationError, match="no station"):
        _issue(services, "barista", station.id)
    with pytest.raises(ValidationError):
        _issue(services, "toaster", None)


def test_devices_are_listed_and_revoked(services: OrganiserServices, reads: PairingReads) -> None:
    assert reads.devices() == []
    station = reads.stations()[2]
    issued = _redeem(services, _issue(services, "barista", station.id).code, "Garden till")
    assert issued is not None
    (row,) = reads.devices()
    assert (row.id, row.name, row.role, row.station, row.active, row.last_seen) == (
        issued.device_id,
        "Garden till",
        "barista",
        "Station 3 · Garden Bar",
        True,
        None,
    )
    revoked = services.writer.run_sync(lambda tx: pairing.revoke(tx, issued.device_id))
    assert revoked.device is not None and not revoked.device.active
    assert revoked.device == reads.devices()[0]
    again = services.writer.run_sync(lambda tx: pairing.revoke(tx, issued.device_id))
    assert again.device == revoked.device  # revoking twice changes nothing
    assert services.writer.run_sync(lambda tx: pairing.revoke(tx, 999)) == Revoked(999, None)
