"""Finding the organiser on the LAN (mDNS/DNS-SD browse of ``core.lan.SERVICE_TYPE``).

A station follows only the organiser it paired with: the same certificate fingerprint (and
warns when the epoch differs: a restored organiser). A venue may host two events, so the
first advert heard is never taken on trust (sync.md 4.3, T15).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence

from zeroconf import InterfaceChoice, IPVersion, ServiceStateChange, Zeroconf
from zeroconf.asyncio import AsyncServiceBrowser, AsyncServiceInfo, AsyncZeroconf

from expresso_desktop.core.lan import SERVICE_TYPE, Found, normal_fingerprint, parse_txt

log = logging.getLogger(__name__)

Match = Callable[[Found], bool]


def _zeroconf(interfaces: Sequence[str] | None) -> AsyncZeroconf:
    if interfaces:
        return AsyncZeroconf(interfaces=list(interfaces), ip_version=IPVersion.V4Only)
    return AsyncZeroconf(interfaces=InterfaceChoice.All)


async def discover(
    timeout: float = 3.0,
    interfaces: Sequence[str] | None = None,
    *,
    match: Match | None = None,
    first: bool = False,
) -> list[Found]:
    """Organisers answering within ``timeout`` seconds, those ``match`` accepts only; with
    ``first``, stop at the first one accepted."""
    azc = _zeroconf(interfaces)
    found: dict[str, Found] = {}
    names: asyncio.Queue[str] = asyncio.Queue()

    def on_change(
        zeroconf: Zeroconf, service_type: str, name: str, state_change: ServiceStateChange
    ) -> None:
        if state_change is not ServiceStateChange.Removed:
            names.put_nowait(name)

    browser = AsyncServiceBrowser(azc.zeroconf, SERVICE_TYPE, handlers=[on_change])
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    try:
        while (left := deadline - loop.time()) > 0:
            try:
                name = await asyncio.wait_for(names.get(), left)
            except TimeoutError:
                break
            info = AsyncServiceInfo(SERVICE_TYPE, name)
            if not await info.async_request(azc.zeroconf, max(100, int(left * 1000))):
                continue
            seen = Found(
                name, tuple(info.parsed_addresses()), info.port or 0, parse_txt(info.properties)
            )
            if match is not None and not match(seen):
                continue
            found[name] = seen
            if first:
                break
    finally:
        await browser.async_cancel()
        await azc.async_close()
    return list(found.values())


def choose_organiser(
    found: Sequence[Found], fingerprint_hex: str | None, epoch: str | None
) -> Found | None:
    """Among organisers seen on mDNS, the one we are paired with: same certificate, and our
    epoch if we have one. Another organiser (another certificate or epoch) is never picked by
    itself: switching needs the operator to pair again (sync.md 4.3, T15)."""
    want_fp = normal_fingerprint(fingerprint_hex)
    for candidate in found:
        if want_fp and candidate.fingerprint != want_fp:
            continue
        if epoch is not None and candidate.epoch != epoch:
            log.warning(
                "organiser %s has epoch %s, ours is %s: restored?",
                candidate.name,
                candidate.epoch,
                epoch,
            )
        return candidate
    if found:
        log.warning("organisers on the network are not the one this station is paired with")
    return None
