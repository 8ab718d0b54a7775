"""The LAN API's building blocks: declared operations, the request context, body parsing.

Each operation is declared once with ``Api.op``: method, path, the permission it needs, the
pydantic models of its query, body and response. That one declaration drives the route table,
the auth middleware's role check and the OpenAPI document (``server/openapi.py``), so they cannot
drift apart. A handler gets a ``Ctx`` and returns a model (or a list of them); the wrapper
serialises it through the declared response type.

Input is checked here, at the edge, so that no request reaches the database with a value it
cannot store (a 500 for input is a bug): bodies are parsed in pydantic's strict mode (no
``true`` for a number, no ``0`` for a boolean, no ``"5"`` for an integer); whole numbers that
reach SQLite are bounded to its 64-bit range (``Id``, ``Int64``, and every ``{x_id}`` path
parameter); timestamps to years SQLite and the schedule arithmetic can hold (``Instant``);
names refuse control characters (``Name``: ``core.text``). Query strings are text, so their
numbers are parsed leniently, then bounded the same way.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Annotated, Any, TypeVar

import pydantic
from aiohttp import web
from pydantic import AfterValidator, AwareDatetime, Field

from expresso_desktop.core.actors import LAN_CLIENT, Actor
from expresso_desktop.core.errors import DomainError, ValidationError
from expresso_desktop.core.staff import Permission
from expresso_desktop.core.text import check_name
from expresso_desktop.server.keys import SERVICES
from expresso_desktop.services.devices import DeviceInfo
from expresso_desktop.services.organiser import OrganiserServices
from expresso_desktop.services.writer import Tx
from expresso_desktop.store.engine import read_session

PREFIX = "/api/v1"
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1  # what an SQLite INTEGER holds
STRING_PARAMS = frozenset({"order_id", "group_id"})  # every other {x_id} is a row id
FIRST_DAY, LAST_DAY = date(1970, 1, 1), date(2999, 12, 31)
DEVICE_KEY = web.RequestKey("expresso_device", DeviceInfo)
M = TypeVar("M", bound=pydantic.BaseModel)
T = TypeVar("T")


class Forbidden(DomainError):
    code = "forbidden"


class NotFound(DomainError):
    code = "not_found"


def in_range(value: Any) -> Any:
    day = value.astimezone(UTC).date() if isinstance(value, datetime) else value
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValueError(f"must fall between {FIRST_DAY} and {LAST_DAY}")
    return value


# Types for request fields (bodies and queries).
Id = Annotated[int, Field(ge=1, le=INT64_MAX, description="a row id")]
Int64 = Annotated[int, Field(ge=INT64_MIN, le=INT64_MAX)]
Version = Annotated[int, Field(ge=0, le=INT64_MAX)]
Name = Annotated[str, AfterValidator(check_name)]  # with its length: Annotated[Name, Field(...)]
Instant = Annotated[AwareDatetime, AfterValidator(in_range)]
Day = Annotated[date, AfterValidator(in_range)]


class Strict(pydantic.BaseModel):
    """A request body: unknown fields are refused (a typo is an error, not silently ignored),
    and JSON types are taken as they are (strict mode: ``true`` is not a number)."""

    model_config = pydantic.ConfigDict(
        extra="forbid", str_strip_whitespace=True, strict=True, allow_inf_nan=False
    )


def unset(**kwargs: Any) -> Any:
    """The default of a PATCH field that may be left out but not set to null (its column is
    NOT NULL): ``timezone: Zone = unset()``. Absent → ``None`` and dropped by
    ``model_dump(exclude_unset=True)``; an explicit ``null`` → 422 naming the field."""
    return Field(default=None, json_schema_extra=_not_required, **kwargs)


def _not_required(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


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

    @property
    def actor(self) -> Actor:
        """Who the order services see: this device's role and station (its token's)."""
        device = self.device
        return Actor(
            role=device.role,
            station_id=device.station_id,
            device_id=device.id,
            client_id=LAN_CLIENT,
            name=device.name,
        )

    def id_param(self, name: str) -> int:
        """A row id from the path; one SQLite cannot hold is no row's (404)."""
        try:
            value = int(self.request.match_info[name])
        except ValueError:
            value = 0
        if not 1 <= value <= INT64_MAX:
            raise NotFound(f"no such {name.removesuffix('_id')}")
        return value

    def str_param(self, name: str) -> str:
        return self.request.match_info[name]

    def require_station(self, station_id: int | None) -> None:
        """Baristas act on their own station only; organisers anywhere. (For stations, stock
        and texts; what may be done to an order is the order services' rulebook, given
        ``actor``.)"""
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
                    # Query values are text: numbers are parsed from it, then bounded.
                    ctx.query = validate(spec.query, dict(request.query), strict=False)
                if spec.body is not None:
                    data = await read_json(request)
                    ctx.body = validate(spec.body, data, raw=await request.read())
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
            self.routes.route(spec.method, PREFIX + route_path(path))(handler)
            self.ops.append(spec)
            return handler

        return decorate


def op_of(request: web.Request) -> Op | None:
    return getattr(request.match_info.handler, "__expresso_op__", None)


async def read_json(request: web.Request) -> Any:
    """The body as JSON; not JSON (or text no database can store: an escaped lone surrogate
    such as ``"\\ud800"``) → 400."""
    try:
        raw = await request.read()
        data = json.loads(raw) if raw else None
        if _SURROGATE_ESCAPE.search(raw) and _has_surrogate(data):
            raise ValueError("a string holds a lone UTF-16 surrogate")
        return data
    except (ValueError, RecursionError) as exc:  # JSONDecodeError, UnicodeDecodeError too
        raise web.HTTPBadRequest(
            text=json.dumps({"error": "bad_json", "message": f"body is not JSON: {exc}"}),
            content_type="application/json",
        ) from None


_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def _has_surrogate(data: Any) -> bool:
    if isinstance(data, str):
        return any("\ud800" <= c <= "\udfff" for c in data)
    if isinstance(data, dict):
        return any(_has_surrogate(k) or _has_surrogate(v) for k, v in data.items())
    if isinstance(data, list):
        return any(_has_surrogate(v) for v in data)
    return False


def route_path(path: str) -> str:
    """The route for a declared path: row-id parameters match digits only, so a literal
    segment (``/inventory/consume-order``) can never be taken for an id."""
    return re.sub(r"{(\w+)}", lambda m: m[0] if m[1] in STRING_PARAMS else f"{{{m[1]}:\\d+}}", path)


def validate(model: type[M], data: Any, *, raw: bytes | None = None, strict: bool = True) -> M:
    """Parse ``data`` into ``model`` (from ``raw``, the JSON text, when given: strict mode
    knows JSON's types); the first problem becomes a ``ValidationError`` naming its field
    (``items[0].drink``)."""
    if not isinstance(data, dict):
        raise ValidationError("expected a JSON object", field="body")
    try:
        if raw is not None:
            return model.model_validate_json(raw)
        return model.model_validate(data, strict=strict)
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
