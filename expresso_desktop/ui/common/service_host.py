"""Runs the organiser's network components (webhook, sender, LAN server) on an asyncio loop in a
background thread, so a busy GUI never delays a webhook reply.

Signals (emitted from the loop thread; Qt queues them to receivers in the GUI thread):
    started(list)  — the started components' status lines ("webhook on http://…")
    failed(str)    — start-up failed; the message says what to do
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import threading
from collections.abc import Callable, Coroutine, Sequence
from typing import Any, TypeVar

from PySide6.QtCore import QObject, Signal

from expresso_desktop.errors import KnownError
from expresso_desktop.lifecycle import Component
from expresso_desktop.server.components import HttpListener

log = logging.getLogger(__name__)
T = TypeVar("T")


class ServiceHost(QObject):
    started = Signal(list)
    failed = Signal(str)

    def __init__(self, build: Callable[[], Sequence[Component]]) -> None:
        super().__init__()
        self._build = build
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name="expresso-services", daemon=True)
        self._stop = asyncio.Event()  # binds to the loop on first wait (Python ≥ 3.10)
        self._running: list[Component] = []

    def start(self) -> None:
        self._thread.start()

    def submit(self, coro: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
        """Run ``coro`` on the service loop; the GUI gets a future (use a callback, never wait)."""
        return asyncio.run_coroutine_threadsafe(coro, self._loop)

    def start_component(self, component: Component) -> concurrent.futures.Future[None]:
        """Start one more component on the running loop (e.g. sync once a station is paired);
        it is stopped with the others."""

        async def start() -> None:
            await component.start()
            self._running.append(component)

        return self.submit(start())

    def stop(self, timeout: float = 10.0) -> None:
        if not self._thread.is_alive():
            if not self._loop.is_closed() and self._thread.ident is None:
                self._loop.close()  # never started: nobody else will close it
            return
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self._main())
        finally:
            self._loop.close()

    async def _main(self) -> None:
        lines: list[str] = []
        try:
            for component in self._build():
                await component.start()
                self._running.append(component)
                if isinstance(component, HttpListener):
                    lines.append(f"{component.name} on {component.url}")
                if line := getattr(component, "status_line", None):
                    lines.append(str(line))
        except KnownError as exc:
            self.failed.emit(str(exc))
        except Exception as exc:  # a bug: log it whole, tell the user briefly
            log.exception("starting the organiser's services failed")
            self.failed.emit(f"{type(exc).__name__}: {exc}")
        else:
            self.started.emit(lines)
            await self._stop.wait()
        finally:
            for component in reversed(self._running):
                try:
                    await component.stop()
                except Exception:
                    log.exception("stopping %s failed", component.name)
            self._running.clear()
