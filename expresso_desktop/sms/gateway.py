"""What the outbound sender needs from a way of sending texts (Twilio, or the simulator)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class SendResult:
    sid: str
    status: str  # what the gateway says right away: "queued" (Twilio), "delivered" (simulator)


class SendError(Exception):
    """A text did not go out. ``transient``: try again later (5xx, 429, network); otherwise
    the same request can never succeed (invalid number, unsubscribed recipient).

    ``reason`` is safe to log: it never contains the recipient's number or a credential.
    """

    def __init__(self, reason: str, *, transient: bool, code: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.transient = transient
        self.code = code


@dataclass(frozen=True, slots=True)
class WebhookRegistration:
    number: str
    sms_url: str
    status_callback: str


class Gateway(Protocol):
    name: str
    from_number: str

    async def start(self) -> None: ...

    async def close(self) -> None: ...

    async def send(self, to: str, body: str, *, valid_for_s: int | None = None) -> SendResult:
        """Hand one text over; raises ``SendError``."""
        ...

    async def find_sent(self, to: str, body: str, since: datetime) -> list[str]:
        """Sids of texts with this recipient and body accepted since ``since``, newest first,
        as far as the gateway can tell (after a crash: was the text in flight sent?)."""
        ...
