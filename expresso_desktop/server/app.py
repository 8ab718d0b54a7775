"""The organiser's aiohttp application factory: both listeners are built here, over one builder
with the same typed state (``keys.SERVICES``) and the same error middleware (``errors.py``).

- ``create_webhook_app(services, webhook=auth)``: ``/health``, ``POST /sms`` and
  ``POST /sms/status`` (Twilio) and ``POST /android/webhook`` (the phone) only, since it may face
  the internet through a tunnel. Without ``webhook``
  auth every SMS request is refused (403).
- ``create_lan_app(services, lan)``: the HTTPS LAN API: every operation declared by the
  ``api_*`` modules in ``APIS`` (station sync included), behind the device-token auth
  middleware. Each feature's state is opened in ``cleanup_ctx`` (``CONTEXTS``). Two public
  routes beside ``/pair``: ``POST /android/webhook`` (the phone's webhooks, the same handler and
  signature check as on the webhook listener: the app calls only ``https://``, so on a LAN with
  no internet this is where a real phone reaches us) and ``GET /ca.crt`` (the local CA the
  phone must trust, see ``tls.py``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Iterable, Sequence

from aiohttp import web
from aiohttp.typedefs import Middleware
from sqlalchemy import Engine, text

from expresso_desktop import __version__
from expresso_desktop.core.staff import allowed
from expresso_desktop.server import (
    android_webhook,
    api_chat,
    api_devices,
    api_groups,
    api_inventory,
    api_messages,
    api_orders,
    api_privacy,
    api_schedules,
    api_settings,
    api_staff,
    api_stations,
    api_sync,
    api_ws,
)
from expresso_desktop.server import webhook as sms_webhook
from expresso_desktop.server.android_webhook import ANDROID_AUTH, AndroidWebhookAuth
from expresso_desktop.server.api_base import DEVICE_KEY, Api, op_of
from expresso_desktop.server.api_devices import GUARD, LAN_INFO, LanInfo
from expresso_desktop.server.errors import Handler, error_middleware, problem
from expresso_desktop.server.keys import SERVICES
from expresso_desktop.server.live import HUB, hub_context
from expresso_desktop.server.webhook import WEBHOOK_AUTH, WebhookAuth
from expresso_desktop.services import devices
from expresso_desktop.services.organiser import OrganiserServices
from expresso_desktop.store.engine import read_session

log = logging.getLogger(__name__)

CleanupContext = Callable[[web.Application], AsyncIterator[None]]

# The LAN API: every declared operation, and the state its features open while it runs.
APIS: tuple[Api, ...] = (
    api_devices.api,
    api_orders.api,
    api_groups.api,
    api_stations.api,
    api_inventory.api,
    api_schedules.api,
    api_staff.api,
    api_settings.api,
    api_messages.api,
    api_privacy.api,
    api_chat.api,
    api_ws.api,
    api_sync.api,
)
LAN_CONTEXTS: tuple[CleanupContext, ...] = (hub_context, api_sync.sync_context)

WEBHOOK_MAX_BODY = 64 * 1024  # a Twilio form is a few hundred bytes
LAN_MAX_BODY = 256 * 1024  # a station's push: 100 mutations

health_routes = web.RouteTableDef()
ca_routes = web.RouteTableDef()
CA_CERT = web.AppKey("ca_cert", bytes)  # DER
CA_CONTENT_TYPE = "application/x-x509-ca-cert"
# LAN routes that need no device token: each authenticates (or is public data) by itself.
PUBLIC_LAN_PATHS = frozenset({"/android/webhook", "/ca.crt"})


def create_webhook_app(
    services: OrganiserServices,
    *,
    webhook: WebhookAuth | None = None,
    android: AndroidWebhookAuth | None = None,
) -> web.Application:
    """The webhook listener's app (see the module docstring). ``android``: the phone's signing
    key, for ``POST /android/webhook`` (refused without it)."""
    app = _build(
        services,
        routes=(health_routes, sms_webhook.routes, android_webhook.routes),
        contexts=(sms_webhook.webhook_context,),
        client_max_size=WEBHOOK_MAX_BODY,
    )
    if webhook is not None:
        app[WEBHOOK_AUTH] = webhook
    if android is not None:
        app[ANDROID_AUTH] = android
    return app


def create_lan_app(
    services: OrganiserServices,
    lan: LanInfo,
    *,
    guard: devices.PairingGuard | None = None,
    android: AndroidWebhookAuth | None = None,
    ca_der: bytes | None = None,
) -> web.Application:
    """The LAN API's app (see the module docstring); ``lan`` is what pairing hands out.
    ``android``: the phone's signing key (share the webhook listener's, so a signature used on
    one is refused on the other); without it ``/android/webhook`` is refused (403), as there.
    ``ca_der``: the local CA for ``/ca.crt`` (404 without)."""
    contexts = LAN_CONTEXTS
    if android is not None:  # the inbound queue and conversation the phone's texts go to
        contexts = (*contexts, sms_webhook.webhook_context)
    app = _build(
        services,
        routes=[*(api.routes for api in APIS), android_webhook.routes, ca_routes],
        contexts=contexts,
        client_max_size=LAN_MAX_BODY,
        middlewares=(auth_middleware,),
    )
    app[LAN_INFO] = lan
    app[GUARD] = guard or devices.PairingGuard()
    if android is not None:
        app[ANDROID_AUTH] = android
    if ca_der is not None:
        app[CA_CERT] = ca_der
    return app


@ca_routes.get("/ca.crt")
async def ca_certificate(request: web.Request) -> web.Response:
    """The local CA's certificate (DER), for the phone's "Install a certificate → CA
    certificate". Public: it is what any client would see in the TLS handshake anyway."""
    der = request.app.get(CA_CERT)
    if der is None:
        raise web.HTTPNotFound(text="no local CA (an old self-signed LAN certificate)")
    return web.Response(
        body=der,
        content_type=CA_CONTENT_TYPE,
        headers={"Content-Disposition": 'attachment; filename="expresso-ca.crt"'},
    )


