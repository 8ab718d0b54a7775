"""Runs a mode's long-running components (the organiser's webhook, sender and LAN server; a
station's sync) and every op of the screens on one asyncio loop in a background thread, so a
busy GUI never delays a webhook reply (docs/architecture.md, "Threads").

This module knows components only by the ``Component`` protocol: what a started set of them
means for the screens (which listener is the LAN API, the certificate) is said by the
composition root's ``describe`` function, so a station's window never loads organiser code.
The screens' ops (``ops.py``) run on the same loop.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import math
import threading
import time
from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar, runtime_checkable

from PySide6.QtCore import QObject, Signal

from expresso_desktop.errors import KnownError
from expresso_desktop.lifecycle import Component

log = logging.getLogger(__name__)
T = TypeVar("T")

STOP_TIMEOUT_S = 5.0  # the whole stop: components, the loop's last tasks, the thread
LOOP_TAIL_S = 1.0  # of which kept for the loop's last tasks once the components are done
MIN_STOP_S = 0.05  # past the deadline, what each component still left to stop gets


class ShuttingDown(KnownError):
    """The service loop is stopping (or stopped): an op asked of it then is dropped. Screens
    say nothing about it; nobody needs a dialog saying the app is closing."""


@dataclass(frozen=True, slots=True)
class Listener:
    """A started listener: ``name`` ("webhook", "lan") and the URL it answers on."""

    name: str
    url: str


@dataclass(frozen=True, slots=True)
class ServersStarted:
    """Every component started. ``lan_url``/``fingerprint``: where stations reach us and the
    certificate they pin (None when started without the LAN API); ``ca_url``: where a phone
    gateway downloads the certificate authority to trust (None without one); ``sms_lines``:
    what the SMS side reports (simulator or Twilio, webhooks set or not); ``status_lines``:
    every line, for a tooltip or a console."""

    listeners: tuple[Listener, ...] = ()
    lan_url: str | None = None
    fingerprint: str | None = None
    ca_url: str | None = None
    sms_lines: tuple[str, ...] = ()
    status_lines: tuple[str, ...] = ()

    def url_of(self, name: str) -> str | None:
        return next((entry.url for entry in self.listeners if entry.name == name), None)


@dataclass(frozen=True, slots=True)
class ServiceFailure:
    """Start-up failed. ``message`` says what happened, ``hint`` what to do; ``bug`` when it
    was not the environment's fault (the traceback is in the log)."""

    message: str
    hint: str | None = None
    bug: bool = False

    @property
    def text(self) -> str:
        return f"{self.message}\n{self.hint}" if self.hint else self.message


@runtime_checkable
class Listening(Protocol):
    name: str

    @property
    def url(self) -> str: ...


def describe_components(components: Iterable[Component]) -> ServersStarted:
    """What any set of components says about itself: its listeners and status lines."""
    components = list(components)
    listeners = tuple(Listener(c.name, c.url) for c in components if isinstance(c, Listening))
    lines = tuple(str(line) for c in components if (line := getattr(c, "status_line", None)))
    return ServersStarted(
        listeners=listeners,
        status_lines=tuple(f"{entry.name} on {entry.url}" for entry in listeners) + lines,
    )


