"""Barista station benchmark (offscreen Qt; the organiser a real ``serve`` process on 127.0.0.1).

- webhook → card: texts signed as Twilio signs them, posted at ``--rate``/s to the organiser's
  webhook; per order the time from sending until its card is in the station's queue model, and
  until the queue has painted after that (the sync's poke, pull, the replica, the window);
- with ``--big`` open orders for this station: the GUI thread's CPU per new order
  (``time.thread_time`` over the posting period, less the same period's idle cost), and a tap
  (Start) until its card has changed and the queue has painted (``--taps``);
- cold start: ``main.py barista`` on the paired station's data folder in a fresh process, from
  spawn to the station window's first paint (median of ``--cold-runs``);
- RSS once the station holds ``--big`` open orders of its own and twice as many at the other
  stations: of this process (which ran a small station first), and of ``main.py barista`` in a
  process of its own on the same replica (``station_process_rss_mb``).

Prints JSON (with the machine's load average). Goals (issue 12): p50 <= 30 ms, p99 <= 80 ms;
< 5 ms GUI time per new order with 2,000 open; a tap visible in < 16 ms; cold start < 1.5 s;
RSS < 250 MB with 5,000 orders.
Usage: python bench/barista_ui.py [--orders 200] [--rate 5] [--big 2000] [--taps 30]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from functools import partial
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEvent, QEventLoop, QModelIndex, QObject
from PySide6.QtWidgets import QApplication, QWidget

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import ENV, REPO, machine, prepare_event, start_serve, stop, summary_ms
from bench.organiser_ui import Done, Sent, post_orders, rss_mb, run_loop, wait
from expresso_desktop.core.orders import Action, OrderStatus
from expresso_desktop.settings import AppPaths
from expresso_desktop.sms.simulator import Target
from expresso_desktop.sync.station import StationOptions
from expresso_desktop.ui.barista.main_window import BaristaWindow
from expresso_desktop.ui.barista.order_card import CardTapped
from expresso_desktop.ui.barista.pair_box import PairRequest
from expresso_desktop.ui.barista.queue_board import CardView
from expresso_desktop.ui.barista.station_app import PairingResult, StationApp
from expresso_desktop.ui.common.collector import GuiThreadCollector

FIRST_FRAME = """
import sys, time
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication

