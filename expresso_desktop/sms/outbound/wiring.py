"""Builds the outbound half of the SMS service for the composition root (``serve``, the app): the
gateway the organiser chose (``resolve_gateway``: Twilio, an Android phone on the LAN, or the
simulator; with no choice, Twilio when it is configured, else the simulator); the sender; the
notifier; and the webhook registration (Twilio with a public URL; the phone always)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from expresso_desktop.core.undo import UNDO_WINDOW
from expresso_desktop.lifecycle import Component
from expresso_desktop.services.organiser import OrganiserServices
from expresso_desktop.sms.android_config import (
    AndroidConfig,
    AndroidConfigError,
    load_android_config,
)
from expresso_desktop.sms.android_gateway import AndroidGateway
from expresso_desktop.sms.android_monitor import AndroidPhone
from expresso_desktop.sms.credentials import (
    TwilioConfig,
    TwilioConfigError,
    load_gateway_choice,
    load_twilio_config,
)
from expresso_desktop.sms.gateway import Gateway
from expresso_desktop.sms.outbound.notifications import Texts
from expresso_desktop.sms.outbound.notifier import Notifier, WebhookRegistrar
from expresso_desktop.sms.outbound.sender import OutboundSender, SenderSettings
from expresso_desktop.sms.simulator_gateway import SimulatorGateway
from expresso_desktop.sms.twilio_gateway import TwilioGateway
from expresso_desktop.store.engine import read_session
from expresso_desktop.store.repositories import settings_repo

log = logging.getLogger(__name__)

SETTING_API_BASE = "twilio_api_base"  # where the REST client goes (EXPRESSO_TWILIO_API_BASE wins)


@dataclass(frozen=True)
class GatewayChoice:
    """The gateway this run uses, with its settings (read once, for both halves)."""

    kind: Literal["twilio", "android", "simulator"]
    twilio: TwilioConfig | None = None
    android: AndroidConfig | None = None


def resolve_gateway(services: OrganiserServices | None = None) -> GatewayChoice:
    """Reads the environment and the keyring (slow: not on the GUI thread). Raises a
    ``KnownError`` when the chosen gateway is not configured."""
    api_base = None
    if services is not None:
        with read_session(services.engine) as session:
            value = settings_repo.get(SETTING_API_BASE, None, session=session)
        api_base = value if isinstance(value, str) else None
    chosen = load_gateway_choice()
    if chosen == "simulator":
        return GatewayChoice("simulator")
    if chosen == "android":
        android = load_android_config()
        if android is None:
            raise AndroidConfigError(
                "the Android phone is chosen as the SMS gateway but is not configured",
                hint="Run `expresso gateway android set --url http://PHONE:8080 --user USER`.",
            )
        return GatewayChoice("android", android=android)
    twilio = load_twilio_config(api_base=api_base)
    if twilio is None:
        if chosen == "twilio":
            raise TwilioConfigError(
                "Twilio is chosen as the SMS gateway but is not configured",
                hint="Run `expresso twilio set`, or `expresso gateway use simulator`.",
            )
        return GatewayChoice("simulator")
    return GatewayChoice("twilio", twilio=twilio)


@dataclass(frozen=True)
class Outbound:
    """The outbound half of the SMS service. The sender is woken by the change bus whenever a
    commit queues a text, so whoever queues one needs none of these."""

    gateway: Gateway  # Twilio, the phone or the simulator
    sender: OutboundSender
    notifier: Notifier
    registrar: WebhookRegistrar | None  # Twilio with a public URL only
    phone: AndroidPhone | None = None  # the phone's webhooks and health

    @property
    def components(self) -> list[Component]:
        parts: list[Component] = [self.sender, self.notifier]
        if self.registrar is not None:
            parts.append(self.registrar)
        if self.phone is not None:
            parts.append(self.phone)
        return parts


def build_outbound(
    services: OrganiserServices,
    *,
    public_url: str | None = None,
    sender_settings: SenderSettings | None = None,
    sweep_interval_s: float = 15.0,
    choice: GatewayChoice | None = None,
    webhook_base: Callable[[], str | None] | None = None,
    ready_hold: timedelta = UNDO_WINDOW,
) -> Outbound:
    """``webhook_base``: where the phone reaches our webhook listener (its URL once bound).
    ``ready_hold``: how long a "ready" text waits for an undo (the station's undo window)."""
    choice = choice or resolve_gateway(services)
    gateway: Gateway
    phone = None
    if choice.android is not None:
        android = AndroidGateway(choice.android)
        gateway = android
        fixed = choice.android.webhook_url or public_url
        phone = AndroidPhone(
            android,
            services.writer,
            (lambda: fixed) if fixed else (webhook_base or (lambda: None)),
        )
        log.info("sending texts through the Android phone (%r)", choice.android)
    elif choice.twilio is None:
        gateway = SimulatorGateway()
        log.info("no SMS gateway configured: texts go to the built-in simulator")
    else:
        config = choice.twilio
        gateway = TwilioGateway(config, public_url=public_url)
        log.info("sending texts through Twilio (%r)", config)
    sender = OutboundSender(services.writer, gateway, sender_settings)
    notifier = Notifier(
        services.writer,
        services.bus,
        Texts(services.texts, services.menu, gateway.from_number, ready_hold),
        sweep_interval_s=sweep_interval_s,
    )
    registrar = None
    if isinstance(gateway, TwilioGateway):
        if public_url:
            registrar = WebhookRegistrar(gateway, public_url)
        else:
            log.warning(
                "Twilio is configured but there is no public URL: customers' texts cannot reach "
                "this organiser and delivery reports are off (use --public-url or a tunnel)"
            )
    return Outbound(gateway, sender, notifier, registrar, phone)
