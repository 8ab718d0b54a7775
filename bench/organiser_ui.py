"""Organiser window benchmark (offscreen Qt, servers on 127.0.0.1, no mDNS beyond loopback).

- cold start: ``main.py organiser`` on a prepared (demo) data folder in a fresh process, from
  spawn to the window's first paint (a wrapper installs an event filter on the application,
  then hands over to the real command line); median of ``--cold-runs``; also the time until
  the Live screen (the event's figures) first paints;
- signed webhook → order visible: texts signed as Twilio signs them, posted from a client
  thread at ``--rate``/s to the real window's webhook; per order the time from sending until
  its number is in the Orders screen's model and until Live's New count includes it;
- with ``--big`` orders in the event: switching to Orders until its model holds them and the
  table has painted; GUI-thread CPU per new order (``time.thread_time`` of the GUI thread over
  the posting period, less the same period's idle cost); RSS.

Prints JSON (with the machine's load average). Goals (issue 11): cold start < 1.5 s;
p50 <= 30 ms, p99 <= 80 ms; Orders open < 300 ms; < 5 ms GUI time per order; RSS < 300 MB.
Usage: python bench/organiser_ui.py [--orders 200] [--rate 5] [--big 10000] [--big-orders 100]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("EXPRESSO_MDNS_INTERFACES", "127.0.0.1")

import aiohttp
from PySide6.QtCore import QEvent, QEventLoop, QModelIndex, QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import ENV, REPO, copy_event, machine, prepare_event, summary_ms
from expresso_desktop.app import OrganiserGui, build_organiser_gui
from expresso_desktop.server.options import ServeOptions
from expresso_desktop.services.dashboard import Dashboard
from expresso_desktop.services.organiser import OrganiserServices, build_organiser_services
from expresso_desktop.settings import AppPaths
from expresso_desktop.sms.simulator import SIGNATURE_HEADER, Target, sign, twilio_form
from expresso_desktop.ui.common.collector import GuiThreadCollector

FIRST_FRAME = """
import sys, time
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication

def inside(widget, name):
    while widget is not None:
        if type(widget).__name__ == name:
            return True
        widget = widget.parentWidget()
    return False

class FirstFrame(QObject):
    framed = False
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint and obj.isWidgetType() \\
                and type(obj.window()).__name__ == "OrganiserWindow":
            if not self.framed:
                self.framed = True
                print("first-paint", time.time(), flush=True)
            if inside(obj, "LiveScreen"):
                print("live-paint", time.time(), flush=True)
                app.removeEventFilter(self)
                QTimer.singleShot(0, done)
        return False

def done():
    print("frame-done", time.time(), flush=True)
    app.quit()

app = QApplication(sys.argv[:1])
first = FirstFrame()
app.installEventFilter(first)
from expresso_desktop.cli.main import main
sys.exit(main(sys.argv[1:]))
"""
LOOPBACK = ServeOptions(
    host="127.0.0.1",
    webhook_port=0,
    lan_host="127.0.0.1",
    lan_port=0,
    mdns_interfaces=("127.0.0.1",),
    mdns=False,
)
BODIES = ("large oat latte for Sam", "flat white for Alex", "small cappuccino for Jo")
NUMBER = re.compile(r"\b[A-Z]{1,2}\d{3}\b")
IDLE_S = 3.0
ORDERS_SHOWN = 1000  # the Orders screen reads the newest thousand (order_views.read_rows)
SETTLE_S = 5.0


# -- cold start ---------------------------------------------------------------------------------
def cold_start(template: Path, root: Path, runs: int) -> dict[str, Any]:
    paints, lives, frames = [], [], []
    for k in range(runs):
        data = copy_event(template, root / f"cold{k}")
        command = [sys.executable, "-c", FIRST_FRAME, "--data-dir", str(data), "organiser"]
        loopback = ["--lan-host", "127.0.0.1", "--lan-port", "0", "--webhook-port", "0"]
        started = time.time()
        proc = subprocess.run(
            [*command, *loopback, "--mdns-interface", "127.0.0.1"],
            capture_output=True,
            text=True,
            env=ENV,
            cwd=REPO,
            timeout=60,
        )
        marks = dict(line.split() for line in proc.stdout.splitlines() if line.count(" ") == 1)
        if "first-paint" not in marks:
            raise SystemExit(f"no first frame: {proc.stdout}\n{proc.stderr[-2000:]}")
        paints.append(float(marks["first-paint"]) - started)
        lives.append(float(marks["live-paint"]) - started)
        frames.append(float(marks["frame-done"]) - started)
    return {
        "runs_s": [round(p, 3) for p in paints],
        "first_paint_median_s": round(statistics.median(paints), 3),
        "live_screen_paint_runs_s": [round(p, 3) for p in lives],
        "live_screen_paint_median_s": round(statistics.median(lives), 3),
        "frame_done_median_s": round(statistics.median(frames), 3),
    }


# -- the window in this process -----------------------------------------------------------------
class Done(QObject):
    """The client thread's "finished", delivered on the GUI thread."""

    finished = Signal()


