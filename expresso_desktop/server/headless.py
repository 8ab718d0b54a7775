"""``expresso serve``: the organiser's services without a window, until SIGINT/SIGTERM."""

from __future__ import annotations

import asyncio
import logging
import signal
from dataclasses import dataclass

from expresso_desktop.server.app import create_app
from expresso_desktop.server.components import Component, HttpListener
from expresso_desktop.services.organiser import OrganiserServices, build_organiser_services
from expresso_desktop.settings import AppPaths

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ServeOptions:
    host: str = "127.0.0.1"
    webhook_port: int = 8787


def run_headless(paths: AppPaths, options: ServeOptions) -> int:
    services = build_organiser_services(paths)
    try:
        asyncio.run(_serve(services, options))
    finally:
        services.close()
    return 0


def build_components(services: OrganiserServices, options: ServeOptions) -> list[Component]:
    webhook = HttpListener("webhook", create_app(services), options.host, options.webhook_port)
    return [webhook]


async def _serve(services: OrganiserServices, options: ServeOptions) -> None:
    components = build_components(services, options)
    started: list[Component] = []
    try:
        for component in components:
            await component.start()
            started.append(component)
            if isinstance(component, HttpListener):
                # Printed (not logged): scripts and tests wait for these lines.
                print(f"Expresso {component.name} on {component.url}", flush=True)
        print("Expresso serving (Ctrl+C to stop)", flush=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()
    finally:
        log.info("shutting down")
        for component in reversed(started):
            await component.stop()
