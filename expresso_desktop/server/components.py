"""An aiohttp application as a ``Component`` (services/lifecycle.py) on one host:port."""

from __future__ import annotations

import asyncio
import errno
import ssl

from aiohttp import web

from expresso_desktop.errors import KnownError

TLS_CLOSE_S = 0.25


class HttpListener:
    """An aiohttp application on one host:port; ``url`` is known once started. With an
    ``ssl_context`` it serves HTTPS only (the LAN API)."""

    # How long ``stop`` lets requests still in flight finish before cancelling them (aiohttp's
    # default, 60 s, held a stopping organiser up for half a minute per station). Long-lived
    # sockets are closed by their owner first (``LanListener.stop``), so one second is enough
    # for a push or a webhook to answer.
    shutdown_timeout_s = 1.0

    def __init__(
        self,
        name: str,
        app: web.Application,
        host: str,
        port: int,
        *,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.name = name
        self._ssl = ssl_context
        self._app = app
        self._host = host
        self._port = port
        self._runner: web.AppRunner | None = None
        self.bound_port: int | None = None

    @property
    def app(self) -> web.Application:
        """The application (its typed state, e.g. for a test); its routes are the factory's."""
        return self._app

    @property
    def url(self) -> str:
        scheme = "https" if self._ssl is not None else "http"
        return f"{scheme}://{self._host}:{self.bound_port}"

    async def start(self) -> None:
        self._runner = web.AppRunner(
            self._app, access_log=None, shutdown_timeout=self.shutdown_timeout_s
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._host, self._port, ssl_context=self._ssl)
        try:
            await site.start()
        except OSError as exc:
            await self._runner.cleanup()
            self._runner = None
            if exc.errno == errno.EADDRINUSE:
                raise KnownError(
                    f"port {self._port} on {self._host} is already in use ({self.name})",
                    hint="Stop the other program or choose another port.",
                ) from exc
            raise KnownError(f"cannot listen on {self._host}:{self._port}: {exc.strerror}") from exc
        self.bound_port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        if self._runner is not None:
            server = self._runner.server
            open_tls = self._ssl is not None and server is not None and bool(server.connections)
            await self._runner.cleanup()
            self._runner = None
            if open_tls:
                # The TLS connections it closed end with a close_notify exchange a few loop
                # turns later, and the loop may end right after this (aiohttp's advice).
                await asyncio.sleep(TLS_CLOSE_S)
