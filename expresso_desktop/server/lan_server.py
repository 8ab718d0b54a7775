"""The LAN side of ``serve`` (and later of the organiser window): the HTTPS API listener and the
mDNS advertisement, as Components.

The advertisement starts after the listener (it needs the bound port) and follows renames of
the event. Interfaces for mDNS are a setting: all of them at a venue; tests pass 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlmodel import Session

from expresso_desktop.lifecycle import Component
from expresso_desktop.server.android_webhook import AndroidWebhookAuth
from expresso_desktop.server.api_devices import LanInfo
from expresso_desktop.server.app import create_lan_app
from expresso_desktop.server.components import HttpListener
from expresso_desktop.server.mdns import Advert, MdnsAdvertiser
from expresso_desktop.server.tls import TlsIdentity, ensure_identity
from expresso_desktop.services.changes import ChangeSet
from expresso_desktop.services.organiser import OrganiserServices
from expresso_desktop.services.sync.epoch import get_or_create_epoch
from expresso_desktop.store.engine import read_session
from expresso_desktop.store.tables import Event

log = logging.getLogger(__name__)

DEFAULT_LAN_PORT = 8443


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
        if self._unsubscribe:
            self._unsubscribe()
        if self._advertiser is not None:
            await self._advertiser.stop()
            self._advertiser = None


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
