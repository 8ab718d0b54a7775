"""The organiser's LAN API (HTTPS only): ``create_lan_app(services, lan)``.

Two middlewares: errors (every refusal is a JSON ``Problem``; input never causes a 500) and
auth (a Bearer device token on every route but ``/pair``; its role must hold the route's
permission). Routes come from the ``api_*`` modules, each declaring its operations once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from expresso_desktop.core.errors import DomainError, ValidationError
from expresso_desktop.core.staff import allowed
from expresso_desktop.server import (
    api_chat,
    api_devices,
    api_groups,
    api_inventory,
    api_messages,
    api_orders,
    api_schedules,
    api_settings,
    api_staff,
    api_stations,
    api_ws,
)
from expresso_desktop.server.api_base import DEVICE_KEY, SERVICES, Api, op_of
from expresso_desktop.server.api_devices import GUARD, LAN_INFO, LanInfo
from expresso_desktop.server.live import hub_context
from expresso_desktop.services import devices
from expresso_desktop.services.organiser import OrganiserServices
from expresso_desktop.store.engine import read_session
from expresso_desktop.store.errors import StoreError

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

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
    api_chat.api,
    api_ws.api,
)
_STATUS = {"not_found": 404, "forbidden": 403, "pairing_refused": 403}
_KEEP_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate")


def problem(status: int, error: str, message: str, **extra: object) -> web.Response:
    body = {"error": error, "message": message, **{k: v for k, v in extra.items() if v}}
    return web.json_response(body, status=status)


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.content_type == "application/json" or exc.status < 400:
            raise
        name = exc.reason.lower().replace(" ", "_") if exc.reason else "http_error"
        response = problem(exc.status, name, exc.reason or "error")
        for header in _KEEP_HEADERS:
            if header in exc.headers:
                response.headers[header] = exc.headers[header]
        return response
    except ValidationError as exc:
        return problem(
            422, exc.code, exc.reason, field=exc.field, reasons=getattr(exc, "reasons", None)
        )
    except DomainError as exc:
        return problem(_STATUS.get(exc.code, 409), exc.code, exc.reason)
    except StoreError as exc:
        log.error("database problem serving %s: %s", request.path, exc)
        return problem(503, "unavailable", "the event database is busy; try again")
    except Exception:
        log.exception("unhandled error serving %s %s", request.method, request.path)
        return problem(500, "internal", "unexpected server error; see the organiser log")


def _bearer(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return None


@web.middleware
async def auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    op = op_of(request)
    if op is not None and op.public:
        return await handler(request)
    token = _bearer(request)
    device = None
    if token is not None:
        engine = request.app[SERVICES].engine

        def lookup() -> devices.DeviceInfo | None:
            with read_session(engine) as session:
                return devices.authenticate(token, session=session)

        device = await asyncio.to_thread(lookup)
    if device is None:
        response = problem(401, "unauthorized", "a valid device token is required")
        response.headers["WWW-Authenticate"] = 'Bearer realm="expresso"'
        return response
    request[DEVICE_KEY] = device
    if op is not None and (op.permission is None or not allowed(device.role, op.permission)):
        return problem(403, "forbidden", f"a {device.role} device may not do this")
    return await handler(request)


def create_lan_app(
    services: OrganiserServices, lan: LanInfo, *, guard: devices.PairingGuard | None = None
) -> web.Application:
    app = web.Application(
        middlewares=[error_middleware, auth_middleware], client_max_size=256 * 1024
    )
    app[SERVICES] = services
    app[LAN_INFO] = lan
    app[GUARD] = guard or devices.PairingGuard()
    for api in APIS:
        app.add_routes(api.routes)
    app.cleanup_ctx.append(hub_context)
    return app
