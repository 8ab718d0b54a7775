"""The SMS side's state for a screen: which gateway the organiser runs with (Twilio or the
built-in simulator, never a secret) and how many texts wait to go out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlalchemy import Engine

from expresso_desktop.core.privacy import mask_phone
from expresso_desktop.errors import KnownError
from expresso_desktop.sms.credentials import load_twilio_config, redact
from expresso_desktop.sms.outbound.messages import queue_depth
from expresso_desktop.store.engine import read_session

SIMULATOR_TEXT = (
    "Built-in simulator: no Twilio account configured. Customers' texts come from the Phone "
    "simulator tab or `expresso sms-sim`."
)


@dataclass(frozen=True, slots=True)
class SmsMode:
    kind: Literal["twilio", "simulator", "misconfigured"]
    text: str  # never a secret: the number masked, the account id redacted


@dataclass(frozen=True, slots=True)
class QueueDepth:
    """Outgoing texts stored but not yet accepted by the gateway."""

    waiting: int

    @property
    def text(self) -> str:
        return f"Outgoing texts waiting: {self.waiting or 'none'}"


def sms_mode() -> SmsMode:
    """What the servers start with (reads the environment and the keyring: not on the GUI
    thread, a keyring backend may be slow)."""
    try:
        config = load_twilio_config()
    except KnownError as exc:
        return SmsMode("misconfigured", str(exc))
    if config is None:
        return SmsMode("simulator", SIMULATOR_TEXT)
    sources = sorted(set(config.sources.values()))
    where = f" (from the {' and '.join(sources)})" if sources else ""
    return SmsMode(
        "twilio",
        f"Twilio number {mask_phone(config.number)}, account {redact(config.account_sid)}{where}",
    )


def outbound_queue_depth(engine: Engine) -> QueueDepth:
    with read_session(engine) as session:
        return QueueDepth(queue_depth(session))


class GatewayStatus:
    """The two reads above for one organiser database (blocking: run them off the GUI thread)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def mode(self) -> SmsMode:
        return sms_mode()

    def queue_depth(self) -> QueueDepth:
        return outbound_queue_depth(self._engine)
