"""``expresso serve``: the organiser's services without a window, until SIGINT/SIGTERM.

SIGTERM and SIGINT run the same clean stop: components in reverse order (the LAN listener
first closes every station's socket with "going away", so nothing waits on them), then the
services; it takes well under 2 s with stations connected (``bench/shutdown.py``)."""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial

from expresso_desktop.lifecycle import Component, exit_promptly
from expresso_desktop.server.android_webhook import ANDROID_AUTH
from expresso_desktop.server.components import HttpListener
from expresso_desktop.server.lan_server import LanListener, build_lan
from expresso_desktop.server.options import ServeOptions
from expresso_desktop.server.webhook import WebhookAuth
from expresso_desktop.server.webhook_runtime import build_webhook
from expresso_desktop.services.demo import seed_demo
from expresso_desktop.services.organiser import OrganiserServices, build_organiser_services
from expresso_desktop.settings import AppPaths
from expresso_desktop.sms.android_config import default_webhook_base
from expresso_desktop.sms.gateway import Gateway
from expresso_desktop.sms.outbound.sender import OutboundSender
from expresso_desktop.sms.outbound.station_texts import StationTexts
from expresso_desktop.sms.outbound.wiring import build_outbound, resolve_gateway

log = logging.getLogger(__name__)


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
    exit_promptly()
    return 0


@dataclass(frozen=True)
class OrganiserRuntime:
    """What runs while the organiser serves (``serve`` or the window), built from its services
    by ``build_components``. Iterating gives the components in start order; they are stopped
    in reverse. The typed handles are for whoever needs one (a tunnel setting the webhook's
    public URL, a screen showing the SMS gateway or the LAN address)."""

    components: tuple[Component, ...]
    webhook_auth: WebhookAuth
    webhook_listener: HttpListener
    gateway: Gateway
    sender: OutboundSender
    lan_listener: LanListener

    def __iter__(self) -> Iterator[Component]:
        return iter(self.components)


def build_components(services: OrganiserServices, options: ServeOptions) -> OrganiserRuntime:
    choice = resolve_gateway(services)  # once, for both halves
    webhook = build_webhook(
        services,
        host=options.host,
        port=options.webhook_port,
        public_url=options.public_url,
        simulate_customers=options.simulate_customers,
        choice=choice,
    )
    lan = build_lan(
        services,
        host=options.lan_host,
        port=options.lan_port,
        mdns_interfaces=options.mdns_interfaces or None,
        mdns=options.mdns,
        android=webhook.listener.app.get(ANDROID_AUTH),  # one key, one set of used signatures
    )
    phone_url = choice.android.url if choice.android else ""
    outbound = build_outbound(
        services,
        public_url=options.public_url,
        choice=choice,
        ready_hold=options.ready_hold,
        webhook_base=lambda: default_webhook_base(
            phone_url, webhook.listener.url, lan.listener.webhook_base
        ),
    )
    # Stations' re-notify and message mutations text through this runtime's SMS layer.
    services.sync.texts = StationTexts(outbound.notifier.texts)
    return OrganiserRuntime(
        # The LAN listener before the phone: its bound address is the webhook URL it registers.
        components=(*webhook.components, *lan.components, *outbound.components),
        webhook_auth=webhook.auth,
        webhook_listener=webhook.listener,
        gateway=outbound.gateway,
        sender=outbound.sender,
        lan_listener=lan.listener,
    )


async def _serve(services: OrganiserServices, options: ServeOptions) -> None:
    runtime = build_components(services, options)
    started: list[Component] = []
    # Handlers first: a SIGTERM sent as soon as the first URL is printed stops us cleanly.
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        for component in runtime:
            await component.start()
            started.append(component)
            if isinstance(component, HttpListener):
                # Printed (not logged): scripts and tests wait for these lines.
                print(f"Expresso {component.name} on {component.url}", flush=True)
            if status_line := getattr(component, "status_line", None):
                print(f"Expresso {status_line}", flush=True)  # e.g. Twilio webhooks set or not
        # What start-up made (modules, the menu, caches) lives as long as we serve: out of the
        # collector's sight, a full collection under load walks only what serving made since.
        gc.collect()
        gc.freeze()
        # Whoever waits for this line knows everything is up.
        print("Expresso serving (Ctrl+C to stop)", flush=True)
        await stop.wait()
    finally:
        log.info("shutting down")
        for component in reversed(started):
            try:
                await component.stop()
            except Exception:  # the others must still stop
                log.exception("stopping %s failed", component.name)
