"""The LAN side of ``serve`` and of the organiser window: the HTTPS API listener and the mDNS
advertisement, as Components.

The advertisement starts after the listener (it needs the bound port) and follows renames of
the event. Interfaces for mDNS are a setting: all of them at a venue; tests pass 127.0.0.1.

While it listens, the LAN listener writes what it actually listens on (``lan.json`` in the
data folder, private: URL, host, port, certificate fingerprint, pid), so that ``expresso
devices pair`` in another terminal hands out the real address, never a guess. On stop it
first closes every WebSocket with "going away" (1001: stations reconnect with backoff), so the
HTTP runner has no long-lived handler left to wait for.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import socket
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from sqlmodel import Session

from expresso_desktop.lifecycle import Component, process_alive
from expresso_desktop.server.android_webhook import AndroidWebhookAuth
from expresso_desktop.server.api_devices import LanInfo
from expresso_desktop.server.app import create_lan_app
from expresso_desktop.server.components import HttpListener
from expresso_desktop.server.live import HUB
from expresso_desktop.server.mdns import Advert, MdnsAdvertiser
from expresso_desktop.server.tls import TlsIdentity, ensure_identity
from expresso_desktop.services.changes import ChangeSet
from expresso_desktop.services.organiser import OrganiserServices
from expresso_desktop.services.sync.epoch import get_or_create_epoch
from expresso_desktop.settings import write_private
from expresso_desktop.store.engine import read_session
from expresso_desktop.store.tables import Event

log = logging.getLogger(__name__)

DEFAULT_LAN_PORT = 8443
RUNTIME_FILE = "lan.json"
MDNS_STOP_S = 1.0


@dataclass(frozen=True, slots=True)
class LanRuntime:
    """What a running organiser's LAN listener listens on, as written to its data folder."""

    url: str  # what stations use (a wildcard host replaced by this machine's address)
    host: str  # what it is bound to
    port: int
    fingerprint: str
    pid: int


def write_lan_runtime(data_dir: Path, runtime: LanRuntime) -> None:
    write_private(data_dir / RUNTIME_FILE, json.dumps(asdict(runtime)).encode())


