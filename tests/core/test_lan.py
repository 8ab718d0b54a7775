"""The mDNS advert's contents and how a station reads them (no network here)."""

from __future__ import annotations

from expresso_desktop.core.lan import Advert, Found, normal_fingerprint, parse_txt

FP = ":".join(["C0"] * 32)


def test_the_txt_record_carries_what_a_station_needs_and_no_more() -> None:
    advert = Advert("Spring Conf", "epoch-1", 8443, FP)
    assert advert.txt() == {
        "proto": "1",
        "event": "Spring Conf",
        "epoch": "epoch-1",
        "port": "8443",
        "fp": "c0" * 32,
    }


def test_instance_name_fits_one_dns_label() -> None:
    assert len(Advert("x" * 200, "abcdef-123", 1, FP).instance().encode()) <= 63
    assert Advert("x" * 200, "abcdef-123", 1, FP).txt()["event"] == "x" * 100


def test_a_found_organiser_is_recognised_by_certificate_and_epoch() -> None:
    txt = parse_txt({b"fp": b"C0" * 32, b"epoch": b"e1", b"event": b"Spring", b"empty": None})
    found = Found("Expresso Spring e1", ("10.0.0.2",), 8443, txt)
    assert txt["empty"] == ""
    assert found.url == "https://10.0.0.2:8443" and found.event_name == "Spring"
    assert found.fingerprint == normal_fingerprint(FP) == "c0" * 32
    assert found.is_organiser(FP) and found.is_organiser(FP, "e1")
    assert not found.is_organiser(FP, "e2") and not found.is_organiser("ab" * 32)
    assert Found("none", (), 1, {}).url == ""