@dataclass
class Seen:
    """When each order number reached the Orders model, and Live's New totals over time."""

    in_orders: dict[str, float] = field(default_factory=dict)
    live: list[tuple[float, int]] = field(default_factory=list)


class Window:
    def __init__(self, app: QApplication, data: Path) -> None:
        self.app = app
        self.data = data
        self.services: OrganiserServices = build_organiser_services(AppPaths(data))
        built = time.perf_counter()
        self.gui: OrganiserGui = build_organiser_gui(self.services, LOOPBACK)
        self.build_s = time.perf_counter() - built
        self.window = self.gui.window
        self.window.resize(1280, 800)
        self.window.show()
        self.seen = Seen()
        self.window.live_screen.dashboard_read.connect(self._on_board)
        started: list[object] = []
        self.gui.host.started.connect(started.append)
        self.gui.host.failed.connect(lambda failure: sys.exit(failure.text))
        self.gui.host.start()
        wait(app, lambda: bool(started), 30)
        wait(app, lambda: self.window.live_screen.dashboard is not None, 30)
        self.target = Target.for_data_dir(data)

    def watch_orders(self) -> None:
        """The Orders screen (built now, as a click on it would) and its model's new rows."""
        self.model = self.window.orders_panel.model
        self.model.rowsInserted.connect(self._on_rows)

    def _on_rows(self, _parent: QModelIndex, first: int, last: int) -> None:
        now = time.perf_counter()
        for i in range(first, last + 1):
            self.seen.in_orders.setdefault(self.model.row_at(i).number, now)

    def _on_board(self, board: Dashboard) -> None:
        self.seen.live.append((time.perf_counter(), sum(t.new for t in board.stations)))

    def new_total(self) -> int:
        board = self.window.live_screen.dashboard
        assert board is not None
        return sum(t.new for t in board.stations)

    def close(self) -> None:
        self.gui.close()
        self.services.close()
        self.window.deleteLater()
        self.app.processEvents()


def wait(app: QApplication, condition: Callable[[], bool], timeout_s: float) -> float:
    """Run the event loop until ``condition``; the perf_counter time it became true."""
    deadline = time.perf_counter() + timeout_s
    while not condition():
        if time.perf_counter() > deadline:
            raise SystemExit(f"timed out waiting (line {condition.__code__.co_firstlineno})")
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 5)
        time.sleep(0.001)
    return time.perf_counter()


def run_loop(app: QApplication, seconds: float) -> float:
    """The real event loop for ``seconds``; the GUI thread's CPU seconds meanwhile."""
    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    cpu = time.thread_time()
    loop.exec()
    return time.thread_time() - cpu


@dataclass
class Sent:
    at: float
    number: str | None
    replied: float = 0.0  # when the webhook's answer (the customer's reply) was read


def post_orders(
    target: Target, count: int, rate: float, prefix: str, bodies: tuple[str, ...] = BODIES
) -> list[Sent]:
    """``count`` signed first orders from new phones, ``rate``/s (open loop)."""

    async def one(session: aiohttp.ClientSession, i: int) -> Sent:
        params = twilio_form(f"{prefix}{i:06d}", bodies[i % len(bodies)])
        headers = {
            SIGNATURE_HEADER: sign(target.secret, target.public_url + "/sms", params),
            "Content-Type": "application/x-www-form-urlencoded",
        }
        at = time.perf_counter()
        async with session.post(target.url + "/sms", data=urlencode(params), headers=headers) as r:
            reply = await r.text()
        found = NUMBER.search(reply)
        if found is None and i == 0:
            print(f"first text not numbered ({r.status}): {reply[:300]}", file=sys.stderr)
        return Sent(at, found.group(0) if found else None, time.perf_counter())

    async def run() -> list[Sent]:
        async with aiohttp.ClientSession() as session:
            t0 = time.perf_counter() + 0.05
            tasks = []
            for i in range(count):
                delay = t0 + i / rate - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                tasks.append(asyncio.create_task(one(session, i)))
            return list(await asyncio.gather(*tasks))

    return asyncio.run(run())


