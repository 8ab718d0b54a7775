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

from expresso_desktop.core.text import printable

SERVICE_TYPE = "_expresso._tcp.local."
PROTO_VERSION = "1"
MAX_LABEL = 63  # bytes in one DNS label (the instance name)
MAX_EVENT_NAME = 100
MAX_TXT_ENTRY = 255  # bytes in one TXT string, "key=value"

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
            TXT_EVENT: _fit(printable(self.event_name)[:MAX_EVENT_NAME], MAX_TXT_ENTRY - 6),
            TXT_EPOCH: self.epoch,
            TXT_PORT: str(self.port),
            TXT_FINGERPRINT: normal_fingerprint(self.fingerprint_hex),
        }

    def instance(self) -> str:
        """The DNS-SD instance name: readable, unique per epoch, one DNS label long. Whatever
        the event is called (a name stored before names were checked included), this is a
        label zeroconf accepts: no control characters, no dots, at most 63 bytes."""
        base = printable(f"Expresso {self.event_name}".replace(".", " "))
        suffix = f" {printable(self.epoch)[:6]}"
        return _fit(base, MAX_LABEL - len(suffix.encode())).strip() + suffix


def _fit(text: str, max_bytes: int) -> str:
    """``text`` cut to at most ``max_bytes`` of UTF-8, never inside a character."""
    return text.encode()[:max_bytes].decode(errors="ignore")


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
