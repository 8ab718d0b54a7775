"""Builds the outbound half of the SMS service for the composition root (``serve``, the app):
Twilio when it is configured, else the simulator; the sender; the notifier; and, with Twilio and a
public URL, the webhook registration."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from expresso_desktop.lifecycle import Component
from expresso_desktop.services.organiser import OrganiserServices
from expresso_desktop.sms.credentials import load_twilio_config
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
class Outbound:
    """The outbound half of the SMS service. The sender is woken by the change bus whenever a
    commit queues a text, so whoever queues one needs none of these."""

    gateway: Gateway  # Twilio or the simulator
    sender: OutboundSender
    notifier: Notifier
    registrar: WebhookRegistrar | None  # Twilio with a public URL only

    @property
    def components(self) -> list[Component]:
        parts: list[Component] = [self.sender, self.notifier]
        if self.registrar is not None:
            parts.append(self.registrar)
        return parts


def build_outbound(
    services: OrganiserServices,
    *,
    public_url: str | None = None,
    sender_settings: SenderSettings | None = None,
    sweep_interval_s: float = 15.0,
) -> Outbound:
    with read_session(services.engine) as session:
        api_base = settings_repo.get(SETTING_API_BASE, None, session=session)
    config = load_twilio_config(api_base=api_base if isinstance(api_base, str) else None)
    gateway: Gateway
    if config is None:
        gateway = SimulatorGateway()
        log.info("no Twilio account configured: texts go to the built-in simulator")
    else:
        gateway = TwilioGateway(config, public_url=public_url)
        log.info("sending texts through Twilio (%r)", config)
    sender = OutboundSender(services.writer, gateway, sender_settings)
    notifier = Notifier(
        services.writer,
        services.bus,
        Texts(services.templates, services.menu, gateway.from_number),
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
    return Outbound(gateway, sender, notifier, registrar)
