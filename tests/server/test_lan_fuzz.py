"""Fuzzing every documented operation with arbitrary JSON: never a 5xx, always a documented
answer (hypothesis; the seed is printed on failure)."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .conftest import Lan
from .lan_helpers import spec

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**53), 2**53)
    | st.floats(allow_nan=False)
    | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)
IDS = st.sampled_from(["1", "2", "999", "0", "-1", "abc", "ORDER"])


def _operations() -> list[tuple[str, str, dict[str, Any]]]:
    out = []
    for path, ops in spec()["paths"].items():
        for method, op in ops.items():
            if path.endswith("/ws") or path.endswith("/revoke"):
                continue  # a socket upgrade; revoking the fuzzer's own token ends the run
            out.append((method.upper(), path, op))
    return out


def _body(op: dict[str, Any]) -> st.SearchStrategy[Any]:
    if "requestBody" not in op:
        return st.none()
    schema = op["requestBody"]["content"]["application/json"]["schema"]
    name = schema.get("$ref", "").rsplit("/", 1)[-1]
    props = spec()["components"]["schemas"].get(name, {}).get("properties", {})
    ints = st.sampled_from([0, 1, 2, 999, -1])
    shaped = st.fixed_dictionaries({}, optional={k: JSON | ints for k in props})
    return shaped | JSON


@st.composite
def calls(draw: st.DrawFn) -> tuple[str, str, Any]:
    method, path, op = draw(st.sampled_from(_operations()))
    concrete = re.sub(r"{\w+}", lambda _: draw(IDS), path)
    query = ""
    for param in op.get("parameters", []):
        if param["in"] == "query" and draw(st.booleans()):
            query += f"&{param['name']}={draw(st.text(max_size=8) | IDS)}"
    return method, concrete + ("?" + query[1:] if query else ""), draw(_body(op))


async def test_no_input_makes_a_5xx(lan: Lan) -> None:
    loop = asyncio.get_running_loop()
    order = await lan.organiser.ok(
        "POST", "/orders", {"items": [{"drink": "latte"}], "station_id": lan.station_ids[0]}, 201
    )

    @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
    @given(call=calls(), who=st.sampled_from(["organiser", "barista"]))
    def fuzz(call: tuple[str, str, Any], who: str) -> None:
        method, path, body = call
        path = path.replace("/ORDER", f"/{order['id']}")
        api = lan.organiser if who == "organiser" else lan.barista
        # lan_helpers validates every answer against the document (status and shape).
        future = asyncio.run_coroutine_threadsafe(
            api.call(method, path.removeprefix("/api/v1"), body), loop
        )
        status, answer = future.result(timeout=30)
        assert status < 500, (method, path, body, answer)

    await asyncio.to_thread(fuzz)
