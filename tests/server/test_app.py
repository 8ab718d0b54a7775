"""The one app factory (``server/app.py``): both listeners share the services key and one error
middleware; the webhook listener serves its three routes only; the LAN app carries the sync
routes from the start; ``/health`` never blocks the loop."""

from __future__ import annotations

import asyncio
import importlib
import logging
import pkgutil
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from expresso_desktop import __version__, server
from expresso_desktop.core.errors import DomainError, IllegalTransition, ValidationError
from expresso_desktop.server import api_sync
from expresso_desktop.server import app as app_module
from expresso_desktop.server.api_base import PREFIX, Forbidden, NotFound
from expresso_desktop.server.api_devices import LanInfo
from expresso_desktop.server.app import APIS, create_lan_app, create_webhook_app
from expresso_desktop.server.keys import SERVICES
from expresso_desktop.services.orders import OrderNotFound
from expresso_desktop.services.organiser import OrganiserServices
from expresso_desktop.services.writer import Tx
from expresso_desktop.store.errors import StoreError

from .lan_helpers import token_for

LAN = LanInfo("https://127.0.0.1:8443", ":".join(["AB"] * 32))
ClientFactory = Callable[..., Any]

# Each kind of exception a handler may raise → the status and error code everyone answers.
RAISED: dict[str, tuple[Exception, int, str]] = {
    "validation": (ValidationError("size must be small", field="items[0].size"), 422, "invalid"),
    "not-found": (OrderNotFound("no order 7"), 404, "not_found"),
    "not-found-api": (NotFound("no such device"), 404, "not_found"),
    "forbidden": (Forbidden("not your station"), 403, "forbidden"),
    "refused": (IllegalTransition("already collected"), 409, "illegal_transition"),
    "domain": (DomainError("no", code="stale"), 409, "stale"),
    "store": (StoreError(Path("/x/organiser.db"), "disk I/O error at /x"), 503, "unavailable"),
    "bug": (RuntimeError("secret internals /home/x"), 500, "internal"),
}


def _raiser(exc: Exception) -> Callable[[web.Request], Any]:
    async def handler(request: web.Request) -> web.Response:
        raise exc

    return handler


def _with_raisers(app: web.Application) -> web.Application:
    for name, (exc, _, _) in RAISED.items():
        app.router.add_get(f"/raise/{name}", _raiser(exc))
    return app


