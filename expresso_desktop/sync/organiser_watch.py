"""Organisers on the LAN as they come and go, for a station's first-run page: a live mDNS
browse of ``core.lan.SERVICE_TYPE`` (``sync/discovery.py`` answers "which organisers answered
within N seconds"; this one keeps listening until stopped).

Each time an organiser appears, changes its advert (a renamed event) or goes away, the whole
list is handed to ``on_change`` (on the loop's thread: a window queues it to its own). Nothing
here is trusted: the operator picks one, and pairing pins the certificate its advert names.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from zeroconf import ServiceStateChange, Zeroconf
from zeroconf.asyncio import AsyncServiceBrowser, AsyncServiceInfo, AsyncZeroconf

from expresso_desktop.core.lan import SERVICE_TYPE, Found, parse_txt
from expresso_desktop.errors import KnownError

from .discovery import _zeroconf

log = logging.getLogger(__name__)

RESOLVE_MS = 3000  # how long one advert's details (address, port, TXT) may take to arrive


@dataclass(frozen=True, slots=True)
class OrganisersSeen:
    """The organisers advertising on the network now, by event name (none: an empty tuple)."""

    organisers: tuple[Found, ...]


def instance_name(found: Found) -> str:
    """``Expresso Spring Conf 1a2b3c`` from the advert's full DNS-SD name."""
    suffix = "." + SERVICE_TYPE
    return found.name[: -len(suffix)] if found.name.endswith(suffix) else found.name


class OrganiserWatch:
    """``await run()`` browses until ``await stop()`` (or cancellation); ``on_change`` gets an
    ``OrganisersSeen`` after every change. ``interfaces``: where to listen (tests: loopback)."""

    def __init__(
        self,
        on_change: Callable[[OrganisersSeen], None],
        interfaces: Sequence[str] | None = None,
    ) -> None:
        self._on_change = on_change
        self._interfaces = interfaces
        self._stop = asyncio.Event()
        self._found: dict[str, Found] = {}

    async def stop(self) -> None:
        self._stop.set()

    async def run(self) -> None:
        if self._stop.is_set():
            return
        try:
            azc = _zeroconf(self._interfaces)
        except OSError as exc:  # no multicast here (no network, a locked-down kiosk)
            raise KnownError(f"mDNS does not work on this network ({exc})") from exc
        changes: asyncio.Queue[tuple[str, ServiceStateChange]] = asyncio.Queue()

        def on_service(
            zeroconf: Zeroconf, service_type: str, name: str, state_change: ServiceStateChange
        ) -> None:
            changes.put_nowait((name, state_change))

        browser = AsyncServiceBrowser(azc.zeroconf, SERVICE_TYPE, handlers=[on_service])
        resolving: dict[str, asyncio.Task[None]] = {}  # by name: a goodbye cancels its lookup
        stopped = asyncio.create_task(self._stop.wait())
        try:
            while True:
                change = asyncio.create_task(changes.get())
                await asyncio.wait({change, stopped}, return_when=asyncio.FIRST_COMPLETED)
                if not change.done():
                    change.cancel()
                    break
                name, state_change = change.result()
                if (earlier := resolving.pop(name, None)) is not None:
                    earlier.cancel()
                if state_change is ServiceStateChange.Removed:
                    if self._found.pop(name, None) is not None:
                        self._tell()
                    continue
                resolving[name] = asyncio.create_task(self._resolve(azc, name))
        finally:
            stopped.cancel()
            for task in resolving.values():
                task.cancel()
            with contextlib.suppress(Exception):  # going away anyway: never mask the reason
                await browser.async_cancel()
            await azc.async_close()

    async def _resolve(self, azc: AsyncZeroconf, name: str) -> None:
        info = AsyncServiceInfo(SERVICE_TYPE, name)
        if not await info.async_request(azc.zeroconf, RESOLVE_MS):
            log.info("the organiser advert %s did not answer with its details", name)
            return
        seen = Found(
            name, tuple(info.parsed_addresses()), info.port or 0, parse_txt(info.properties)
        )
        if seen.addresses and self._found.get(name) != seen:
            self._found[name] = seen
            self._tell()

    def _tell(self) -> None:
        ordered = sorted(self._found.values(), key=lambda f: (f.event_name.casefold(), f.name))
        self._on_change(OrganisersSeen(tuple(ordered)))
