"""What a station or a ready board is started with (``expresso barista`` / ``expresso board``
options). Its own module, free of the sync's imports: the command line builds them before the
window shows."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class StationOptions:
    server: str | None = None  # https://host:port; default: the paired one, else mDNS
    pair: str | None = None  # a pairing code, or the QR payload expresso://pair?code=…
    fingerprint: str | None = None  # the organiser's certificate, if known before pairing
    name: str | None = None  # this device's name on the organiser
    mdns_interfaces: tuple[str, ...] = ()


@dataclass(frozen=True)
class BoardOptions:
    """``expresso board``: how to reach and pair with the organiser (``station``), which
    station's orders to show (``station_number``; None: every station's) and whether the
    window fills the screen."""

    station: StationOptions = field(default_factory=StationOptions)
    station_number: int | None = None
    fullscreen: bool = True
