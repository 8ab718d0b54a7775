"""mDNS on loopback only (design/platform.md): the advert is found, its TXT is what we said."""

from __future__ import annotations

import time

from expresso_desktop.server.mdns import Advert, MdnsAdvertiser, discover

LOOPBACK = ["127.0.0.1"]
FP = ":".join(["C0"] * 32)


async def test_advert_is_found_by_a_browser_on_loopback() -> None:
    advert = Advert("Spring Conf. 2026", "0f5e6a1c-aaaa-bbbb-cccc-123456789abc", 8443, FP)
    advertiser = MdnsAdvertiser(advert, LOOPBACK)
    await advertiser.start()
    try:
        started = time.perf_counter()
        found = await discover(5.0, LOOPBACK, first=True)
        assert time.perf_counter() - started < 2.0
        assert len(found) == 1
        organiser = found[0]
        assert organiser.port == 8443 and "127.0.0.1" in organiser.addresses
        assert organiser.txt == {
            "proto": "1",
            "event": "Spring Conf. 2026",
            "epoch": advert.epoch,
            "port": "8443",
            "fp": "c0" * 32,
        }
        assert organiser.url == "https://127.0.0.1:8443"
        await advertiser.update(Advert("Renamed", advert.epoch, 8443, FP))
        again = await discover(5.0, LOOPBACK, first=True)
        assert again[0].txt["event"] == "Renamed"
    finally:
        await advertiser.stop()


def test_instance_name_fits_one_dns_label() -> None:
    advert = Advert("x" * 200, "abcdef-123", 1, FP)
    assert len(advert.instance().encode()) <= 63
    assert len(advert.txt()["event"]) == 100