class FirstFrame(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint and obj.isWidgetType() \\
                and type(obj.window()).__name__ == "BaristaWindow":
            print("first-paint", time.time(), flush=True)
            app.removeEventFilter(self)
            QTimer.singleShot(0, app.quit)
        return False

app = QApplication(sys.argv[:1])
first = FirstFrame()
app.installEventFilter(first)
from expresso_desktop.cli.main import main
sys.exit(main(sys.argv[1:]))
"""
# The station as a user runs it (``main.py barista``), until its queue holds ``wanted`` orders
# and the app has settled (its collector freezes what start-up allocated after 5 s): its RSS.
STEADY_RSS = """
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

app = QApplication(sys.argv[:1])
wanted = int(sys.argv.pop(1))

def check():
    for w in app.topLevelWidgets():
        model = getattr(w, "model", None)
        if type(w).__name__ == "BaristaWindow" and model is not None and model.rowCount() >= wanted:
            QTimer.singleShot(8000, report)
            return
    QTimer.singleShot(100, check)

def report():
    status = open("/proc/self/status").read()
    kb = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS"))
    print("rss-kb", kb, flush=True)
    app.quit()

QTimer.singleShot(100, check)
from expresso_desktop.cli.main import main
sys.exit(main(sys.argv[1:]))
"""
IDLE_S = 3.0
AT_STATION_1 = (
    "large oat latte with an extra shot for Sam at station 1",
    "flat white for Alex at station 1",
    "small decaf cappuccino for Jo at station 1",
)
SETTLE_S = 10.0


class Painted(QObject):
    """Notes the time of every paint of the queue's card views (watched one by one: a filter on
    the whole application would itself cost GUI time on every event), and with ``titles`` of
    the lane titles too: a card that lands below the screen paints nothing, its lane's count is
    what changes in sight."""

    def __init__(self, window: BaristaWindow, *, titles: bool = False) -> None:
        super().__init__()
        self.times: list[float] = []
        self.views: list[QWidget] = [view.viewport() for view in window.findChildren(CardView)]
        if titles:
            self.views.extend(window.board.lane_titles.values())
        for viewport in self.views:
            viewport.installEventFilter(self)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.times.append(time.perf_counter())
        return False

    def stop(self) -> None:
        for viewport in self.views:
            viewport.removeEventFilter(self)

    def seen_after(self, moment: float) -> bool:
        return self.after(moment) is not None

    def after(self, moment: float) -> float | None:
        return next((t for t in self.times if t >= moment), None)


class Station:
    """A paired station (``StationApp``, the real window) on the organiser at ``url``."""

    def __init__(self, app: QApplication, data: Path, url: str, code: str) -> None:
        self.app = app
        self.station = StationApp(AppPaths(data), StationOptions())
        self.window = self.station.window
        self.window.resize(1280, 800)
        self.window.show()
        self.station.start()
        outcome: list[PairingResult] = []
        self.station.paired.connect(outcome.append)
        self.station.pair(PairRequest(url, code, ""))
        wait(app, lambda: bool(outcome), 60)
        if not outcome[0].ok:
            raise SystemExit(f"pairing failed: {outcome[0].error}")
        self.station.show_queue()  # past the PIN page: nobody logged in
        self.seen: dict[str, float] = {}
        self.window.model.rowsInserted.connect(self._on_rows)
        self.painted = Painted(self.window)  # a tap: its card moved
        self.arrived = Painted(self.window, titles=True)  # a new order: its card or lane count

    def _on_rows(self, _parent: QModelIndex, first: int, last: int) -> None:
        now = time.perf_counter()
        orders = self.window.model.orders()
        for i in range(first, last + 1):
            self.seen.setdefault(orders[i].number, now)

    def queue_size(self) -> int:
        return self.window.model.rowCount()

    def close(self) -> None:
        self.painted.stop()
        self.arrived.stop()
        self.station.close()
        self.window.deleteLater()
        self.app.processEvents()


def pairing_code(data: Path) -> str:
    out = subprocess.run(
        [sys.executable, str(REPO / "main.py"), "--data-dir", str(data), "devices", "pair",
         "--station", "1"],
        capture_output=True, text=True, env=ENV, timeout=60, check=True,
    ).stdout  # fmt: skip
    found = re.search(r"Pairing code: (\w+)", out)
    if not found:
        raise SystemExit(f"no pairing code: {out}")
    return found.group(1)


def burst(s: Station, target: Target, count: int, rate: float, prefix: str) -> dict[str, Any]:
    """``count`` texts for station 1 while the GUI thread runs: card in the model, then painted;
    the GUI thread's CPU per order."""
    idle_cpu = run_loop(s.app, IDLE_S) / IDLE_S
    done = Done()
    loop = QEventLoop()
    done.finished.connect(loop.quit)
    result: list[Sent] = []

    def client() -> None:
        result.extend(post_orders(target, count, rate, prefix, AT_STATION_1))
        done.finished.emit()

    thread = threading.Thread(target=client)
    began, cpu = time.perf_counter(), time.thread_time()
    thread.start()
    loop.exec()
    thread.join()
    numbers = [r.number for r in result if r.number]
    settle = time.perf_counter() + SETTLE_S
    wait(s.app, lambda: all(n in s.seen for n in numbers) or time.perf_counter() > settle, 60)
    gui_cpu = time.thread_time() - cpu
    period = time.perf_counter() - began
    sent = {r.number: r.at for r in result if r.number}
    to_model = [s.seen[n] - sent[n] for n in numbers if n in s.seen]
    to_paint = []
    for n in numbers:
        if n in s.seen and (painted := s.arrived.after(s.seen[n])) is not None:
            to_paint.append(painted - sent[n])
    return {
        "sent": count,
        "orders_numbered": len(numbers),
        "missing_in_queue": len(numbers) - len(to_model),
        "webhook_reply_ms": summary_ms([r.replied - r.at for r in result if r.number]),
        "to_queue_model_ms": summary_ms(to_model) if to_model else None,
        "to_card_painted_ms": summary_ms(to_paint) if to_paint else None,
        "gui_cpu_ms_per_order": round(gui_cpu / max(1, len(numbers)) * 1000, 2),
        "gui_cpu_ms_per_order_less_idle": round(
            (gui_cpu - idle_cpu * period) / max(1, len(numbers)) * 1000, 2
        ),
        "queue_size_after": s.queue_size(),
    }