def read_lan_runtime(data_dir: Path) -> LanRuntime | None:
    """The running organiser's LAN address; None when none is written, or its process is gone
    (a file left by a killed organiser is not believed)."""
    try:
        data = json.loads((data_dir / RUNTIME_FILE).read_text(encoding="utf-8"))
        runtime = LanRuntime(
            str(data["url"]),
            str(data["host"]),
            int(data["port"]),
            str(data["fingerprint"]),
            int(data["pid"]),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return runtime if process_alive(runtime.pid) else None


def clear_lan_runtime(data_dir: Path) -> None:
    """Forget our address (never another live organiser's)."""
    path = data_dir / RUNTIME_FILE
    with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
        if int(json.loads(path.read_text(encoding="utf-8"))["pid"]) == os.getpid():
            path.unlink(missing_ok=True)


def reachable_host(host: str) -> str:
    """The address stations should use: the listening one, or for a wildcard, this machine's
    address on the network (found by routing table lookup; a UDP connect sends nothing)."""
    if host not in ("0.0.0.0", "", "::"):
        return host
    with contextlib.suppress(OSError), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.connect(("10.254.254.254", 9))
        return str(probe.getsockname()[0])
    return "127.0.0.1"


class LanListener(HttpListener):
    """The HTTPS API listener; knows its reachable URL and certificate fingerprint."""

    def __init__(
        self,
        services: OrganiserServices,
        identity: TlsIdentity,
        host: str,
        port: int,
        *,
        android: AndroidWebhookAuth | None = None,
    ) -> None:
        self.identity = identity
        self._data_dir = services.paths.data_dir
        self.lan = LanInfo(f"https://{reachable_host(host)}:{port}", identity.fingerprint_hex)
        self._lan_host = host
        super().__init__(
            "lan",
            create_lan_app(services, self.lan, android=android, ca_der=identity.ca_der()),
            host,
            port,
            ssl_context=identity.server_context(),
        )

    @property
    def url(self) -> str:
        return f"https://{reachable_host(self._lan_host)}:{self.bound_port}"

    @property
    def ca_url(self) -> str | None:
        """Where the phone downloads our CA certificate (None: an old self-signed one)."""
        return f"{self.url}/ca.crt" if self.identity.ca_path is not None else None

    @property
    def webhook_base(self) -> str:
        """The base URL the phone calls (``…/android/webhook`` is added by the registrar)."""
        return self.url

    @property
    def status_line(self) -> str:
        line = f"LAN certificate SHA-256 {self.identity.fingerprint_hex}"
        if self.identity.replaced:
            line += f" (NEW: {self.identity.replaced}; paired stations must pair again)"
        return line

    async def start(self) -> None:
        await super().start()
        # With --lan-port 0 the port is known only now; pairing payloads must carry it.
        self.lan.url = self.url
        assert self.bound_port is not None
        runtime = LanRuntime(
            self.url, self._lan_host, self.bound_port, self.identity.fingerprint_hex, os.getpid()
        )
        await asyncio.to_thread(write_lan_runtime, self._data_dir, runtime)

    async def stop(self) -> None:
        clear_lan_runtime(self._data_dir)
        hub = self.app.get(HUB)
        if hub is not None:
            await hub.close_all()
        await super().stop()


class LanAdvert:
    """A Component: advertises the listener over mDNS once it is bound; re-announces when the
    event is renamed (the change bus tells us).

    The advert is a convenience (stations can pair by QR code or URL), so it never stops the
    organiser: a failure to advertise is a warning in the log and in ``status_line``, and the
    next rename of the event tries again."""

    name = "mdns"

    def __init__(
        self,
        services: OrganiserServices,
        listener: LanListener,
        interfaces: Sequence[str] | None,
    ) -> None:
        self.services = services
        self.listener = listener
        self.interfaces = interfaces
        self.status_line: str | None = None
        self._advertiser: MdnsAdvertiser | None = None
        self._unsubscribe: Callable[[], None] | None = None

    def _advert(self) -> Advert:
        def event_name(session: Session) -> str:
            event = session.get(Event, self.services.event_id)
            return event.name if event else "Expresso"

        with read_session(self.services.engine) as session:
            name = event_name(session)
        assert self.listener.bound_port is not None
        return Advert(
            event_name=name,
            epoch=get_or_create_epoch(self.services.engine),
            port=self.listener.bound_port,
            fingerprint_hex=self.listener.identity.fingerprint_hex,
        )

    async def start(self) -> None:
        await self._advertise()
        loop = asyncio.get_running_loop()

        def on_commit(changeset: ChangeSet) -> None:
            if any(c.entity == "events" for c in changeset.changes):
                with contextlib.suppress(RuntimeError):
                    loop.call_soon_threadsafe(lambda: loop.create_task(self._refresh()))

        self._unsubscribe = self.services.bus.subscribe(on_commit)

    async def _advertise(self) -> None:
        """Start advertising; on failure say why (log + status line) and carry on without."""
        try:
            advertiser = MdnsAdvertiser(await asyncio.to_thread(self._advert), self.interfaces)
            await advertiser.start()
        except Exception as exc:
            self.status_line = (
                f"mDNS advert failed ({type(exc).__name__}: {exc}); "
                "stations can still pair by QR code or URL"
            )
            log.warning("%s", self.status_line)
            log.debug("mDNS advert failure", exc_info=True)
            return
        self._advertiser = advertiser
        self.status_line = f"mDNS advertising {advertiser.advert.instance()!r}"

    async def _refresh(self) -> None:
        if self._advertiser is None:
            await self._advertise()  # the rename may have fixed what made it fail
            return
        try:
            await self._advertiser.update(await asyncio.to_thread(self._advert))
        except Exception:
            log.exception("could not update the mDNS advertisement")

    async def stop(self) -> None:
        """Withdraw the advert (zeroconf's goodbye packets take ~0.25 s); bounded, so a stuck
        interface never holds the organiser's shutdown up."""
        if self._unsubscribe:
            self._unsubscribe()
        advertiser, self._advertiser = self._advertiser, None
        if advertiser is not None:
            try:
                await asyncio.wait_for(advertiser.stop(), MDNS_STOP_S)
            except TimeoutError:
                log.warning("withdrawing the mDNS advert took over %.0f s; gave up", MDNS_STOP_S)


@dataclass(frozen=True)
class Lan:
    """The LAN side: the HTTPS API listener and, unless turned off, its mDNS advert."""

    listener: LanListener
    advert: LanAdvert | None

    @property
    def components(self) -> list[Component]:
        return [self.listener] if self.advert is None else [self.listener, self.advert]


def build_lan(
    services: OrganiserServices,
    *,
    host: str,
    port: int,
    mdns_interfaces: Sequence[str] | None,
    mdns: bool = True,
    android: AndroidWebhookAuth | None = None,
) -> Lan:
    """``android``: the phone is the SMS gateway (its signing key, shared with the webhook
    listener): its webhooks are served here too, and the certificate must be one the phone can
    trust (CA-signed, naming the LAN address), even if that means a new one."""
    identity = ensure_identity(
        services.paths.data_dir, [reachable_host(host)], need_chain=android is not None
    )
    listener = LanListener(services, identity, host, port, android=android)
    return Lan(listener, LanAdvert(services, listener, mdns_interfaces) if mdns else None)