@pytest.fixture(params=["webhook", "lan"])
async def listener(
    request: pytest.FixtureRequest, services: OrganiserServices, aiohttp_client: ClientFactory
) -> tuple[TestClient, dict[str, str]]:
    """Either listener, built by the factory, with routes that raise each kind of error."""
    if request.param == "webhook":
        return await aiohttp_client(_with_raisers(create_webhook_app(services))), {}
    client = await aiohttp_client(_with_raisers(create_lan_app(services, LAN)))
    token = token_for(services, "organiser").token
    return client, {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("name", sorted(RAISED))
async def test_one_error_middleware_answers_every_listener_alike(
    listener: tuple[TestClient, dict[str, str]], name: str, caplog: pytest.LogCaptureFixture
) -> None:
    client, headers = listener
    exc, status, code = RAISED[name]
    with caplog.at_level(logging.ERROR, logger="expresso_desktop.server.errors"):
        resp = await client.get(f"/raise/{name}", headers=headers)
    body = await resp.json()
    assert (resp.status, resp.content_type) == (status, "application/json")
    assert body["error"] == code
    if isinstance(exc, DomainError):
        assert body["message"] == exc.reason
    if isinstance(exc, ValidationError):
        assert body["field"] == "items[0].size"
    else:
        assert "field" not in body
    if name == "bug":  # logged with its traceback, never shown to the client
        assert "secret" not in await resp.text()
        assert any(r.exc_info for r in caplog.records)
    if name == "store":
        assert "/x" not in body["message"]


async def test_an_unknown_route_is_a_json_404_on_both(
    listener: tuple[TestClient, dict[str, str]],
) -> None:
    client, headers = listener
    resp = await client.get("/no/such/route", headers=headers)
    assert resp.status == 404
    assert (await resp.json())["error"] == "not_found"


async def test_both_listeners_carry_the_services_under_one_key(
    services: OrganiserServices,
) -> None:
    assert create_webhook_app(services)[SERVICES] is services
    assert create_lan_app(services, LAN)[SERVICES] is services
    keys = set()
    for info in pkgutil.iter_modules(server.__path__, server.__name__ + "."):
        module = importlib.import_module(info.name)
        keys |= {
            id(value)
            for value in vars(module).values()
            if isinstance(value, web.AppKey) and getattr(value, "_t", None) is OrganiserServices
        }
    assert keys == {id(SERVICES)}


def _routes(app: web.Application) -> set[tuple[str, str]]:
    return {
        (route.method, route.resource.canonical)
        for route in app.router.routes()
        if route.resource is not None and route.method != "HEAD"
    }


def test_the_webhook_listener_exposes_only_its_four_routes(services: OrganiserServices) -> None:
    assert _routes(create_webhook_app(services)) == {
        ("GET", "/health"),
        ("POST", "/sms"),
        ("POST", "/sms/status"),
        ("POST", "/android/webhook"),  # the phone's, refused without its signing key
    }


def test_the_lan_app_has_the_declared_operations_and_nothing_else(
    services: OrganiserServices,
) -> None:
    declared = {(op.method, PREFIX + op.path) for api in APIS for op in api.ops}
    public = {("POST", "/android/webhook"), ("GET", "/ca.crt")}  # the phone's, self-checked
    assert _routes(create_lan_app(services, LAN)) == declared | public
    assert ("GET", "/health") not in declared  # the LAN answers behind its auth only


async def test_sync_routes_are_part_of_the_lan_app_from_the_start(
    services: OrganiserServices, aiohttp_client: ClientFactory
) -> None:
    assert api_sync.api in APIS
    assert not hasattr(api_sync, "install")
    app = create_lan_app(services, LAN)
    paths = {path for _, path in _routes(app)}
    for name in ("hello", "push", "pull", "snapshot", "ws"):
        assert f"{PREFIX}/sync/{name}" in paths
    client = await aiohttp_client(app)
    # Its state is opened in cleanup_ctx: the organiser's one SyncServer.
    assert client.app[api_sync.SYNC] is services.sync
    assert (await client.post(f"{PREFIX}/sync/hello", json={})).status == 401  # behind auth
    token = token_for(services, "organiser").token
    resp = await client.post(
        f"{PREFIX}/sync/hello", json=[], headers={"Authorization": f"Bearer {token}"}
    )
    assert resp.status == 422 and (await resp.json())["field"] == "body"  # the handler ran


async def test_health_answers_while_the_writer_holds_a_write_transaction(
    services: OrganiserServices, aiohttp_client: ClientFactory
) -> None:
    client = await aiohttp_client(create_webhook_app(services))
    inside, release = threading.Event(), threading.Event()

    def hold(tx: Tx) -> None:  # BEGIN IMMEDIATE: the write lock is ours until we return
        inside.set()
        release.wait(30)

    held = asyncio.ensure_future(services.writer.run(hold))
    try:
        assert await asyncio.to_thread(inside.wait, 10)
        resp = await client.get("/health")
        assert resp.status == 200
        assert await resp.json() == {"status": "ok", "version": __version__}
        assert not held.done()  # answered while the writer was still busy
    finally:
        release.set()
        await held


async def test_health_waits_for_the_database_off_the_loop(
    services: OrganiserServices, aiohttp_client: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A stalled database probe delays /health only: the loop keeps serving other requests."""
    probing, release = threading.Event(), threading.Event()
    real_ping = app_module._ping

    def stalled_ping(engine: Any) -> None:
        probing.set()
        release.wait(30)  # bounded: on the loop, this would stall the test, not hang it
        real_ping(engine)

    monkeypatch.setattr(app_module, "_ping", stalled_ping)
    client = await aiohttp_client(create_webhook_app(services))
    health = asyncio.ensure_future(client.get("/health"))
    try:
        assert await asyncio.to_thread(probing.wait, 10)
        other = await client.get("/sms")  # served meanwhile (405: POST only)
        assert other.status == 405 and not health.done()
    finally:
        release.set()
    resp = await health
    assert resp.status == 200