class ServiceHost(QObject):
    """The service loop's thread and the components on it.

    Signals (emitted from the loop thread; Qt queues them to receivers in the GUI thread):
        started(ServersStarted) — every component started
        failed(ServiceFailure) — start-up failed; the loop keeps running for the screens' ops
    """

    started = Signal(ServersStarted)
    failed = Signal(ServiceFailure)

    def __init__(
        self,
        build: Callable[[], Iterable[Component]] = tuple,
        *,
        describe: Callable[[Iterable[Component]], ServersStarted] = describe_components,
    ) -> None:
        super().__init__()
        self._build = build
        self._describe = describe
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name="expresso-services", daemon=True)
        self._stop = asyncio.Event()  # binds to the loop on first wait (Python ≥ 3.10)
        self._deadline = math.inf  # monotonic time by which stopping must be over
        self._running: list[Component] = []
        self.report: ServersStarted | None = None  # the start-up report, once delivered
        self.started.connect(self._remember)  # first: before any screen's slot

    def start(self) -> None:
        self._thread.start()

    def _remember(self, report: ServersStarted) -> None:
        self.report = report

    def on_started(self, slot: Callable[[ServersStarted], None]) -> None:
        """``slot`` gets the start-up report: now if it was delivered already (a screen built
        on first use, after the start), else when it is."""
        if self.report is not None:
            slot(self.report)
        else:
            self.started.connect(slot)

    @property
    def running(self) -> bool:
        """The service thread is alive (started and not yet stopped)."""
        return self._thread.is_alive()

    def submit(self, coro: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
        """Run ``coro`` on the service loop; the GUI gets a future (screens use ``OpRunner``)."""
        if self._loop.is_closed():
            coro.close()  # never awaited: close it, or Python warns
            future: concurrent.futures.Future[T] = concurrent.futures.Future()
            future.set_exception(ShuttingDown("Expresso is shutting down"))
            return future
        return asyncio.run_coroutine_threadsafe(coro, self._loop)

    def start_component(self, component: Component) -> concurrent.futures.Future[None]:
        """Start one more component on the running loop (e.g. sync once a station is paired);
        it is stopped with the others."""

        async def start() -> None:
            await component.start()
            self._running.append(component)

        return self.submit(start())

    def stop(self, timeout: float = STOP_TIMEOUT_S) -> None:
        """Stop the components (in reverse order) and the loop, and join the thread, all
        within ``timeout``: a component still stopping when its share is spent is abandoned
        with a warning, never waited for past the deadline (the LAN listener closes its
        stations' sockets first, so this normally takes well under a second)."""
        if not self._thread.is_alive():
            if not self._loop.is_closed() and self._thread.ident is None:
                self._loop.close()  # never started: nobody else will close it
            return
        deadline = time.monotonic() + timeout

        def begin() -> None:
            self._deadline = deadline
            self._stop.set()

        self._loop.call_soon_threadsafe(begin)
        self._thread.join(timeout)
        if self._thread.is_alive():
            log.error("the service thread was still running %.0f s after stop", timeout)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self._main())
            # Ops still in flight (a read the window no longer waits for) end here, not
            # in a destroyed loop.
            pending = asyncio.all_tasks(self._loop)
            for task in pending:
                task.cancel()
            if pending:
                self._loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            # A blocking read still running in a worker thread is not waited for past the
            # deadline (the thread pool's threads end with it).
            self._loop.run_until_complete(
                self._within_deadline(self._loop.shutdown_default_executor(), "worker threads")
            )
        finally:
            self._loop.close()

    async def _within_deadline(self, work: Coroutine[Any, Any, None], what: str) -> None:
        left = self._deadline - time.monotonic()
        try:
            await asyncio.wait_for(work, None if left == math.inf else max(0.0, left))
        except TimeoutError:
            log.warning("stopping: gave up waiting for %s (deadline reached)", what)

    async def _main(self) -> None:
        """``build`` runs here, on the loop: a component that cannot even be made (Twilio
        without an auth token) is a ``failed`` like one that cannot start. ``describe`` gets
        what ``build`` returned (a mode's typed runtime, iterable as its components)."""
        built: Iterable[Component] = ()
        try:
            built = self._build()
            for component in built:
                await component.start()
                self._running.append(component)
        except KnownError as exc:
            await self._stop_components()  # all or nothing, as before
            self.failed.emit(ServiceFailure(exc.message, exc.hint))
        except Exception as exc:  # a bug: log it whole, tell the user briefly
            log.exception("starting the services failed")
            await self._stop_components()
            self.failed.emit(ServiceFailure(f"{type(exc).__name__}: {exc}", bug=True))
        else:
            self.started.emit(self._describe(built))
        try:
            await self._stop.wait()  # the screens' ops run on this loop until we close
        finally:
            await self._stop_components(self._deadline - LOOP_TAIL_S)

    async def _stop_components(self, deadline: float = math.inf) -> None:
        """Each in turn, in reverse order, until ``deadline``; one still stopping then is left
        behind (named in the log), and each after it still gets a moment (MIN_STOP_S)."""
        running, self._running = list(reversed(self._running)), []
        for component in running:
            left = deadline - time.monotonic()
            try:
                await asyncio.wait_for(
                    component.stop(), None if left == math.inf else max(MIN_STOP_S, left)
                )
            except TimeoutError:
                log.warning("stopping %s took too long; left behind", component.name)
            except Exception:
                log.exception("stopping %s failed", component.name)
