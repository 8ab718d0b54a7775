"""mDNS on loopback only (design/platform.md): the advert is found, its TXT is what we said."""

from __future__ import annotations

import uuid

from expresso_desktop.core.lan import Found
from expresso_desktop.server.mdns import Advert, MdnsAdvertiser
from expresso_desktop.sync.discovery import discover

LOOPBACK = ["127.0.0.1"]
FP = ":".join(["C0"] * 32)


async def test_advert_is_found_by_a_browser_on_loopback() -> None:
    advert = Advert("Spring Conf. 2026", str(uuid.uuid4()), 8443, FP)
    advertiser = MdnsAdvertiser(advert, LOOPBACK)

    def ours(seen: Found) -> bool:  # another organiser may be advertising on loopback too
        return seen.is_organiser(FP, advert.epoch)

    await advertiser.start()
    try:
        found = await discover(5.0, LOOPBACK, match=ours, first=True)
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

        def renamed(seen: Found) -> bool:
            return ours(seen) and seen.event_name == "Renamed"

        again = await discover(5.0, LOOPBACK, match=renamed, first=True)
        assert again and again[0].txt["event"] == "Renamed"
    finally:
        await advertiser.stop()


def test_instance_name_fits_one_dns_label() -> None:
    advert = Advert("x" * 200, "abcdef-123", 1, FP)
    assert len(advert.instance().encode()) <= 63
    assert len(advert.txt()["event"]) == 100
