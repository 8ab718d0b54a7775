"""The public address Twilio calls (typed, or a tunnel's) and the number's webhook registration,
held in one place while the organiser runs, for the Setup screen and the status bar.

Setting the address sets what the SMS webhook checks Twilio's signatures against (the
listener's ``WebhookAuth.public_url``) and where Twilio sends delivery reports
(``TwilioGateway.public_url``). "Register" points the number's SmsUrl at ``<address>/sms`` and
its StatusCallback at ``<address>/sms/status`` with ``TwilioGateway.register_webhooks``, the
call ``serve --public-url`` makes on start (``WebhookRegistrar``). The registration's outcome —
start-up's until the Setup screen registers — is the webhook state the status bar shows.

An address typed here lasts until Expresso stops (``--public-url`` gives one from the start); a
tunnel stops with the organiser. Every method runs on the service loop (``ops.call``).
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol
from urllib.parse import urlsplit

from expresso_desktop.core.errors import ValidationError
from expresso_desktop.core.privacy import mask_phone, mask_phones_in
from expresso_desktop.errors import KnownError
from expresso_desktop.sms.gateway import Gateway
from expresso_desktop.sms.outbound.notifier import WebhookRegistrar
from expresso_desktop.sms.tunnel import NGROK_API, Tunnel, TunnelError, find_tool, how_to_get
from expresso_desktop.sms.twilio_gateway import TwilioGateway, WebhookError

log = logging.getLogger(__name__)

SMS_PATH, STATUS_PATH = "/sms", "/sms/status"
Source = Literal["none", "typed", "tunnel", "start"]
NO_ADDRESS = "No public address yet: start a tunnel or type one"
NOT_NEEDED = {
    "simulator": "Not needed with the built-in simulator: its texts come from this computer.",
    "android": "Not needed with the Android phone: it calls this computer over the LAN.",
}


class SignatureTarget(Protocol):
    """What the webhook checks signatures with (``server.webhook.WebhookAuth``)."""

    public_url: str | None


@dataclass(frozen=True, slots=True)
class WebhookState:
    """Whether Twilio's number points at us. ``registered`` is None before any attempt."""

    registered: bool | None
    text: str
    needed: bool = True

    @property
    def status(self) -> str:
        """The status bar's words."""
        if not self.needed:
            return "Webhook: not needed"
        if self.registered:
            return "Webhook: ✓ Registered"
        if self.registered is False:
            return "Webhook: ✕ NOT registered"
        return "Webhook: not registered yet"


@dataclass(frozen=True, slots=True)
class AddressState:
    """The Setup screen's "Public address" section in one read."""

    url: str | None
    source: Source
    needed: bool  # Twilio is the gateway: without an address no text reaches us
    not_needed: str  # why not, in words ("" when needed)
    tool: str | None  # the tunnel tool on the PATH (cloudflared, ngrok), None without one
    how_to_get: tuple[str, ...]  # one line per tool with its download address
    tunnel_running: bool
    tunnel_text: str  # "cloudflared tunnel running (pid 123)", why it stopped, or ""
    webhook: WebhookState
    servers_up: bool  # the webhook listener runs (a tunnel needs its port)


