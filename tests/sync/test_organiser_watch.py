"""The first-run list follows the network (real mDNS on loopback only, design/platform.md): an
organiser that starts advertising appears with its event, address and certificate; a renamed
event is re-announced; one that stops is gone; stopping the watch ends it."""

from __future__ import annotations

import asyncio
import secrets

from expresso_desktop.core.lan import Found
from expresso_desktop.server.mdns import Advert, MdnsAdvertiser
from expresso_desktop.sync.organiser_watch import (
    OrganisersSeen,
    OrganiserWatch,
    Reappeared,
    instance_name,
)

LOOPBACK = ("127.0.0.1",)
WAIT_S = 15.0  # a generous bound on mDNS over loopback: never a timing assertion


async def test_organisers_appear_change_and_go_as_they_advertise() -> None:
    # A certificate of this run only: other organisers on loopback (other tests) are ignored.
    ours = Advert("Harvest Fair", f"epoch-{secrets.token_hex(4)}", 8443, secrets.token_hex(32))
    seen: list[OrganisersSeen] = []
    changed = asyncio.Event()

    def on_change(now: OrganisersSeen) -> None:
        seen.append(now)
        changed.set()

    def mine() -> list[str]:
        latest = seen[-1].organisers if seen else ()
        return [f.event_name for f in latest if f.fingerprint == ours.fingerprint_hex]

    async def until(wanted: list[str]) -> None:
        async with asyncio.timeout(WAIT_S):
            while mine() != wanted:
                changed.clear()
                await changed.wait()

    watch = OrganiserWatch(on_change, LOOPBACK)
    running = asyncio.create_task(watch.run())
    advertiser = MdnsAdvertiser(ours, list(LOOPBACK))
    await advertiser.start()
    try:
        await until(["Harvest Fair"])
        found = next(f for f in seen[-1].organisers if f.fingerprint == ours.fingerprint_hex)
        assert found.url == "https://127.0.0.1:8443" and found.epoch == ours.epoch
        assert instance_name(found).startswith("Expresso Harvest Fair")

        await advertiser.update(Advert("Harvest Fair 2", ours.epoch, 8443, ours.fingerprint_hex))
        await until(["Harvest Fair 2"])
    finally:
        await advertiser.stop()
    await until([])  # its goodbye: gone from the list
    await watch.stop()
    async with asyncio.timeout(WAIT_S):
        await running


def test_a_paired_station_is_told_each_time_its_organiser_appears_again() -> None:
    ours, other = "ab" * 32, "cd" * 32
    told: list[str] = []
    watch = Reappeared(ours.upper(), lambda: told.append("back"))

    def seen(*fingerprints: str) -> OrganisersSeen:
        return OrganisersSeen(
            tuple(
                Found(f"x{n}", ("127.0.0.1",), 8443, {"fp": fp})
                for n, fp in enumerate(fingerprints)
            )
        )

    watch(seen(other))  # another organiser: not ours
    assert told == [] and not watch.present
    watch(seen(other, ours))  # ours appears
    watch(seen(ours))  # still there (the other left): nothing new
    assert told == ["back"] and watch.present
    watch(seen())  # its advert withdrawn (stopped)
    assert not watch.present
    watch(seen(ours))  # announced again (restarted)
    assert told == ["back", "back"]
