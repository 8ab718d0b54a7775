"""``GET /api/v1/ws``: every committed change, pushed to the devices it concerns.

The change bus calls us on the writer thread right after a commit; the events are classified
there and handed to the event loop with ``call_soon_threadsafe`` (commit order is kept: one
writer thread, FIFO callbacks). Each socket has its own queue and sender task, so one slow
station never delays the others. ``?since=V`` or ``{"type": "resume", "since": V}`` replays the
change log after V; live events that arrive meanwhile wait until the replay has been sent.

The hub also remembers which tokens it authenticated (``devices.KnownTokens``, forgotten when
``devices`` or ``stations`` are written) and knows which devices are connected: it closes a
revoked device's sockets, records when devices were last seen (every authenticated request
and every open socket counts; the ``devices.last_seen`` write is throttled by
``devices.Sightings`` and goes through the single writer off the request's path), and at
shutdown closes every socket with "going away" (1001).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSCloseCode, WSMsgType, web
from sqlalchemy import text

from expresso_desktop.server.keys import SERVICES
from expresso_desktop.services.changes import Change, ChangeSet
from expresso_desktop.services.devices import (
    DeviceInfo,
    KnownTokens,
    Sightings,
    mark_seen,
    revoked_among,
)
from expresso_desktop.services.organiser import OrganiserServices
from expresso_desktop.store.engine import read_session

from .live_events import Audience, Event, events_for

log = logging.getLogger(__name__)

HEARTBEAT_S = 20.0
REPLAY_LIMIT = 20_000  # beyond this a client should re-snapshot (sync), not replay
QUEUE_LIMIT = 50_000
REVOKED_CLOSE = 4401  # application close code: the device's token was revoked
# Revocation closes every socket of the device (``/api/v1/ws`` and ``/sync/ws``) at once when
# it goes through this process's writer (the API, the Setup tab: the change bus says the
# ``devices`` table was written). ``expresso devices revoke`` in another process is noticed by
# a primary-key lookup of the connected devices every REVALIDATE_S — only while sockets are
# open (under 1 ms per tick, read session included).
REVALIDATE_S = 0.5
CLOSE_GRACE_S = 1.0  # at shutdown, how long a client has to answer our close frame
SEEN_INITIATOR = "lan:seen"
_DEVICE_TABLES = frozenset({"devices", "stations"})  # what a remembered DeviceInfo is read from


@dataclass(eq=False)
class Client:
    ws: web.WebSocketResponse
    device: DeviceInfo
    queue: asyncio.Queue[str | None] = field(default_factory=asyncio.Queue)
    held: list[Event] | None = None  # live events held back while a replay is sent


class LiveHub:
    def __init__(self, services: OrganiserServices) -> None:
        self.services = services
        self.clients: set[Client] = set()
        self.audience = Audience()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._unsubscribe: Callable[[], None] | None = None
        self._revalidator: asyncio.Task[None] | None = None
        self._recheck = asyncio.Event()  # a revocation was committed in this process
        # Other sockets of a device that revocation must close too (the sync poke socket).
        self.others: dict[web.WebSocketResponse, int] = {}
        self.sightings = Sightings()
        self.tokens = KnownTokens()  # the auth middleware's memory; forgotten on device writes
        self._tasks: set[asyncio.Task[None]] = set()  # last-seen writes, late closes
        self.closing = False  # shutting down: every socket closed, new ones refused

    # -- lifecycle --------------------------------------------------------------------------
    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._unsubscribe = self.services.bus.subscribe(self._on_commit)
        self._revalidator = asyncio.create_task(self._revalidate_forever())

    async def stop(self) -> None:
        if self._unsubscribe:
            self._unsubscribe()
        if self._revalidator:
            self._revalidator.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._revalidator
        await self.close_all()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def close_all(self) -> None:
        """Shutting down: close every socket (live feed and sync pokes) with "going away"
        (1001), so that stations reconnect with backoff, and refuse new ones. Called before
        the HTTP runner's cleanup, which would otherwise wait for these long-lived handlers;
        a client that does not answer our close frame within CLOSE_GRACE_S is cut off."""
        self.closing = True
        sockets = [c.ws for c in self.clients] + list(self.others)
        if not sockets:
            return
        log.info("closing %d socket(s): server stopping", len(sockets))
        closing = asyncio.gather(
            *(_going_away(ws) for ws in sockets),
            return_exceptions=True,
        )
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(closing, CLOSE_GRACE_S)

    def track(self, ws: web.WebSocketResponse, device_id: int) -> Callable[[], None]:
        """Close ``ws`` when ``device_id`` is revoked (or the server stops); returns the
        function that forgets it."""
        self.others[ws] = device_id
        if self.closing:  # opened while we stop: goes away at once
            task = asyncio.get_running_loop().create_task(_going_away(ws))
            self._tasks.add(task)  # kept until done; stop() awaits the rest
            task.add_done_callback(self._tasks.discard)

        def forget() -> None:
            self.others.pop(ws, None)

        return forget

    # -- last seen --------------------------------------------------------------------------
    def seen(self, *device_ids: int) -> None:
        """These devices just talked to us. Throttled in memory (``Sightings``): a write of
        ``last_seen`` at most every 30 s per device, queued on the single writer without the
        caller waiting for it (its change set tells the Setup screen)."""
        due = self.sightings.due(device_ids)
        if not due or self._loop is None:
            return
        task = self._loop.create_task(self._write_seen(due))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _write_seen(self, device_ids: list[int]) -> None:
        try:
            await self.services.writer.run(
                lambda tx: mark_seen(device_ids, session=tx.session), initiator=SEEN_INITIATOR
            )
        except Exception:  # a busy or closing database: the next sighting tries again
            log.warning("could not record devices %s as seen", device_ids, exc_info=True)
            self.sightings.forget(device_ids)

    @property
    def has_sockets(self) -> bool:
        return bool(self.clients or self.others)

    # -- writer thread → loop ---------------------------------------------------------------
    def _on_commit(self, changeset: ChangeSet) -> None:
        if _DEVICE_TABLES & changeset.touched or any(
            c.entity in _DEVICE_TABLES for c in changeset.changes
        ):
            self.tokens.clear()  # a revocation, a renumbered station: authenticate again
        if not self.has_sockets or self._loop is None:
            return
        if "devices" in changeset.touched:  # maybe a revocation: check now, not at the tick
            with contextlib.suppress(RuntimeError):
                self._loop.call_soon_threadsafe(self._recheck.set)
        if not self.clients or not changeset.changes:
            return
        events = events_for(changeset.changes, self.services.engine)
        with contextlib.suppress(RuntimeError):  # the loop is closing: nobody to tell
            self._loop.call_soon_threadsafe(self._dispatch, events)

    def _dispatch(self, events: list[Event]) -> None:
        for event in events:
            self.audience.remember(event)
            text: str | None = None  # serialised once, for however many clients hear it
            for client in list(self.clients):
                if not self.audience.concerns(client.device, event):
                    continue
                if client.held is not None:
                    client.held.append(event)
                    continue
                text = text or _dumps(event)
                self._enqueue(client, event, text)

    def _enqueue(self, client: Client, event: Event, text: str | None = None) -> None:
        if client.queue.qsize() >= QUEUE_LIMIT:
            log.warning("device %s is not keeping up; closing its socket", client.device.id)
            client.queue.put_nowait(None)
            return
        client.queue.put_nowait(text or _dumps(event))

    # -- revocation -------------------------------------------------------------------------
    async def close_device(self, device_id: int) -> None:
        sockets = [c.ws for c in self.clients if c.device.id == device_id]
        sockets += [ws for ws, owner in self.others.items() if owner == device_id]
        if sockets:
            log.info("device %s revoked: closing its %d socket(s)", device_id, len(sockets))
        await asyncio.gather(
            *(ws.close(code=REVOKED_CLOSE, message=b"device revoked") for ws in sockets),
            return_exceptions=True,
        )

    def device_ids(self) -> list[int]:
        return sorted({c.device.id for c in self.clients} | set(self.others.values()))

    async def _revalidate_forever(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._recheck.wait(), REVALIDATE_S)
            self._recheck.clear()
            ids = self.device_ids()
            if not ids:
                continue
            self.seen(*ids)  # an open socket is a device we see
            try:
                revoked = await asyncio.to_thread(self._revoked, ids)
            except Exception:
                log.exception("checking device revocations failed")
                continue
            for device_id in revoked:
                await self.close_device(device_id)

    def _revoked(self, ids: list[int]) -> set[int]:
        with read_session(self.services.engine) as session:
            return revoked_among(ids, session=session)

    # -- replay -----------------------------------------------------------------------------
    def _read_since(self, since: int) -> tuple[int, list[Event] | None]:
        with read_session(self.services.engine) as session:
            conn = session.connection()
            head = conn.execute(text("SELECT COALESCE(MAX(version), 0) FROM change_log")).scalar()
            rows = conn.execute(
                text(
                    "SELECT version, entity, entity_id, op, data_json FROM change_log"
                    " WHERE version > :since ORDER BY version LIMIT :limit"
                ),
                {"since": since, "limit": REPLAY_LIMIT + 1},
            ).all()
        if len(rows) > REPLAY_LIMIT:
            return int(head or 0), None
        changes = [
            Change(r[0], r[1], r[2], r[3], json.loads(r[4]) if isinstance(r[4], str) else r[4])
            for r in rows
        ]
        return int(head or 0), events_for(changes, self.services.engine)

    async def replay(self, client: Client, since: int) -> None:
        client.held = []
        head = since
        try:
            head, events = await asyncio.to_thread(self._read_since, since)
            if events is None or since > head:
                why = "too far behind" if events is None else "server history is older"
                self._send_now(client, {"type": "reset", "head": head, "reason": why})
                return
            for event in events:
                self.audience.remember(event)
                if self.audience.concerns(client.device, event):
                    self._enqueue(client, event)
            self._send_now(client, {"type": "resumed", "since": since, "head": head})
        finally:
            held, client.held = client.held or [], None
            for event in held:
                if event["version"] > head:
                    self._enqueue(client, event)

    def _send_now(self, client: Client, message: dict[str, Any]) -> None:
        client.queue.put_nowait(json.dumps(message, separators=(",", ":")))

    def head_and_epoch(self) -> tuple[int, str | None]:
        with read_session(self.services.engine) as session:
            conn = session.connection()
            head = conn.execute(text("SELECT COALESCE(MAX(version), 0) FROM change_log")).scalar()
            epoch = conn.execute(text("SELECT v FROM sync_meta WHERE k = 'epoch'")).scalar()
        return int(head or 0), epoch


HUB = web.AppKey("live_hub", LiveHub)


async def _going_away(ws: web.WebSocketResponse) -> None:
    await ws.close(code=WSCloseCode.GOING_AWAY, message=b"server stopping")


def _dumps(message: dict[str, Any]) -> str:
    return json.dumps(message, separators=(",", ":"))


async def hub_context(app: web.Application) -> AsyncIterator[None]:
    hub = LiveHub(app[SERVICES])
    app[HUB] = hub
    await hub.start()
    yield
    await hub.stop()


async def _sender(client: Client) -> None:
    while True:
        message = await client.queue.get()
        if message is None:
            await client.ws.close(code=WSCloseCode.TRY_AGAIN_LATER, message=b"too slow")
            return
        await client.ws.send_str(message)


async def serve_socket(request: web.Request, device: DeviceInfo) -> web.WebSocketResponse:
    hub = request.app[HUB]
    since_raw = request.query.get("since")
    ws = web.WebSocketResponse(heartbeat=HEARTBEAT_S, max_msg_size=64 * 1024)
    await ws.prepare(request)
    if hub.closing:
        await _going_away(ws)
        return ws
    client = Client(ws, device)
    head, epoch = await asyncio.to_thread(hub.head_and_epoch)
    hello = {
        "type": "hello",
        "head": head,
        "epoch": epoch,
        "device_id": device.id,
        "role": device.role,
        "station_id": device.station_id,
    }
    client.queue.put_nowait(json.dumps(hello))
    hub.clients.add(client)
    sender = asyncio.create_task(_sender(client))
    try:
        if since_raw is not None:
            await hub.replay(client, _since(since_raw))
        async for msg in ws:
            if msg.type != WSMsgType.TEXT:
                continue
            await _on_message(hub, client, msg.data)
    finally:
        hub.clients.discard(client)
        sender.cancel()
        with contextlib.suppress(asyncio.CancelledError, ConnectionError):
            await sender
    return ws


def _since(raw: Any) -> int:
    try:
        value = int(raw)
    except (TypeError, ValueError):
        value = -1
    return value if value >= 0 else 0


async def _on_message(hub: LiveHub, client: Client, data: str) -> None:
    try:
        message = json.loads(data)
    except json.JSONDecodeError:
        message = None
    kind = message.get("type") if isinstance(message, dict) else None
    if kind == "resume" and isinstance(message, dict):
        since = message.get("since")
        if isinstance(since, int) and not isinstance(since, bool) and since >= 0:
            await hub.replay(client, since)
            return
        hub._send_now(
            client,
            {
                "type": "error",
                "error": "invalid",
                "field": "since",
                "message": "since must be a version (a whole number >= 0)",
            },
        )
    elif kind == "ping":
        hub._send_now(client, {"type": "pong"})
    else:
        hub._send_now(
            client,
            {
                "type": "error",
                "error": "unknown_message",
                "message": "expected {'type': 'resume' | 'ping'}",
            },
        )
