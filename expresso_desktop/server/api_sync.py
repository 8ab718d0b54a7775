"""/api/v1/sync/*: stations' hello, push, pull, snapshot and the poke WebSocket (sync.md 4.3).

The routes sit on the LAN app, behind its device-token auth and TLS. They decode requests into
``core.sync_protocol`` messages (a malformed one answers 422 naming the field) and encode the
answers; the work is ``services.sync.server.SyncServer``'s (blocking: run in a worker thread;
pushes then queue on the single writer; a pull within ``NEAR_HEAD`` changes of the head, the
page after a poke, is read on the loop). Refusals the engine acts on (``EpochMismatch``,
``ClientStateNotFound``, ``Gap``) answer 409, transient ones 503 with ``Retry-After``; the
JSON body says which.

Pokes: after every commit the WebSocket sends ``{"type": "poke", "head": N}`` — no data, the
station pulls. A slow station gets one poke with the newest head, never a backlog.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any, TypeVar

from aiohttp import WSMsgType, web

from expresso_desktop.core.staff import Permission
from expresso_desktop.core.sync_protocol import (
    CONFLICTS,
    REFUSED,
    RETRY_LATER,
    HelloRequest,
    PinCheckRequest,
    PinVerdict,
    Poke,
    PullRequest,
    PushRequest,
    SnapshotRequest,
)
from expresso_desktop.server.api_base import SERVICES, Api, Ctx, read_json
from expresso_desktop.server.live import CLOSE_GRACE_S, HUB
from expresso_desktop.services.changes import ChangeSet
from expresso_desktop.services.sync.context import Caller
from expresso_desktop.services.sync.server import ClientRefused, SyncServer

log = logging.getLogger(__name__)

# Bodies are decoded by hand (raw JSON answers): bad JSON is a 400, a malformed message a 422.
api = Api("sync", errors=(400, 422))
Req = TypeVar("Req")
T = TypeVar("T")
# A pull this close to the head (the page after a poke: a few changes) is read on the loop:
# under a millisecond of SQLite, where a worker thread's round trip costs more. Catch-ups,
# whose pages run to hundreds of changes, still go to a worker thread.
NEAR_HEAD = 32


class PokeHub:
    """Tells every connected station the newest head after each commit."""

    def __init__(self) -> None:
        self.sockets: dict[web.WebSocketResponse, asyncio.Event] = {}
        self.head = 0
        self._loop: asyncio.AbstractEventLoop | None = None

    def attach(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop

    def on_commit(self, changeset: ChangeSet) -> None:  # the writer thread
        head = changeset.head
        if head is None or self._loop is None:
            return
        with contextlib.suppress(RuntimeError):  # loop closing: nobody left to poke
            self._loop.call_soon_threadsafe(self._poke, head)

    def _poke(self, head: int) -> None:
        self.head = max(self.head, head)
        for wake in self.sockets.values():
            wake.set()


SYNC = web.AppKey("sync_server", SyncServer)
POKES = web.AppKey("sync_pokes", PokeHub)


async def sync_context(app: web.Application) -> AsyncIterator[None]:
    """The LAN app's sync state (``server/app.py`` lists it with the routes): the organiser's
    one SyncServer and the poke hub, subscribed to the change bus while the app runs."""
    services = app[SERVICES]
    app[SYNC] = services.sync
    hub = PokeHub()
    hub.attach(asyncio.get_running_loop())
    app[POKES] = hub
    unsubscribe = services.bus.subscribe(hub.on_commit)
    hub.head = max(hub.head, (await asyncio.to_thread(services.sync.hello_info)).head)
    yield
    unsubscribe()
    # Bounded, and never a second close of a socket already closing (a revocation's): aiohttp
    # can wait for ever on a close frame nobody is left to read.
    closing = [ws.close(message=b"server stopping") for ws in hub.sockets if not ws.closed]
    if closing:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.gather(*closing, return_exceptions=True), CLOSE_GRACE_S)


def _caller(ctx: Ctx) -> Caller:
    device = ctx.device
    return Caller("", device.role, device.station_id, device.name, device.id)


def _answer(out: dict[str, Any]) -> web.Response:
    error = out.get("error")
    status = 409 if error in CONFLICTS else 503 if error in RETRY_LATER else 200
    status = 403 if error in REFUSED else status
    headers = {"Retry-After": "1"} if status == 503 else None
    return web.json_response(out, status=status, headers=headers)


class _Refused(Exception):
    def __init__(self, response: web.Response) -> None:
        self.response = response


async def _run(ctx: Ctx, method: Callable[[Req, Caller], Any], req: Req) -> Any:
    """Run a SyncServer method off the loop; a client id this device may not use → 403."""
    try:
        return await asyncio.to_thread(method, req, _caller(ctx))
    except ClientRefused as exc:
        log.warning("device %s refused a sync id: %s", ctx.device.id, exc.error)
        raise _Refused(_answer({"error": exc.error.value, "message": exc.reason})) from None


def _run_here(ctx: Ctx, method: Callable[[Req, Caller], T], req: Req) -> T:
    """``_run`` on the loop itself: for reads of a few rows, shorter than the hop to a worker
    thread and back (which waits for the GIL behind whatever else runs)."""
    try:
        return method(req, _caller(ctx))
    except ClientRefused as exc:
        log.warning("device %s refused a sync id: %s", ctx.device.id, exc.error)
        raise _Refused(_answer({"error": exc.error.value, "message": exc.reason})) from None


def _sync(ctx: Ctx) -> SyncServer:
    return ctx.request.app[SYNC]


@api.op(
    "POST",
    "/sync/hello",
    "Sync: register and learn the epoch",
    permission=Permission.READ_BOARD,
    raw="application/json",
)
async def hello(ctx: Ctx) -> web.StreamResponse:
    req = HelloRequest.from_json(await read_json(ctx.request))
    try:
        return _answer((await _run(ctx, _sync(ctx).hello, req)).to_json())
    except _Refused as refused:
        return refused.response


@api.op(
    "POST",
    "/sync/push",
    "Sync: apply a station's mutations (<= 100, ascending seq)",
    permission=Permission.READ_BOARD,
    raw="application/json",
)
async def push(ctx: Ctx) -> web.StreamResponse:
    req = PushRequest.from_json(await read_json(ctx.request))
    answer = await _run(ctx, _sync(ctx).push, req)
    if answer.results:
        _sync(ctx).fault_point("after_commit_before_response")
    return _answer(answer.to_json())


@api.op(
    "GET",
    "/sync/pull",
    "Sync: changes after a cursor (one page)",
    permission=Permission.READ_BOARD,
    raw="application/json",
)
async def pull(ctx: Ctx) -> web.StreamResponse:
    req = PullRequest.from_json(dict(ctx.request.query))
    try:
        if ctx.request.app[POKES].head - req.cursor <= NEAR_HEAD:
            return _answer(_run_here(ctx, _sync(ctx).pull, req).to_json())
        return _answer((await _run(ctx, _sync(ctx).pull, req)).to_json())
    except _Refused as refused:
        return refused.response


@api.op(
    "GET",
    "/sync/snapshot",
    "Sync: every synced row, with the head it was read at",
    permission=Permission.READ_BOARD,
    raw="application/json",
)
async def snapshot(ctx: Ctx) -> web.StreamResponse:
    server = _sync(ctx)
    req = SnapshotRequest.from_json(dict(ctx.request.query))

    def read(req: SnapshotRequest, caller: Caller) -> str:  # 10,000s of rows: encode off the loop
        answer = server.snapshot(req, caller).to_json()
        return json.dumps(answer, separators=(",", ":"), default=str)

    try:
        text = await _run(ctx, read, req)
    except _Refused as refused:
        return refused.response
    return web.Response(text=text, content_type="application/json")


@api.op(
    "POST",
    "/sync/pin",
    "Sync: check a staff PIN typed at this station (hashes never leave the organiser)",
    permission=Permission.READ_BOARD,
    raw="application/json",
)
async def pin(ctx: Ctx) -> web.StreamResponse:
    req = PinCheckRequest.from_json(await read_json(ctx.request))
    answer = await _run(ctx, _sync(ctx).check_pin, req)
    status = 429 if answer.verdict is PinVerdict.LOCKED else 200
    headers = {"Retry-After": str(answer.retry_after)} if answer.retry_after else None
    return web.json_response(answer.to_json(), status=status, headers=headers)


@api.op(
    "GET", "/sync/ws", "Sync: pokes (WebSocket)", permission=Permission.READ_BOARD, raw="websocket"
)
async def pokes(ctx: Ctx) -> web.StreamResponse:
    app = ctx.request.app
    server, hub = app[SYNC], app[POKES]
    ws = web.WebSocketResponse(heartbeat=20.0, max_msg_size=4096)
    await ws.prepare(ctx.request)
    forget = app[HUB].track(ws, ctx.device.id)  # revoking the device closes it at once
    hello = await asyncio.to_thread(server.hello_info)
    await ws.send_json(hello.to_json())
    wake = asyncio.Event()
    hub.sockets[ws] = wake
    sent = hello.head

    async def sender() -> None:
        nonlocal sent
        while not ws.closed:
            await wake.wait()
            wake.clear()
            if hub.head > sent:
                sent = hub.head
                await ws.send_json(Poke(sent).to_json())

    task = asyncio.create_task(sender())
    try:
        async for msg in ws:
            if msg.type == WSMsgType.TEXT and msg.data == '{"type":"ping"}':
                await ws.send_json({"type": "pong"})
    finally:
        forget()
        hub.sockets.pop(ws, None)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, ConnectionError):
            await task
    return ws