def taps(s: Station, count: int) -> dict[str, Any]:
    """Start on ``count`` new cards, one at a time: until the card shows it and has painted."""
    times: list[float] = []
    cpu: list[float] = []
    for _ in range(count):
        order = next(o for o in s.window.model.orders() if o.status is OrderStatus.NEW)
        key = order.id
        began, began_cpu = time.perf_counter(), time.thread_time()
        s.window.delegate.tapped.emit(CardTapped(order, Action.START))

        def changed(key: str = key) -> bool:
            now = s.window.model.order(key)
            return now is not None and now.status is OrderStatus.IN_PROGRESS

        shown = wait(s.app, changed, 10)
        painted = wait(s.app, partial(s.painted.seen_after, shown), 10)
        times.append((s.painted.after(shown) or painted) - began)
        cpu.append(time.thread_time() - began_cpu)
        run_loop(s.app, 0.05)
    return {
        "taps": count,
        "tap_to_painted_ms": summary_ms(times),
        "gui_cpu_per_tap_ms": round(statistics.median(cpu) * 1000, 2),
    }


def holds(s: Station, wanted: int) -> bool:
    return s.queue_size() >= wanted


def cold_start(data: Path, root: Path, runs: int) -> dict[str, Any]:
    paints = []
    for k in range(runs):
        copy = root / f"cold{k}"
        shutil.copytree(data, copy)
        started = time.time()
        proc = subprocess.run(
            [sys.executable, "-c", FIRST_FRAME, "--data-dir", str(copy), "barista"],
            capture_output=True, text=True, env=ENV, cwd=REPO, timeout=60,
        )  # fmt: skip
        marks = dict(line.split() for line in proc.stdout.splitlines() if line.count(" ") == 1)
        if "first-paint" not in marks:
            raise SystemExit(f"no first frame: {proc.stdout}\n{proc.stderr[-2000:]}")
        paints.append(float(marks["first-paint"]) - started)
    return {
        "runs_s": [round(p, 3) for p in paints],
        "first_paint_median_s": round(statistics.median(paints), 3),
    }


def station_process_rss(data: Path, wanted: int) -> float:
    """MB resident in a station process (``main.py barista``) holding ``wanted`` open orders."""
    proc = subprocess.run(
        [sys.executable, "-c", STEADY_RSS, str(wanted), "--data-dir", str(data), "barista"],
        capture_output=True, text=True, env=ENV, cwd=REPO, timeout=180,
    )  # fmt: skip
    marks = dict(line.split() for line in proc.stdout.splitlines() if line.count(" ") == 1)
    if "rss-kb" not in marks:
        raise SystemExit(f"no RSS: {proc.stdout}\n{proc.stderr[-2000:]}")
    return round(int(marks["rss-kb"]) / 1024, 1)


def run(args: argparse.Namespace) -> dict[str, Any]:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    collector = GuiThreadCollector(app)  # as the app runs
    load_before = machine()
    with tempfile.TemporaryDirectory(prefix="expresso-barista-bench-") as tmp:
        root = Path(tmp)
        results: dict[str, Any] = {}
        for name, open_orders in (("small", 0), ("big", args.big)):
            org = root / f"organiser-{name}"
            # ``--big`` at station 1 (seeded round-robin over the three stations) and the rest.
            prepare_event(org, open_orders * 3 if open_orders else 0)
            proc, url = start_serve(org)
            try:
                s = Station(app, root / f"station-{name}", url, pairing_code(org))
                wait(app, partial(holds, s, open_orders), 300)
                collector.settle()
                target = Target.for_data_dir(org)
                count = args.orders if name == "small" else args.big_orders
                result = burst(s, target, count, args.rate, f"+6143{len(name)}")
                if name == "big":
                    result["taps"] = taps(s, args.taps)
                    result["rss"] = rss_mb()
                    result["open_orders_at_station"] = open_orders
                    result["orders_in_replica"] = open_orders * 3 + count
                else:
                    result["cold_start"] = cold_start(
                        root / f"station-{name}", root, args.cold_runs
                    )
                results[name] = result
                held = s.queue_size()
                s.close()
                if name == "big":  # the station alone, in its own process, as a user runs it
                    result["station_process_rss_mb"] = station_process_rss(
                        root / f"station-{name}", held
                    )
            finally:
                stop(proc)
    return {
        "webhook_to_card": results["small"],
        "big_queue": results["big"],
        "goals": {
            "p50_ms": 30,
            "p99_ms": 80,
            "gui_ms_per_order": 5,
            "tap_to_visible_ms": 16,
            "cold_start_s": 1.5,
            "rss_mb": 250,
        },
        "machine_before": load_before,
        "machine_after": machine(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=200)
    parser.add_argument("--rate", type=float, default=5)
    parser.add_argument("--big", type=int, default=2000, help="open orders at this station")
    parser.add_argument("--big-orders", type=int, default=100)
    parser.add_argument("--taps", type=int, default=30)
    parser.add_argument("--cold-runs", type=int, default=3)
    print(json.dumps(run(parser.parse_args()), indent=2))


if __name__ == "__main__":
    main()