def orders_burst(w: Window, count: int, rate: float, prefix: str) -> dict[str, Any]:
    """Post ``count`` orders from a client thread while the GUI thread runs its event loop:
    latency to the Orders model and to Live, and the GUI thread's CPU per order."""
    idle_cpu = run_loop(w.app, IDLE_S) / IDLE_S
    base_new = w.new_total()
    w.seen.live.clear()
    done = Done()
    loop = QEventLoop()
    done.finished.connect(loop.quit)
    result: list[Sent] = []

    def client() -> None:
        result.extend(post_orders(w.target, count, rate, prefix))
        done.finished.emit()

    thread = threading.Thread(target=client)
    began, cpu = time.perf_counter(), time.thread_time()
    thread.start()
    loop.exec()
    thread.join()
    numbers = sorted((s.number for s in result if s.number), key=lambda n: (len(n), n))
    settle = time.perf_counter() + SETTLE_S
    wait(w.app, lambda: all(n in w.seen.in_orders for n in numbers) or _past(settle), 60)
    wait(w.app, lambda: w.new_total() >= base_new + len(numbers) or _past(settle), 60)
    gui_cpu = time.thread_time() - cpu
    period = time.perf_counter() - began
    sent = {s.number: s.at for s in result if s.number}
    to_orders = [w.seen.in_orders[n] - sent[n] for n in numbers if n in w.seen.in_orders]
    to_live = []
    for k, n in enumerate(numbers, start=1):
        shown = next((t for t, total in w.seen.live if total >= base_new + k), None)
        if shown is not None:
            to_live.append(max(0.0, shown - sent[n]))
    net = gui_cpu - idle_cpu * period
    replies = [s.replied - s.at for s in result if s.number]
    return {
        "sent": count,
        "orders_numbered": len(numbers),
        "webhook_reply_ms": summary_ms(replies) if replies else None,
        "to_orders_model_ms": summary_ms(to_orders) if to_orders else None,
        "to_live_new_count_ms": summary_ms(to_live) if to_live else None,
        "missing_in_orders": len(numbers) - len(to_orders),
        "missing_on_live": len(numbers) - len(to_live),
        "gui_cpu_ms_per_order": round(gui_cpu / max(1, len(numbers)) * 1000, 2),
        "gui_cpu_ms_per_order_less_idle": round(net / max(1, len(numbers)) * 1000, 2),
        "gui_idle_cpu_ms_per_s": round(idle_cpu * 1000, 2),
        "screen": w.window.nav.current_key(),
    }


def _past(deadline: float) -> bool:
    return time.perf_counter() > deadline


def open_orders(w: Window, rows: int) -> dict[str, Any]:
    """Click Orders (the screen is built then, as for a user): until its table has painted
    rows, and until its model holds the newest ``rows`` orders."""
    painted: list[float] = []

    class Painted(QObject):
        def eventFilter(self, obj: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint and w.model.rowCount() and not painted:
                painted.append(time.perf_counter())
            return False

    start = time.perf_counter()
    w.window.nav.show_screen("orders")
    w.watch_orders()
    spy = Painted()
    table = w.window.orders_panel.table.viewport()
    table.installEventFilter(spy)
    rows_at = wait(w.app, lambda: w.model.rowCount() > 0, 30)
    wait(w.app, lambda: bool(painted), 30)
    held_at = wait(w.app, lambda: w.model.rowCount() >= rows, 60)
    table.removeEventFilter(spy)
    return {
        "rows_held": w.model.rowCount(),
        "click_to_first_rows_ms": round((rows_at - start) * 1000, 1),
        "click_to_table_painted_ms": round((painted[0] - start) * 1000, 1),
        "click_to_all_rows_held_ms": round((held_at - start) * 1000, 1),
    }


def rss_mb() -> dict[str, float]:
    status = Path("/proc/self/status").read_text()
    vm = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS"))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"vm_rss_mb": round(vm / 1024, 1), "max_rss_mb": round(peak / 1024, 1)}


def run(args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="expresso-ui-bench-") as tmp:
        root = Path(tmp)
        load_before = machine()
        prepare_event(root / "demo")
        cold = cold_start(root / "demo", root, args.cold_runs)
        app = QApplication.instance() or QApplication(sys.argv[:1])
        assert isinstance(app, QApplication)
        collector = GuiThreadCollector(app)  # as the app runs: collection on the GUI thread
        small = Window(app, copy_event(root / "demo", root / "small"))
        small.watch_orders()  # built, behind Live
        collector.settle()  # as the app does once started
        webhook = orders_burst(small, args.orders, args.rate, "+6141")
        webhook["window_build_ms"] = round(small.build_s * 1000, 1)
        small.close()
        seeded = time.perf_counter()
        prepare_event(root / "big", args.big)
        seed_s = time.perf_counter() - seeded
        big = Window(app, root / "big")
        collector.settle()
        opened = open_orders(big, min(args.big, ORDERS_SHOWN))
        busy = orders_burst(big, args.big_orders, args.rate, "+6142")
        memory = rss_mb()
        big.close()
    return {
        "cold_start": cold,
        "webhook_to_screens": webhook,
        "big_event": {
            "orders": args.big,
            "seed_s": round(seed_s, 1),
            "window_build_ms": round(big.build_s * 1000, 1),
            "open_orders": opened,
            "new_orders": busy,
            "rss": memory,
        },
        "goals": {
            "cold_start_s": 1.5,
            "p50_ms": 30,
            "p99_ms": 80,
            "open_orders_ms": 300,
            "gui_ms_per_order": 5,
            "rss_mb": 300,
        },
        "machine_before": load_before,
        "machine_after": machine(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cold-runs", type=int, default=3)
    parser.add_argument("--orders", type=int, default=200)
    parser.add_argument("--rate", type=float, default=5)
    parser.add_argument("--big", type=int, default=10_000)
    parser.add_argument("--big-orders", type=int, default=100)
    print(json.dumps(run(parser.parse_args()), indent=1))
    sys.stdout.flush()
    os._exit(0)  # the servers' threads are stopped; skip Qt's teardown of the closed windows


if __name__ == "__main__":
    main()
