"""``expresso serve``: the organiser's services without a window, until SIGINT/SIGTERM."""

from __future__ import annotations

import asyncio
import logging
import signal
from dataclasses import dataclass
from functools import partial

from expresso_desktop.lifecycle import Component
from expresso_desktop.server import api_sync
from expresso_desktop.server.components import HttpListener
from expresso_desktop.server.lan_server import build_lan_components
from expresso_desktop.server.webhook_runtime import build_webhook_components
from expresso_desktop.services.demo import seed_demo
from expresso_desktop.services.organiser import OrganiserServices, build_organiser_services
from expresso_desktop.settings import AppPaths
from expresso_desktop.sms.outbound.wiring import build_outbound_components

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ServeOptions:
    host: str = "127.0.0.1"
    webhook_port: int = 8787
    public_url: str | None = None  # what Twilio calls (a tunnel's URL); signatures are made for it
    demo: bool = False  # seed the sample event first
    simulate_customers: float = 0.0  # simulated texts per minute (simulator mode only)
    # The LAN API (HTTPS) and its mDNS advertisement; no interfaces given = all of them.
    lan_host: str = "0.0.0.0"
    lan_port: int = 8443
    mdns_interfaces: tuple[str, ...] = ()
    mdns: bool = True


def run_headless(paths: AppPaths, options: ServeOptions) -> int:
    services = build_organiser_services(paths)
    try:
        if options.demo:
            services.writer.run_sync(
                partial(seed_demo, event_id=services.event_id, menu=services.menu)
            )
        asyncio.run(_serve(services, options))
    finally:
        services.close()
    return 0


def build_components(services: OrganiserServices, options: ServeOptions) -> list[Component]:
    webhook = build_webhook_components(
        services,
        host=options.host,
        port=options.webhook_port,
        public_url=options.public_url,
        simulate_customers=options.simulate_customers,
    )
    outbound = build_outbound_components(services, public_url=options.public_url)
    lan = build_lan_components(
        services,
        host=options.lan_host,
        port=options.lan_port,
        mdns_interfaces=options.mdns_interfaces or None,
        mdns=options.mdns,
    )
    for component in lan:  # station sync rides on the LAN API (its auth and TLS)
        if isinstance(component, HttpListener) and component.name == "lan":
            api_sync.install(component.app)
    return [*webhook, *outbound, *lan]


async def _serve(services: OrganiserServices, options: ServeOptions) -> None:
    components = build_components(services, options)
    started: list[Component] = []
    # Handlers first: a SIGTERM sent as soon as the first URL is printed stops us cleanly.
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        for component in components:
            await component.start()
            started.append(component)
            if isinstance(component, HttpListener):
                # Printed (not logged): scripts and tests wait for these lines.
                print(f"Expresso {component.name} on {component.url}", flush=True)
            if status_line := getattr(component, "status_line", None):
                print(f"Expresso {status_line}", flush=True)  # e.g. Twilio webhooks set or not
        # Whoever waits for this line knows everything is up.
        print("Expresso serving (Ctrl+C to stop)", flush=True)
        await stop.wait()
    finally:
        log.info("shutting down")
        for component in reversed(started):
            await component.stop()
