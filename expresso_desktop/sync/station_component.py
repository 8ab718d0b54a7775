"""The station's sync loop as a component (async start/stop) for the barista window.

Callbacks (called on the sync loop's thread; the window queues them to the GUI thread):

- ``on_round(ReplicaChanged)``: after a round that changed the replica — the order ids and
  tables its pulled pages touched, or ``everything`` after a download. Never called empty.
- ``on_notice(Notice)``: something the barista should see (a refusal, a recovery, a reset).
- ``on_status(LinkChanged)``: the link to the organiser went up or down.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from expresso_desktop.errors import KnownError
from expresso_desktop.settings import AppPaths

from .engine import SyncEngine
from .events import LinkChanged, Notice, ReplicaChanged
from .http_transport import HttpTransport
from .organiser_watch import follow, stop_following
from .replica import Replica
from .runner import SyncRunner
from .station import StationOptions, load_token, locate

log = logging.getLogger(__name__)


class StationSync:
    name = "station sync"

    def __init__(
        self,
        replica: Replica,
        paths: AppPaths,
        options: StationOptions,
        *,
        on_round: Callable[[ReplicaChanged], None],
        on_notice: Callable[[Notice], None],
        on_status: Callable[[LinkChanged], None],
    ) -> None:
        self._replica, self._paths, self._options = replica, paths, options
        self._on_round, self._on_notice, self._on_status = on_round, on_notice, on_status
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._follow: asyncio.Task[None] | None = None  # the organiser's advert: back → retry
        self.runner: SyncRunner | None = None
        self.status_line = ""

    async def start(self) -> None:
        url = await locate(self._replica, self._options)
        token = load_token(self._paths)
        if token is None:
            raise KnownError("this station is not paired", hint="pair it with the organiser")
        fp_hex = self._replica.state("fingerprint") or ""
        fingerprint = bytes.fromhex(fp_hex.replace(":", "")) if fp_hex else None
        engine = SyncEngine(
            self._replica,
            HttpTransport(url, token, fingerprint),
            on_round=self._on_round,
            on_notice=self._on_notice,
        )
        self.runner = SyncRunner(engine, on_status=self._on_status)
        self._task = asyncio.create_task(self.runner.run(self._stop))
        interfaces = self._options.mdns_interfaces or None
        self._follow = follow(fp_hex, self.runner.reconnect, interfaces)
        self.status_line = f"syncing with {url}"

    def trigger(self) -> None:
        if self.runner is not None:
            self.runner.trigger()

    async def stop(self) -> None:
        self._stop.set()
        await stop_following(self._follow)
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
