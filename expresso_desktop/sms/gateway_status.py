"""The SMS side's state for a screen: which gateway the organiser runs with (Twilio, an Android
phone on the LAN, or the built-in simulator; never a secret), how many texts wait to go out, for
the phone whether it answers and when it last carried a text, and how the sponsor line fares
(it rides on a confirmation only when it costs no extra segment)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import Engine
from sqlmodel import col, func, select

from expresso_desktop.core.privacy import mask_phone
from expresso_desktop.errors import KnownError
from expresso_desktop.sms.android_config import load_android_config
from expresso_desktop.sms.android_monitor import phone_state
from expresso_desktop.sms.credentials import load_gateway_choice, load_twilio_config, redact
from expresso_desktop.sms.customers import SPONSOR_SETTING, sponsor_line_stats
from expresso_desktop.sms.outbound.messages import queue_depth
from expresso_desktop.store.engine import read_session
from expresso_desktop.store.repositories import settings_repo
from expresso_desktop.store.tables import SmsMessage

SIMULATOR_TEXT = (
    "Built-in simulator: no Twilio account configured. Customers' texts come from the test "
    "phone on the Messages screen or `expresso sms-sim`."
)


@dataclass(frozen=True, slots=True)
class SmsMode:
    kind: Literal["twilio", "android", "simulator", "misconfigured"]
    text: str  # never a secret: the number masked, the account id redacted


@dataclass(frozen=True, slots=True)
class QueueDepth:
    """Outgoing texts stored but not yet accepted by the gateway."""

    waiting: int

    @property
    def text(self) -> str:
        return f"Outgoing texts waiting: {self.waiting or 'none'}"


@dataclass(frozen=True, slots=True)
class SponsorLine:
    """The sponsor line policy for the organiser: whether one is set, and on how many
    confirmations it rode along or was left off to save a segment."""

    set: bool
    shown: int = 0
    dropped: int = 0

    @property
    def offered(self) -> int:
        return self.shown + self.dropped

    @property
    def text(self) -> str:
        if not self.offered:
            return "Sponsor line: on no texts yet" if self.set else "Sponsor line: none set"
        texts = "text" if self.offered == 1 else "texts"
        return (
            f"Sponsor line: on {self.shown} of {self.offered} {texts} "
            f"({self.dropped} dropped to save a segment)"
        )


@dataclass(frozen=True, slots=True)
class PhoneStatus:
    """The Android phone as a gateway: None fields when it was never asked / never used."""

    reachable: bool | None
    since: str | None  # ISO time of the last change of state
    last_message_at: datetime | None

    @property
    def text(self) -> str:
        if self.reachable is None:
            state = "Phone: not asked yet"
        elif self.reachable:
            state = f"Phone: answering (since {_short(self.since)})"
        else:
            state = f"Phone: NOT ANSWERING since {_short(self.since)}; texts wait for it"
        last = f"{self.last_message_at:%H:%M:%S}" if self.last_message_at else "none yet"
        return f"{state}. Last text: {last}"


def _short(iso: str | None) -> str:
    return iso[11:19] if iso and len(iso) >= 19 else (iso or "?")


def sms_mode() -> SmsMode:
    """What the servers start with (reads the environment and the keyring: not on the GUI
    thread, a keyring backend may be slow)."""
    try:
        chosen = load_gateway_choice()
        if chosen == "android":
            android = load_android_config()
            if android is None:
                return SmsMode("misconfigured", "The Android phone is chosen but not configured")
            return SmsMode("android", android.describe)
        if chosen == "simulator":
            return SmsMode("simulator", SIMULATOR_TEXT)
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


def phone_status(engine: Engine) -> PhoneStatus:
    with read_session(engine) as session:
        state = phone_state(session) or {}
        last = session.exec(select(func.max(col(SmsMessage.updated_at)))).one()
    reachable = state.get("reachable")
    return PhoneStatus(
        reachable if isinstance(reachable, bool) else None,
        str(state["since"]) if state.get("since") else None,
        last,
    )


def outbound_queue_depth(engine: Engine) -> QueueDepth:
    with read_session(engine) as session:
        return QueueDepth(queue_depth(session))


def sponsor_line(engine: Engine) -> SponsorLine:
    with read_session(engine) as session:
        value = settings_repo.get(SPONSOR_SETTING, None, session=session)
        stats = sponsor_line_stats(session)
    return SponsorLine(isinstance(value, str) and bool(value.strip()), stats.shown, stats.dropped)


class GatewayStatus:
    """The reads above for one organiser database (blocking: run them off the GUI thread)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def mode(self) -> SmsMode:
        return sms_mode()

    def queue_depth(self) -> QueueDepth:
        return outbound_queue_depth(self._engine)

    def phone(self) -> PhoneStatus:
        return phone_status(self._engine)

    def sponsor(self) -> SponsorLine:
        return sponsor_line(self._engine)