class PublicAddress:
    """A ``Component`` appended to the organiser's runtime (``attach`` gives it the parts it
    sets): it stops the tunnel when the organiser stops."""

    name = "public address"

    def __init__(
        self,
        *,
        which: Callable[[str], str | None] = shutil.which,
        ngrok_api: str = NGROK_API,
    ) -> None:
        self._which, self._ngrok_api = which, ngrok_api
        self._auth: SignatureTarget | None = None
        self._listener_url: Callable[[], str] | None = None
        self._gateway: Gateway | None = None
        self._registrar: WebhookRegistrar | None = None
        self._source: Source = "none"
        self._tunnel: Tunnel | None = None
        self._webhook: WebhookState | None = None  # set once the Setup screen registers
        self._up = False

    def attach(
        self,
        *,
        auth: SignatureTarget,
        listener_url: Callable[[], str],
        gateway: Gateway,
        registrar: WebhookRegistrar | None,
    ) -> None:
        """The running organiser's parts (built before they start)."""
        self._auth, self._listener_url = auth, listener_url
        self._gateway, self._registrar = gateway, registrar
        if auth.public_url and self._twilio is not None:
            self._source = "start"

    async def start(self) -> None:
        self._up = True

    async def stop(self) -> None:
        self._up = False
        if self._tunnel is not None:
            await self._tunnel.stop()

    # -- reading ---------------------------------------------------------------------------------
    @property
    def _twilio(self) -> TwilioGateway | None:
        gateway = self._gateway
        return gateway if isinstance(gateway, TwilioGateway) else None

    @property
    def url(self) -> str | None:
        return self._auth.public_url if self._auth is not None and self._twilio else None

    async def state(self) -> AddressState:
        tool = find_tool(self._which)
        tunnel = self._tunnel
        running = tunnel is not None and tunnel.running
        if running and tunnel is not None:
            tunnel_text = f"{tunnel.tool.name} tunnel running (pid {tunnel.pid})"
        else:
            tunnel_text = (tunnel.exit_text() or "") if self._source == "tunnel" and tunnel else ""
        kind = "twilio" if self._twilio else (self._gateway.name if self._gateway else "")
        return AddressState(
            url=self.url,
            source=self._source,
            needed=self._twilio is not None,
            not_needed=NOT_NEEDED.get(kind, "") if self._twilio is None else "",
            tool=tool.name if tool else None,
            how_to_get=how_to_get(),
            tunnel_running=running,
            tunnel_text=tunnel_text,
            webhook=self.webhook_state(),
            servers_up=self._up,
        )

    def webhook_state(self) -> WebhookState:
        if self._twilio is None:
            return WebhookState(None, "", needed=False)
        if self._webhook is not None:
            return self._webhook
        registrar = self._registrar
        if registrar is not None and registrar.ok is not None:  # start-up's registration
            said = mask_phones_in(registrar.status_line or "")
            return WebhookState(registrar.ok, f"{'✓' if registrar.ok else '✕'} At start: {said}")
        if registrar is not None:
            return WebhookState(None, "Registering…")
        return WebhookState(None, NO_ADDRESS if self.url is None else "Not registered yet")

    async def webhook(self) -> WebhookState:
        return self.webhook_state()

    # -- acting ----------------------------------------------------------------------------------
    async def set_url(self, typed: str) -> AddressState:
        """The address typed in (blank clears it). Raises ``ValidationError`` naming
        ``public_url`` when it is not an http(s) address."""
        url = typed.strip().rstrip("/") or None
        if url is not None:
            parts = urlsplit(url)
            if parts.scheme not in ("https", "http") or not parts.netloc or " " in url:
                raise ValidationError(
                    f"“{url}” is not a web address: it starts with https://",
                    field="public_url",
                )
        self._use(url, "typed" if url else "none")
        return await self.state()

    async def start_tunnel(self) -> AddressState:
        if self._twilio is None or self._listener_url is None or not self._up:
            raise KnownError("The SMS webhook is not running with Twilio: no tunnel is needed")
        if self._tunnel is not None and self._tunnel.running:
            return await self.state()
        tool = find_tool(self._which)
        if tool is None:
            raise TunnelError(
                "Neither cloudflared nor ngrok is installed",
                hint="\n".join(how_to_get()),
            )
        port = urlsplit(self._listener_url()).port
        assert port is not None, "the webhook listener is started"
        self._tunnel = Tunnel(tool, ngrok_api=self._ngrok_api)
        url = await self._tunnel.start(port)
        if not self._up:  # the organiser stopped while the tunnel came up
            await self._tunnel.stop()
            raise KnownError("Expresso is shutting down")
        self._use(url, "tunnel")
        return await self.state()

    async def stop_tunnel(self) -> AddressState:
        if self._tunnel is not None:
            await self._tunnel.stop()
            self._tunnel = None
        if self._source == "tunnel":  # that address answers no more
            self._use(None, "none")
        return await self.state()

    async def register(self) -> AddressState:
        """Point the number's webhooks here; the outcome, success or refusal, in words."""
        twilio = self._twilio
        if twilio is None:
            raise KnownError("Twilio is not the SMS gateway: there is no webhook to register")
        url = self.url
        if url is None:
            self._webhook = WebhookState(False, NO_ADDRESS)
            return await self.state()
        await twilio.start()  # idempotent: opens its HTTP session if the sender has not yet
        try:
            done = await twilio.register_webhooks(url)
        except WebhookError as exc:
            log.warning("registering the Twilio webhook failed: %s", exc.message)
            self._webhook = WebhookState(False, f"✕ Twilio refused: {mask_phones_in(exc.message)}")
        else:
            at = datetime.now().astimezone().strftime("%H:%M")
            self._webhook = WebhookState(
                True, f"✓ Registered {done.sms_url} on {mask_phone(done.number)} at {at}"
            )
        return await self.state()

    def _use(self, url: str | None, source: Source) -> None:
        previous = self.url
        if self._auth is None or self._twilio is None:
            raise KnownError("The SMS webhook is not running with Twilio: no address is needed")
        self._auth.public_url = url
        self._twilio.public_url = url  # delivery reports come to the same address
        self._source = source
        if url != previous:
            if self.webhook_state().registered:  # Twilio still posts to the old address
                self._webhook = WebhookState(
                    False, "The address changed: register the webhook again"
                )
            elif self._webhook is not None:  # an earlier refusal: start afresh
                self._webhook = None
        log.info("public address now %s (%s)", url or "none", source)
