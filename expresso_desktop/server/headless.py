"""``expresso serve``: the organiser's services without a window, until SIGINT/SIGTERM."""

from __future__ import annotations

import asyncio
import errno
import logging
import signal

from aiohttp import web

from expresso_desktop.core.menu import load_default_menu
from expresso_desktop.errors import KnownError
from expresso_desktop.server.app import ServerContext, create_app
from expresso_desktop.settings import AppPaths
from expresso_desktop.store.engine import open_database

log = logging.getLogger(__name__)


def run_headless(paths: AppPaths, *, host: str, port: int) -> int:
    engine = open_database(paths.master_db, role="master")
    try:
        asyncio.run(_serve(ServerContext(engine=engine, menu=load_default_menu()), host, port))
    finally:
        engine.dispose()
    return 0


async def _serve(context: ServerContext, host: str, port: int) -> None:
    runner = web.AppRunner(create_app(context), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    try:
        await site.start()
    except OSError as exc:
        await runner.cleanup()
        if exc.errno == errno.EADDRINUSE:
            raise KnownError(
                f"port {port} on {host} is already in use",
                hint="Stop the other program or pass --webhook-port with a free port.",
            ) from exc
        raise KnownError(f"cannot listen on {host}:{port}: {exc.strerror}") from exc
    bound_host, bound_port = runner.addresses[0][:2]  # the real port when 0 was asked for
    # Print (not log) the address: scripts and tests wait for this line.
    print(f"Expresso serving on http://{bound_host}:{bound_port} (Ctrl+C to stop)", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        log.info("shutting down")
        await runner.cleanup()
