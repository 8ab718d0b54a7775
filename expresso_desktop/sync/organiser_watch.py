"""Organisers on the LAN as they come and go, for a station's first-run page: a live mDNS
browse of ``core.lan.SERVICE_TYPE`` (``sync/discovery.py`` answers "which organisers answered
within N seconds"; this one keeps listening until stopped).

Each time an organiser appears, changes its advert (a renamed event) or goes away, the whole
list is handed to ``on_change`` (on the loop's thread: a window queues it to its own). Nothing
here is trusted: the operator picks one, and pairing pins the certificate its advert names.

A paired station watches too (``Reappeared``): when its own organiser — the certificate it
pinned — announces itself again after being gone (a restart withdraws the advert, then
re-announces it), the station retries at once instead of waiting out its backoff. The advert
only says "try now"; the connection is still the pinned HTTPS one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from zeroconf import ServiceStateChange, Zeroconf
from zeroconf.asyncio import AsyncServiceBrowser, AsyncServiceInfo, AsyncZeroconf

from expresso_desktop.core.lan import SERVICE_TYPE, Found, normal_fingerprint, parse_txt
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


class Reappeared:
    """An ``on_change`` for a paired station: calls ``on_back`` each time the organiser with
    this certificate appears in the list (first seen, or back after its advert went away).

    A stop withdraws the advert (goodbye), which mDNS caches forget a second later; an
    organiser that crashed leaves its advert cached, so its return is not seen here (the
    runner's backoff still brings it back)."""

    def __init__(self, fingerprint_hex: str, on_back: Callable[[], None]) -> None:
        self._fingerprint = normal_fingerprint(fingerprint_hex)
        self._on_back = on_back
        self.present = False  # its advert is in the list now

    def __call__(self, seen: OrganisersSeen) -> None:
        present = any(f.fingerprint == self._fingerprint for f in seen.organisers)
        if present and not self.present:
            log.info("the organiser announced itself: reconnecting now")
            self._on_back()
        self.present = present


def follow(
    fingerprint_hex: str | None,
    on_back: Callable[[], None] | Reappeared,
    interfaces: Sequence[str] | None,
) -> asyncio.Task[None] | None:
    """Watch for the paired organiser's advert while the station runs (cancel the task to
    stop); None without a pinned certificate. A network without multicast only loses the
    shortcut: the runner's backoff still reconnects."""
    if not fingerprint_hex:
        return None
    if not isinstance(on_back, Reappeared):
        on_back = Reappeared(fingerprint_hex, on_back)
    watch = OrganiserWatch(on_back, interfaces)

    async def run() -> None:
        try:
            await watch.run()
        except KnownError as exc:
            log.info("not watching for the organiser's advert: %s", exc)

    return asyncio.create_task(run(), name="organiser advert watch")


async def stop_following(task: asyncio.Task[None] | None) -> None:
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
