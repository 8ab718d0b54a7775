"""Components that turn order changes into queued texts: the notifier (change bus + sweeps) and
the webhook registration done once at start."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime
from functools import partial

from expresso_desktop.services.changes import Change, ChangeBus, ChangeSet
from expresso_desktop.services.writer import Writer
from expresso_desktop.sms.outbound import notifications
from expresso_desktop.sms.outbound.clock import Clock
from expresso_desktop.sms.outbound.notifications import Texts
from expresso_desktop.sms.twilio_gateway import TwilioGateway, WebhookError

log = logging.getLogger(__name__)

_NOTIFY_STATUSES = frozenset({"ready", "cancelled"})
_MOVABLE_STATUSES = frozenset({"new", "in_progress"})


def _calls_for_text(data: dict[str, object] | None) -> bool:
    """Whether an order's new image may call for a text: ready, cancelled, or moved (once
    moved, ``assign_version`` is above 0; each move is texted once, so hearing of a moved
    order again sends nothing)."""
    if data is None:
        return False
    status = data.get("status")
    if status in _NOTIFY_STATUSES:
        return True
    if status == "collected" and data.get("group_id") is not None:
        return True  # a group's last drink, collected before its text was decided
    version = data.get("assign_version")
    return status in _MOVABLE_STATUSES and isinstance(version, int) and version > 0


class Notifier:
    """Queues "ready", staff-cancellation, "moved" and group pickup texts as soon as the change
    bus announces them (whoever made the change: a window, the LAN API, a station's sync
    push), and every ``sweep_interval_s`` catches up on anything missed (a crash between an order's
    commit and its text's) and queues due reminders. The sender hears of what was queued from
    the change bus, like any other text.

    An order heard going back from ready (an undo: its new image looks like any started order's)
    is looked at again, so its held "ready" text is withdrawn at once: the notifier remembers
    which orders it heard become ready in the last ``notifications.CATCH_UP``."""

    name = "sms-notifier"

    def __init__(
        self,
        writer: Writer,
        bus: ChangeBus,
        texts: Texts,
        *,
        sweep_interval_s: float = 15.0,
        clock: Clock | None = None,
    ) -> None:
        self.writer = writer
        self.bus = bus
        self.texts = texts
        self.sweep_interval_s = sweep_interval_s
        self._clock = clock or Clock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._unsubscribe: Callable[[], None] | None = None
        self._sweeper: asyncio.Task[None] | None = None
        self._pending: set[asyncio.Task[None]] = set()
        # order id -> when it was heard becoming ready (on the publishing thread: locked)
        self._readied: OrderedDict[str, datetime] = OrderedDict()
        self._readied_lock = threading.Lock()

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._unsubscribe = self.bus.subscribe(self._on_changes)
        self._sweeper = asyncio.create_task(self._sweep_forever(), name="sms-notifier-sweep")

    async def stop(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
            self._sweeper = None
        await self.settle()  # let texts already decided on reach the queue

    async def settle(self) -> None:
        """Return once every change heard so far has reached the queue as texts (or failed to,
        and been logged). The change bus hands changes over with ``call_soon_threadsafe``, so
        some may not have started yet: the loop runs callbacks in the order they were scheduled,
        and one turn of it (``sleep(0)``) starts them all."""
        await asyncio.sleep(0)
        while self._pending:  # a text's commit may announce changes of its own
            await asyncio.gather(*self._pending, return_exceptions=True)
            await asyncio.sleep(0)

    def _on_changes(self, changeset: ChangeSet) -> None:
        # On the writer's thread, after commit: only hand the ids over to our loop.
        ids = [c.entity_id for c in changeset.of("orders") if self._calls_for_text(c)]
        loop = self._loop
        if ids and loop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile: the sweep will
                loop.call_soon_threadsafe(self._spawn, ids)

    def _calls_for_text(self, change: Change) -> bool:
        """``_calls_for_text``, or an order heard ready lately that is back before ready."""
        status = change.data.get("status") if change.data is not None else None
        now = self._clock.now()
        with self._readied_lock:
            heard = self._readied
            while heard and next(iter(heard.values())) < now - notifications.CATCH_UP:
                heard.popitem(last=False)
            if status == "ready":
                heard[change.entity_id] = now
                heard.move_to_end(change.entity_id)
            elif status in _MOVABLE_STATUSES and change.entity_id in heard:
                del heard[change.entity_id]  # back before ready: an undo
                return True
        return _calls_for_text(change.data)

    def _spawn(self, ids: list[str]) -> None:
        task = asyncio.create_task(self._notify(ids))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _notify(self, ids: list[str]) -> None:
        try:
            await self.writer.run(
                partial(notifications.notify_orders, order_ids=ids, texts=self.texts)
            )
        except Exception:  # the sweep will try again; never lose the loop over one change
            log.exception("could not queue order notifications")

    async def sweep_once(self) -> int:
        sweep = partial(notifications.sweep, texts=self.texts, now=self._clock.now())
        return await self.writer.run(sweep)

    async def _sweep_forever(self) -> None:
        while True:
            try:
                await self.sweep_once()
            except Exception:
                log.exception("notification sweep failed")
            await self._clock.sleep(self.sweep_interval_s)


class WebhookRegistrar:
    """Points the Twilio number's webhooks at the public URL on start. Never stops the service
    when it cannot: it logs why, and ``status_line`` says so for the console."""

    name = "twilio-webhooks"

    def __init__(self, gateway: TwilioGateway, public_url: str) -> None:
        self.gateway = gateway
        self.public_url = public_url
        self.status_line: str | None = None
        self.ok: bool | None = None

    async def start(self) -> None:
        await self.gateway.start()  # idempotent; the sender starts it too
        try:
            registration = await self.gateway.register_webhooks(self.public_url)
        except WebhookError as exc:
            self.ok = False
            self.status_line = f"Twilio webhooks NOT set: {exc}"
            log.warning("%s", self.status_line)
            return
        self.ok = True
        self.status_line = f"Twilio webhooks set: {registration.sms_url}"
        log.info("%s", self.status_line)

    async def stop(self) -> None:
        pass
