"""The organiser's aiohttp application factory: typed app state, one route table, one error
middleware. Issues for the SMS webhook and the LAN API add their routes here."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web
from sqlalchemy import text

from expresso_desktop import __version__
from expresso_desktop.core.errors import DomainError, ValidationError
from expresso_desktop.server import webhook as sms_webhook
from expresso_desktop.server.webhook import WebhookAuth
from expresso_desktop.services.organiser import OrganiserServices

log = logging.getLogger(__name__)


SERVICES = web.AppKey("services", OrganiserServices)
routes = web.RouteTableDef()

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Domain refusals become 4xx JSON; anything unexpected is logged and answered 500 without
    leaking internals."""
    try:
        return await handler(request)
    except web.HTTPException:
        raise
    except ValidationError as exc:
        return web.json_response(
            {"error": exc.code, "message": exc.reason, "field": exc.field}, status=422
        )
    except DomainError as exc:
        return web.json_response({"error": exc.code, "message": exc.reason}, status=409)
    except Exception:
        log.exception("unhandled error serving %s %s", request.method, request.path)
        return web.json_response(
            {"error": "internal", "message": "unexpected server error; see the organiser log"},
            status=500,
        )


@routes.get("/health")
async def health(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    with services.engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    return web.json_response({"status": "ok", "version": __version__})


def create_app(
    services: OrganiserServices, *, webhook: WebhookAuth | None = None
) -> web.Application:
    """The webhook listener's app: ``/health`` and Twilio's ``/sms`` + ``/sms/status`` only
    (it may face the internet through a tunnel). Without ``webhook`` auth every SMS request is
    refused (403)."""
    app = web.Application(middlewares=[error_middleware], client_max_size=64 * 1024)
    app[SERVICES] = services
    app.add_routes(routes)
    app.add_routes(sms_webhook.routes)
    sms_webhook.install(app, services, webhook)
    return app
