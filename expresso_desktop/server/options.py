"""How the organiser serves: listeners, public address, demo and simulated customers. Plain
data, importable without the servers (the command line and the window's first frame need it
before anything heavy is loaded)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from expresso_desktop.core.undo import UNDO_WINDOW


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
    ready_hold: timedelta = UNDO_WINDOW  # a "ready" text waits this long for the barista's Undo
