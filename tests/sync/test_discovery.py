"""T15 on a real network (mDNS on loopback only, design/platform.md): a second organiser with
another epoch and certificate is advertised next to ours; a paired station finds ours and
ignores the other; a station that sees only the stranger connects to nothing."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest

from expresso_desktop.errors import KnownError
from expresso_desktop.server.mdns import Advert, MdnsAdvertiser
from expresso_desktop.sync.replica import Replica, put
from expresso_desktop.sync.station import StationOptions, locate

LOOPBACK = ("127.0.0.1",)
# Certificates of this run only: an organiser another test run advertises is a stranger too.
OURS = Advert("Spring Conf", f"epoch-ours-{secrets.token_hex(4)}", 8443, secrets.token_hex(32))
STRANGER = Advert("Spring Conf", f"epoch-other-{secrets.token_hex(4)}", 9443, secrets.token_hex(32))


def _paired(tmp_path: Path, advert: Advert) -> Replica:
    replica = Replica(tmp_path / "station.db")
    with replica.write() as conn:
        put(conn, "fingerprint", advert.fingerprint_hex.replace(":", "").lower())
        put(conn, "epoch", advert.epoch)
    return replica


async def test_t15_the_station_picks_its_own_organiser(tmp_path: Path) -> None:
    adverts = [MdnsAdvertiser(a, list(LOOPBACK)) for a in (STRANGER, OURS)]
    for advertiser in adverts:
        await advertiser.start()
    replica = _paired(tmp_path, OURS)
    try:
        url = await locate(replica, StationOptions(mdns_interfaces=LOOPBACK))
        assert url.endswith(":8443")
    finally:
        replica.close()
        for advertiser in adverts:
            await advertiser.stop()


async def test_t15_a_stranger_alone_is_not_followed(tmp_path: Path) -> None:
    advertiser = MdnsAdvertiser(STRANGER, list(LOOPBACK))
    await advertiser.start()
    replica = _paired(tmp_path, OURS)
    try:
        with pytest.raises(KnownError, match="no organiser found"):
            await locate(replica, StationOptions(mdns_interfaces=LOOPBACK))
    finally:
        replica.close()
        await advertiser.stop()
