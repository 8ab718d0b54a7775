"""The inbound half of ``serve``: the webhook listener, what tells the simulator where it is,
and the optional stream of simulated customers."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

from expresso_desktop.lifecycle import Component
from expresso_desktop.server.android_webhook import AndroidWebhookAuth
from expresso_desktop.server.app import create_webhook_app
from expresso_desktop.server.components import HttpListener
from expresso_desktop.server.webhook import WebhookAuth, resolve_auth
from expresso_desktop.services.organiser import OrganiserServices
from expresso_desktop.sms.outbound.wiring import GatewayChoice, resolve_gateway
from expresso_desktop.sms.simulated_customers import SimulatedCustomers
from expresso_desktop.sms.simulator import Runtime, Target, clear_runtime, write_runtime

log = logging.getLogger(__name__)


class WebhookRuntime:
    """Once the listener is bound: settles the public URL (the simulator's is the listener's
    own) and writes ``webhook.json`` for ``sms-sim``; removes it on stop."""

    name = "webhook runtime"

    def __init__(
        self,
        services: OrganiserServices,
        listener: HttpListener,
        auth: WebhookAuth,
        gateway: str = "",
    ):
        self._services = services
        self._listener = listener
        self.auth = auth
        self.gateway = gateway  # "android": the phone's component reports instead
        self.status_line: str | None = None

    async def start(self) -> None:
        if self.auth.public_url is None and self.auth.mode == "simulator":
            self.auth.public_url = self._listener.url
        if self.gateway == "android":
            self.status_line = None
        elif self.auth.mode == "simulator":
            self.status_line = "SMS simulator: no Twilio account; try `expresso sms-sim TEXT`"
        elif self.auth.public_url is None:
            self.status_line = "SMS webhook: no public URL yet, so Twilio cannot reach us"
        write_runtime(
            self._services.paths.data_dir,
            Runtime(
                url=self._listener.url,
                public_url=self.auth.public_url or "",
                mode=self.auth.mode,
                pid=os.getpid(),
            ),
        )

    async def stop(self) -> None:
        clear_runtime(self._services.paths.data_dir)

    def target(self) -> Target:
        return Target(
            self._listener.url, self.auth.public_url or self._listener.url, self.auth.token
        )


@dataclass(frozen=True)
class Webhook:
    """The inbound half of the SMS service. ``auth`` is shared with the listener's app: a tunnel
    may set its ``public_url`` after start."""

    auth: WebhookAuth
    listener: HttpListener
    runtime: WebhookRuntime
    customers: SimulatedCustomers | None  # ``--simulate-customers``, simulator only

    @property
    def components(self) -> list[Component]:
        parts: list[Component] = [self.listener, self.runtime]
        if self.customers is not None:
            parts.append(self.customers)
        return parts


def build_webhook(
    services: OrganiserServices,
    *,
    host: str,
    port: int,
    public_url: str | None,
    simulate_customers: float = 0,
    choice: GatewayChoice | None = None,
) -> Webhook:
    """Raises ``KnownError`` when the webhook must not start (Twilio without an auth token).

    With the phone as the gateway, ``POST /android/webhook`` takes its signed webhooks, and
    ``/sms`` stays signed with the simulator's secret (``sms-sim`` still works beside it)."""
    choice = choice or resolve_gateway(services)
    auth = resolve_auth(services.paths.data_dir, choice.twilio, public_url)
    android = AndroidWebhookAuth(choice.android.signing_key) if choice.android else None
    app = create_webhook_app(services, webhook=auth, android=android)
    listener = HttpListener("webhook", app, host, port)
    runtime = WebhookRuntime(services, listener, auth, choice.kind)
    customers = None
    if simulate_customers > 0:
        if auth.mode != "simulator" or choice.kind == "android":
            log.warning("--simulate-customers needs the simulator (Twilio is configured): off")
        else:
            customers = SimulatedCustomers(runtime.target, services.menu, simulate_customers)
    return Webhook(auth, listener, runtime, customers)
