"""Saying "here is the organiser" on the LAN (mDNS/DNS-SD, ``_expresso._tcp.local.``) and
finding it from a station.

The TXT record carries only what a station needs before pairing: protocol version, event name,
server epoch, port and the certificate fingerprint to pin — never a secret or personal data.
Interfaces are a setting: a venue uses all of them; tests use ``["127.0.0.1"]`` or a network
namespace, never every interface of a shared machine (design/platform.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Sequence
from dataclasses import dataclass

from zeroconf import (
    InterfaceChoice,
    IPVersion,
    ServiceInfo,
    ServiceStateChange,
    Zeroconf,
    get_all_addresses,
)
from zeroconf.asyncio import AsyncServiceBrowser, AsyncServiceInfo, AsyncZeroconf

log = logging.getLogger(__name__)

SERVICE_TYPE = "_expresso._tcp.local."
PROTO_VERSION = "1"
_MAX_LABEL = 63  # bytes in one DNS label (the instance name)


@dataclass(frozen=True, slots=True)
class Advert:
    event_name: str
    epoch: str
    port: int
    fingerprint_hex: str

    def txt(self) -> dict[str, str]:
        return {
            "proto": PROTO_VERSION,
            "event": self.event_name[:100],
            "epoch": self.epoch,
            "port": str(self.port),
            "fp": self.fingerprint_hex.replace(":", "").lower(),
        }

    def instance(self) -> str:
        base = f"Expresso {self.event_name}".replace(".", " ")
        suffix = f" {self.epoch[:6]}"
        while len((base + suffix).encode()) > _MAX_LABEL:
            base = base[:-1]
        return base.strip() + suffix


@dataclass(frozen=True, slots=True)
class Found:
    """An organiser seen on the network."""

    name: str
    addresses: tuple[str, ...]
    port: int
    txt: dict[str, str]

    @property
    def url(self) -> str:
        return f"https://{self.addresses[0]}:{self.port}" if self.addresses else ""


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
        self._zc = _zeroconf(self.interfaces)
        self._info = self._service_info()
        await self._zc.async_register_service(self._info, allow_name_change=True)
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


async def discover(
    timeout: float = 3.0,
    interfaces: Sequence[str] | None = None,
    *,
    first: bool = False,
) -> list[Found]:
    """Organisers answering within ``timeout`` seconds (or the first one, with ``first``)."""
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
            txt = {
                k.decode(errors="replace"): (v or b"").decode(errors="replace")
                for k, v in info.properties.items()
            }
            found[name] = Found(name, tuple(info.parsed_addresses()), info.port or 0, txt)
            if first:
                break
    finally:
        await browser.async_cancel()
        await azc.async_close()
    return list(found.values())
