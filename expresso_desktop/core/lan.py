"""What the organiser's mDNS advert says and how a station reads it (DNS-SD service
``_expresso._tcp.local.``), shared by the advertiser (``server/mdns.py``) and discovery
(``sync/discovery.py``). Plain data: the zeroconf library stays with those two.

The TXT record carries only what a station needs before pairing: protocol version, event
name, server epoch, port and the certificate fingerprint to pin — never a secret or personal
data.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

SERVICE_TYPE = "_expresso._tcp.local."
PROTO_VERSION = "1"
MAX_LABEL = 63  # bytes in one DNS label (the instance name)
MAX_EVENT_NAME = 100

# TXT keys
TXT_PROTO = "proto"
TXT_EVENT = "event"
TXT_EPOCH = "epoch"
TXT_PORT = "port"
TXT_FINGERPRINT = "fp"


def normal_fingerprint(fingerprint_hex: str | None) -> str:
    """``AB:CD:…`` or ``abcd…`` → ``abcd…`` (how the TXT record and comparisons spell it)."""
    return (fingerprint_hex or "").replace(":", "").strip().lower()


@dataclass(frozen=True, slots=True)
class Advert:
    """What an organiser announces."""

    event_name: str
    epoch: str
    port: int
    fingerprint_hex: str

    def txt(self) -> dict[str, str]:
        return {
            TXT_PROTO: PROTO_VERSION,
            TXT_EVENT: self.event_name[:MAX_EVENT_NAME],
            TXT_EPOCH: self.epoch,
            TXT_PORT: str(self.port),
            TXT_FINGERPRINT: normal_fingerprint(self.fingerprint_hex),
        }

    def instance(self) -> str:
        """The DNS-SD instance name: readable, unique per epoch, one DNS label long."""
        base = f"Expresso {self.event_name}".replace(".", " ")
        suffix = f" {self.epoch[:6]}"
        while len((base + suffix).encode()) > MAX_LABEL:
            base = base[:-1]
        return base.strip() + suffix


def parse_txt(properties: Mapping[bytes, bytes | None]) -> dict[str, str]:
    """A TXT record as zeroconf hands it over (bytes → bytes or None) as text."""
    return {
        key.decode(errors="replace"): (value or b"").decode(errors="replace")
        for key, value in properties.items()
    }


@dataclass(frozen=True, slots=True)
class Found:
    """An organiser seen on the network."""

    name: str
    addresses: tuple[str, ...]
    port: int
    txt: Mapping[str, str]

    @property
    def url(self) -> str:
        return f"https://{self.addresses[0]}:{self.port}" if self.addresses else ""

    @property
    def fingerprint(self) -> str:
        return normal_fingerprint(self.txt.get(TXT_FINGERPRINT))

    @property
    def epoch(self) -> str | None:
        return self.txt.get(TXT_EPOCH)

    @property
    def event_name(self) -> str:
        return self.txt.get(TXT_EVENT, "")

    def is_organiser(self, fingerprint_hex: str | None = None, epoch: str | None = None) -> bool:
        """Whether this is the organiser with that certificate (and that epoch, if given)."""
        if fingerprint_hex is not None and self.fingerprint != normal_fingerprint(fingerprint_hex):
            return False
        return epoch is None or self.epoch == epoch
