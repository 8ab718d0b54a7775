"""Shared pieces of the LAN API tests: a client that checks every answer against the OpenAPI
document, and device tokens for each role."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from typing import Any

import jsonschema
from aiohttp.test_utils import TestClient

from expresso_desktop.core.resources import resource_path
from expresso_desktop.services import devices
from expresso_desktop.services.organiser import OrganiserServices


@cache
def spec() -> dict[str, Any]:
    return json.loads(resource_path("openapi.json").read_text(encoding="utf-8"))


def operation(method: str, path: str) -> dict[str, Any] | None:
    for template, ops in spec()["paths"].items():
        pattern = "^" + re.sub(r"{\w+}", "[^/]+", template) + "$"
        if re.match(pattern, path) and method.lower() in ops:
            return ops[method.lower()]
    return None


def check_response(method: str, path: str, status: int, body: Any) -> None:
    """The answer must be one the document declares, in the declared shape."""
    op = operation(method, path)
    if op is None:
        assert status in (401, 404, 405), f"{method} {path} is not documented"
        if status != 405:
            jsonschema.validate(body, _with_components({"$ref": "#/components/schemas/Problem"}))
        return
    declared = op["responses"]
    assert str(status) in declared, f"{method} {path} answered {status}, not documented"
    content = declared[str(status)].get("content")
    if content is None:
        return
    schema = _with_components(content["application/json"]["schema"])
    jsonschema.Draft202012Validator(schema).validate(body)


def _with_components(schema: dict[str, Any]) -> dict[str, Any]:
    return {**schema, "components": spec()["components"]}


@dataclass
class Api:
    """Calls the LAN app as a device and validates every answer against the document."""

    client: TestClient
    token: str | None

    async def call(
        self, method: str, path: str, body: Any = None, *, raw: bytes | None = None
    ) -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        url = path if path.startswith("/api") else "/api/v1" + path
        kwargs: dict[str, Any] = {"headers": headers}
        if raw is not None:
            kwargs["data"] = raw
            headers["Content-Type"] = "application/json"
        elif body is not None:
            kwargs["json"] = body
        async with self.client.request(method, url, **kwargs) as resp:
            text = await resp.text()
            data = json.loads(text) if text else None
            check_response(method, url.split("?")[0], resp.status, data)
            return resp.status, data

    async def get(self, path: str) -> tuple[int, Any]:
        return await self.call("GET", path)

    async def post(self, path: str, body: Any = None) -> tuple[int, Any]:
        return await self.call("POST", path, body if body is not None else None)

    async def ok(self, method: str, path: str, body: Any = None, status: int = 200) -> Any:
        got, data = await self.call(method, path, body)
        assert got == status, (got, data)
        return data


def token_for(
    services: OrganiserServices, role: str, station_id: int | None = None, name: str = "test"
) -> devices.IssuedToken:
    return services.writer.run_sync(
        lambda tx: devices.add_device(
            session=tx.session, name=f"{name} {role}", role=role, station_id=station_id
        )
    )