def _build(
    services: OrganiserServices,
    *,
    routes: Iterable[web.RouteTableDef],
    contexts: Iterable[CleanupContext],
    client_max_size: int,
    middlewares: Sequence[Middleware] = (),
) -> web.Application:
    app = web.Application(
        middlewares=[error_middleware, *middlewares], client_max_size=client_max_size
    )
    app[SERVICES] = services
    for table in routes:
        app.add_routes(table)
    app.cleanup_ctx.extend(contexts)
    return app


@health_routes.get("/health")
async def health(request: web.Request) -> web.Response:
    """Alive, and the database answers. The probe runs in a worker thread: the loop keeps
    serving webhooks while it waits (a busy pool or disk must not stall Twilio's replies)."""
    await asyncio.to_thread(_ping, request.app[SERVICES].engine)
    return web.json_response({"status": "ok", "version": __version__})


def _ping(engine: Engine) -> None:
    # A read snapshot (deferred BEGIN): a plain ``engine.connect()`` begins IMMEDIATE on this
    # store, so it would queue behind whatever the writer is committing.
    with read_session(engine) as session:
        session.connection().execute(text("SELECT 1"))


def _public_path(request: web.Request) -> bool:
    resource = request.match_info.route.resource
    return resource is not None and resource.canonical in PUBLIC_LAN_PATHS


def _bearer(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return None


@web.middleware
async def auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """A Bearer device token on every LAN route but the public ones (``/pair``); its role must
    hold the route's permission. Remembered for a second at most (``devices.KnownTokens``) and
    forgotten whenever devices are written here, so revocation is immediate. Every
    authenticated request (sync and sockets included) counts as the device being seen."""
    op = op_of(request)
    if (op is not None and op.public) or _public_path(request):
        return await handler(request)
    token = _bearer(request)
    hub = request.app.get(HUB)
    device = None
    if token is not None:
        engine = request.app[SERVICES].engine
        known = hub.tokens if hub is not None else devices.KnownTokens(ttl_s=0)
        generation = known.generation

        def lookup() -> devices.DeviceInfo | None:
            with read_session(engine) as session:
                return devices.authenticate(token, session=session)

        device = known.get(token)  # remembered: no read, no thread hop (see KnownTokens)
        if device is None:
            device = await asyncio.to_thread(lookup)
            known.put(token, device, generation)
    if device is None:
        response = problem(401, "unauthorized", "a valid device token is required")
        response.headers["WWW-Authenticate"] = 'Bearer realm="expresso"'
        return response
    request[DEVICE_KEY] = device
    if hub is not None:
        hub.seen(device.id)  # last seen: throttled, written off this request's path
    if op is not None and (op.permission is None or not allowed(device.role, op.permission)):
        return problem(403, "forbidden", f"a {device.role} device may not do this")
    return await handler(request)
