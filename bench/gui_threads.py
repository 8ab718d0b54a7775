"""Why the organiser's network services run on their own asyncio thread (docs/architecture.md,
"Threads"): webhook reply latency while the GUI thread is busy, for the two designs STYLE.md
names, measured the same way in the same run.

- ``thread``: an asyncio loop in a background thread (the design we ship: ServiceHost);
- ``qasync``: the asyncio loop merged into Qt's event loop on the GUI thread (qasync).

The GUI side runs a Qt application (offscreen) whose main thread does what a busy screen does:
a blocking stretch of ``--gui-block-ms`` every ``--gui-every-ms`` (a large table re-layout, a
modal dialog's set-up, a slow paint). A client in another process sends signed-webhook-sized
POSTs at ``--rate`` per second (open loop) to an aiohttp handler that parses the text with the
real SMS parser and answers TwiML. Prints JSON: p50/p99/max reply latency per design.

Usage: python bench/gui_threads.py [--seconds 8] [--rate 40] [--gui-block-ms 120]
(needs ``pip install qasync`` for the second design; it is not a dependency of the app.)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from aiohttp import web

CLIENT = r"""
import asyncio, json, sys, time
import aiohttp

FORM = {"Body": "large oat flat white for Sam", "From": "+61400000001"}

async def main(url, rate, seconds):
    lat = []
    async with aiohttp.ClientSession() as s:
        async def one():
            t = time.perf_counter()
            async with s.post(url, data=FORM) as r:
                await r.read()
                assert r.status == 200
            lat.append((time.perf_counter() - t) * 1000)
        tasks = []
        start = time.perf_counter()
        n = int(rate * seconds)
        for i in range(n):
            delay = start + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one()))
        await asyncio.gather(*tasks)
    print(json.dumps(lat))

asyncio.run(main(sys.argv[1], float(sys.argv[2]), float(sys.argv[3])))
"""


def make_app() -> web.Application:
    from expresso_desktop.core.menu import load_default_menu
    from expresso_desktop.core.sms.parser import SmsParser

    parser = SmsParser(load_default_menu())

    async def sms(request: web.Request) -> web.Response:
        form = await request.post()
        result = parser.parse(str(form.get("Body", "")))
        body = f"<Response><Message>{len(result.items)} drink(s)</Message></Response>"
        return web.Response(text=body, content_type="application/xml")

    app = web.Application()
    app.router.add_post("/sms", sms)
    return app


async def serve(app: web.Application) -> tuple[web.AppRunner, int]:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, runner.addresses[0][1]


def busy_gui(block_ms: float, every_ms: int) -> object:
    """A QTimer on the GUI thread that blocks it like a heavy screen update does."""
    from PySide6.QtCore import QTimer

    def block() -> None:
        end = time.perf_counter() + block_ms / 1000
        while time.perf_counter() < end:
            pass

    timer = QTimer()
    timer.setInterval(every_ms)
    timer.timeout.connect(block)
    timer.start()
    return timer


def run_client(port: int, rate: float, seconds: float) -> list[float]:
    out = subprocess.run(
        [sys.executable, "-c", CLIENT, f"http://127.0.0.1:{port}/sms", str(rate), str(seconds)],
        capture_output=True,
        text=True,
        check=True,
    )
    return list(json.loads(out.stdout))


def design_thread(args: argparse.Namespace) -> list[float]:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    port: list[int] = []

    def loop_thread() -> None:
        asyncio.set_event_loop(loop)
        runner, bound = loop.run_until_complete(serve(make_app()))
        port.append(bound)
        ready.set()
        loop.run_forever()
        loop.run_until_complete(runner.cleanup())
        loop.close()

    thread = threading.Thread(target=loop_thread, daemon=True)
    thread.start()
    ready.wait()
    result: list[float] = []
    done = threading.Event()
    timer = busy_gui(args.gui_block_ms, args.gui_every_ms)

    def client() -> None:
        result.extend(run_client(port[0], args.rate, args.seconds))
        done.set()

    watcher = QTimer()  # the GUI thread quits once the client is done
    watcher.setInterval(50)
    watcher.timeout.connect(lambda: app.quit() if done.is_set() else None)
    watcher.start()
    threading.Thread(target=client, daemon=True).start()
    app.exec()
    del timer, watcher
    loop.call_soon_threadsafe(loop.stop)
    thread.join()
    return result


def design_qasync(args: argparse.Namespace) -> list[float] | None:
    try:
        import qasync
    except ImportError:
        return None
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    loop = qasync.QEventLoop(app)
    result: list[float] = []

    async def main() -> None:
        runner, port = await serve(make_app())
        timer = busy_gui(args.gui_block_ms, args.gui_every_ms)
        result.extend(await asyncio.to_thread(run_client, port, args.rate, args.seconds))
        del timer
        await runner.cleanup()

    with loop:
        loop.run_until_complete(main())
    return result


def summary(latencies: list[float] | None) -> dict[str, float | int] | None:
    if not latencies:
        return None
    ordered = sorted(latencies)
    return {
        "requests": len(ordered),
        "p50_ms": round(statistics.median(ordered), 2),
        "p99_ms": round(ordered[int(0.99 * (len(ordered) - 1))], 2),
        "max_ms": round(ordered[-1], 2),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=8)
    ap.add_argument("--rate", type=float, default=40)
    ap.add_argument("--gui-block-ms", type=float, default=120)
    ap.add_argument("--gui-every-ms", type=int, default=500)
    ap.add_argument("--design", choices=("thread", "qasync", "both"), default="both")
    args = ap.parse_args()
    out: dict[str, object] = {
        "rate_per_s": args.rate,
        "seconds": args.seconds,
        "gui_block_ms": args.gui_block_ms,
        "gui_every_ms": args.gui_every_ms,
    }
    if args.design in ("thread", "both"):
        out["asyncio_thread"] = summary(design_thread(args))
    if args.design in ("qasync", "both"):
        out["qasync"] = summary(design_qasync(args)) or "qasync not installed"
    print(json.dumps(out))


if __name__ == "__main__":
    main()
