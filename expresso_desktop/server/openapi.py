"""The LAN API's OpenAPI 3.1 document, built from the declared operations.

``expresso_desktop/resources/openapi.json`` is this document, checked in so people and tools
can read it without running anything; a test fails when the file and the code disagree.
Regenerate it with
``python -m expresso_desktop.server.openapi --write``.
"""

from __future__ import annotations

import argparse
import json
import re
from typing import Any

import pydantic

from expresso_desktop import __version__
from expresso_desktop.core.resources import resource_path
from expresso_desktop.server.api_base import INT64_MAX, PREFIX, STRING_PARAMS, Op
from expresso_desktop.server.schemas import Problem
from expresso_desktop.server.sync_schemas import RAW_DOCS, RawDoc

SPEC_FILE = "openapi.json"
_REF = "#/components/schemas/{model}"
_REASONS = {
    400: "Malformed request (not JSON)",
    401: "No valid device token",
    403: "The device's role or station may not do this",
    404: "No such resource",
    409: "Refused by a business rule (e.g. an illegal order transition)",
    422: "Invalid input; `field` names the offending field",
    429: "Too many failed attempts; see Retry-After",
    503: "The event database is busy, or the request must wait; retry after Retry-After",
}
_ID_SCHEMA = {"type": "integer", "minimum": 1, "maximum": INT64_MAX}


def _schema(tp: Any, components: dict[str, Any], mode: str) -> dict[str, Any]:
    schema = pydantic.TypeAdapter(tp).json_schema(ref_template=_REF, mode=mode)  # type: ignore[arg-type]
    components.update(schema.pop("$defs", {}))
    if "title" in schema and "$ref" not in schema and schema.get("type") == "object":
        # A top-level model: keep it under components so the answers can $ref it.
        name = schema["title"]
        components[name] = schema
        return {"$ref": _REF.format(model=name)}
    return schema


def _operation(op: Op, components: dict[str, Any]) -> dict[str, Any]:
    raw = RAW_DOCS.get((op.method, op.path), RawDoc()) if op.raw == "application/json" else None
    body = raw.body if raw is not None else op.body
    query_model = raw.query if raw is not None else op.query
    path_params = re.findall(r"{(\w+)}", op.path)
    params: list[dict[str, Any]] = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": {"type": "string"} if name in STRING_PARAMS else dict(_ID_SCHEMA),
        }
        for name in path_params
    ]
    if query_model is not None:
        query = query_model.model_json_schema(ref_template=_REF)
        for name, prop in query.get("properties", {}).items():
            prop = {k: v for k, v in prop.items() if k != "title"}
            params.append(
                {
                    "name": name,
                    "in": "query",
                    "required": name in query.get("required", []),
                    "schema": prop,
                }
            )
    out: dict[str, Any] = {
        "operationId": f"{op.method.lower()}{re.sub(r'[^A-Za-z0-9]+', '_', op.path)}".rstrip("_"),
        "summary": op.summary,
        "tags": [op.tag],
        "x-permission": op.permission.value if op.permission else None,
    }
    if params:
        out["parameters"] = params
    out["security"] = [] if op.public else [{"deviceToken": []}]
    if body is not None:
        out["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _schema(body, components, "validation")}},
        }
    response = raw.response if raw is not None else op.response
    responses: dict[str, Any] = {}
    if op.raw == "websocket":
        responses["101"] = {
            "description": "WebSocket: JSON events {type, version, entity, id, data}"
        }
    elif response is None:
        responses[str(op.status)] = {"description": "Done"}
    else:
        schema = _schema(response, components, "serialization")
        responses[str(op.status)] = {
            "description": "OK",
            "content": {"application/json": {"schema": schema}},
        }
    answers = raw.answers if raw is not None else {}
    errors = set(op.errors) | set(answers) | {503}  # 503: the database is busy, anywhere
    if not op.public:
        errors |= {401, 403}
    if body is not None:
        errors |= {400, 422}
    if query_model is not None:
        errors |= {422}
    problem = {"$ref": _REF.format(model="Problem")}
    for status in sorted(errors):
        schema = problem
        if status in answers:
            answer = _schema(answers[status], components, "serialization")
            # The middlewares answer these with a Problem too (a refused role, a busy database).
            schema = {"anyOf": [answer, problem]} if status in (403, 429, 503) else answer
        responses[str(status)] = {
            "description": _REASONS[status],
            "content": {"application/json": {"schema": schema}},
        }
    out["responses"] = responses
    return out


def build_spec(ops: list[Op] | None = None) -> dict[str, Any]:
    if ops is None:
        from expresso_desktop.server.app import APIS

        ops = [op for api in APIS for op in api.ops]
    components: dict[str, Any] = {}
    _schema(Problem, components, "serialization")
    paths: dict[str, dict[str, Any]] = {}
    for op in ops:
        paths.setdefault(PREFIX + op.path, {})[op.method.lower()] = _operation(op, components)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Expresso organiser LAN API",
            "version": __version__,
            "description": "HTTPS only, with the organiser's self-signed certificate: pin its "
            "SHA-256 fingerprint (from pairing or the mDNS TXT record). Every route but "
            "/api/v1/pair needs 'Authorization: Bearer <device token>'.",
        },
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": dict(sorted(components.items())),
            "securitySchemes": {"deviceToken": {"type": "http", "scheme": "bearer"}},
        },
    }


def render() -> str:
    return json.dumps(build_spec(), indent=1, sort_keys=False) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--write", action="store_true", help=f"write expresso_desktop/resources/{SPEC_FILE}"
    )
    args = parser.parse_args()
    if args.write:
        resource_path(SPEC_FILE).write_text(render(), encoding="utf-8")
    else:
        print(render(), end="")


if __name__ == "__main__":
    main()
