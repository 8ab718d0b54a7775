"""The LAN API's building blocks: declared operations, the request context, body parsing.

Each operation is declared once with ``Api.op``: method, path, the permission it needs, the
pydantic models of its query, body and response. That one declaration drives the route table,
the auth middleware's role check and the OpenAPI document (``server/openapi.py``), so they cannot
drift apart. A handler gets a ``Ctx`` and returns a model (or a list of them); the wrapper
serialises it through the declared response type.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import pydantic
from aiohttp import web

from expresso_desktop.core.errors import DomainError, ValidationError
from expresso_desktop.core.staff import Permission
from expresso_desktop.server.keys import SERVICES
from expresso_desktop.services.devices import DeviceInfo
from expresso_desktop.services.organiser import OrganiserServices
from expresso_desktop.services.writer import Tx
from expresso_desktop.store.engine import read_session

PREFIX = "/api/v1"
DEVICE_KEY = web.RequestKey("expresso_device", DeviceInfo)
M = TypeVar("M", bound=pydantic.BaseModel)
T = TypeVar("T")


class Forbidden(DomainError):
    code = "forbidden"


class NotFound(DomainError):
    code = "not_found"


class Strict(pydantic.BaseModel):
    """A request body: unknown fields are refused (a typo is an error, not silently ignored)."""

    model_config = pydantic.ConfigDict(extra="forbid", str_strip_whitespace=True)


@dataclass(frozen=True)
class Op:
    method: str
    path: str  # under PREFIX, aiohttp syntax: /orders/{order_id}
    summary: str
    tag: str
    permission: Permission | None  # None with public=True: no token needed
    public: bool = False
    body: type[pydantic.BaseModel] | None = None
    query: type[pydantic.BaseModel] | None = None
    response: Any = None  # a model, list[model], or None (204); "raw" handlers set raw
    status: int = 200
    raw: str | None = None  # media type of a non-JSON answer (image/png, websocket)
    errors: tuple[int, ...] = ()


@dataclass
class Ctx:
    request: web.Request
    op: Op
    body: Any = None
    query: Any = None

    @property
    def services(self) -> OrganiserServices:
        return self.request.app[SERVICES]

    @property
    def device(self) -> DeviceInfo:
        device: DeviceInfo = self.request[DEVICE_KEY]
        return device

    @property
    def is_organiser(self) -> bool:
        return self.device.role == "organiser"

    def id_param(self, name: str) -> int:
        try:
            return int(self.request.match_info[name])
        except ValueError:
            raise NotFound(f"no such {name.removesuffix('_id')}") from None

    def str_param(self, name: str) -> str:
        return self.request.match_info[name]

    def require_station(self, station_id: int | None) -> None:
        """Baristas act on their own station only; organisers anywhere."""
        if self.is_organiser:
            return
        if station_id is None or station_id != self.device.station_id:
            raise Forbidden("this device may only act on its own station")

    async def read(self, fn: Callable[[Any], T]) -> T:
        """Run ``fn(session)`` on one read snapshot, off the event loop."""
        engine = self.services.engine

        def work() -> T:
            with read_session(engine) as session:
                return fn(session)

        return await asyncio.to_thread(work)

    async def write(self, fn: Callable[[Tx], T]) -> T:
        return await self.services.writer.run(fn)


Handler = Callable[[Ctx], Awaitable[Any]]


@dataclass
class Api:
    tag: str
    routes: web.RouteTableDef = field(default_factory=web.RouteTableDef)
    ops: list[Op] = field(default_factory=list)
    errors: tuple[int, ...] = ()  # refusals every operation of this API may answer

    def op(self, method: str, path: str, summary: str, **kwargs: Any) -> Callable[[Handler], Any]:
        kwargs["errors"] = tuple(sorted({*self.errors, *kwargs.get("errors", ())}))
        spec = Op(method.upper(), path, summary, self.tag, **kwargs)
        adapter = pydantic.TypeAdapter(spec.response) if spec.response is not None else None

        def decorate(fn: Handler) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
            async def handler(request: web.Request) -> web.StreamResponse:
                ctx = Ctx(request, spec)
                if spec.query is not None:
                    ctx.query = validate(spec.query, dict(request.query))
                if spec.body is not None:
                    ctx.body = validate(spec.body, await read_json(request))
                result = await fn(ctx)
                if spec.raw is not None:
                    assert isinstance(result, web.StreamResponse)
                    return result
                if adapter is None:
                    return web.Response(status=spec.status)
                return web.json_response(
                    adapter.dump_python(result, mode="json"), status=spec.status
                )

            handler.__expresso_op__ = spec  # type: ignore[attr-defined]
            handler.__name__ = fn.__name__
            self.routes.route(spec.method, PREFIX + path)(handler)
            self.ops.append(spec)
            return handler

        return decorate


def op_of(request: web.Request) -> Op | None:
    return getattr(request.match_info.handler, "__expresso_op__", None)


async def read_json(request: web.Request) -> Any:
    try:
        raw = await request.read()
        return json.loads(raw) if raw else None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise web.HTTPBadRequest(
            text=json.dumps({"error": "bad_json", "message": f"body is not JSON: {exc}"}),
            content_type="application/json",
        ) from None


def validate(model: type[M], data: Any) -> M:
    """Parse ``data`` into ``model``; the first problem becomes a ``ValidationError`` naming its
    field (``items[0].drink``)."""
    if not isinstance(data, dict):
        raise ValidationError("expected a JSON object", field="body")
    try:
        return model.model_validate(data)
    except pydantic.ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = field_path(first.get("loc", ()))
        raise ValidationError(f"{where or 'body'}: {first['msg']}", field=where or "body") from None


def field_path(loc: tuple[Any, ...] | list[Any]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out
