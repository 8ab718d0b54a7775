"""Saying "here is the organiser" on the LAN (mDNS/DNS-SD, ``_expresso._tcp.local.``).

What the advert says is ``core/lan.py``'s (stations read it with ``sync/discovery.py``).
Interfaces are a setting: a venue uses all of them; tests use ``["127.0.0.1"]`` or a network
namespace, never every interface of a shared machine (design/platform.md).
"""

from __future__ import annotations

import contextlib
import logging
import socket
from collections.abc import Sequence

from zeroconf import InterfaceChoice, IPVersion, ServiceInfo, get_all_addresses
from zeroconf.asyncio import AsyncZeroconf

from expresso_desktop.core.lan import SERVICE_TYPE, Advert

__all__ = ["Advert", "MdnsAdvertiser"]

log = logging.getLogger(__name__)


def _zeroconf(interfaces: Sequence[str] | None) -> AsyncZeroconf:
    if interfaces:
        return AsyncZeroconf(interfaces=list(interfaces), ip_version=IPVersion.V4Only)
    return AsyncZeroconf(interfaces=InterfaceChoice.All)


class MdnsAdvertiser:
    """A Component: registers the service on start, withdraws it on stop."""

    name = "mdns"

    def __init__(self, advert: Advert, interfaces: Sequence[str] | None = None) -> None:
        self.advert = advert
        self.interfaces = list(interfaces) if interfaces else None
        self._zc: AsyncZeroconf | None = None
        self._info: ServiceInfo | None = None

    def _service_info(self) -> ServiceInfo:
        addresses = self.interfaces or [a for a in get_all_addresses() if a != "127.0.0.1"]
        return ServiceInfo(
            SERVICE_TYPE,
            f"{self.advert.instance()}.{SERVICE_TYPE}",
            addresses=[socket.inet_aton(a) for a in addresses],
            port=self.advert.port,
            properties=self.advert.txt(),
            server=f"expresso-{self.advert.epoch[:8]}.local.",
        )

    async def start(self) -> None:
        """Register the service; on failure nothing is left open and the error propagates."""
        self._zc = _zeroconf(self.interfaces)
        try:
            self._info = self._service_info()
            await self._zc.async_register_service(self._info, allow_name_change=True)
        except BaseException:
            await self.stop()
            raise
        log.info("advertising %s on %s", self._info.name, self.interfaces or "all interfaces")

    async def update(self, advert: Advert) -> None:
        """New TXT (the event was renamed): re-announce under the same name."""
        self.advert = advert
        if self._zc is None or self._info is None:
            return
        info = self._service_info()
        info.name = self._info.name  # keep the (possibly conflict-renamed) instance name
        self._info = info
        await self._zc.async_update_service(info)

    async def stop(self) -> None:
        if self._zc is not None:
            with contextlib.suppress(Exception):  # going away anyway; never block shutdown
                await self._zc.async_unregister_all_services()
            await self._zc.async_close()
            self._zc = None
        self._info = None
