"""What the benchmarks share: real ``serve`` processes on a data folder, seeding an event with
open orders before it starts, percentiles, and the machine's load (figures taken on a busy
machine are only good as ratios within one run)."""

from __future__ import annotations

import os
import shutil
import signal
import statistics
import subprocess
import sys
from collections import Counter
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import text
from sqlmodel import col, select

from expresso_desktop.core.orders import format_order_number
from expresso_desktop.services import event_settings
from expresso_desktop.services.changes import row_image
from expresso_desktop.services.demo import seed_demo
from expresso_desktop.services.organiser import OrganiserServices, build_organiser_services
from expresso_desktop.services.writer import Tx
from expresso_desktop.settings import AppPaths
from expresso_desktop.store.engine import read_session
from expresso_desktop.store.tables import ChangeLog, Order, OrderItem, Station
from expresso_desktop.store.types import utcnow

REPO = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "EXPRESSO_MDNS_INTERFACES": "127.0.0.1"}
SEED_CHUNK = 1000  # orders per seeding transaction


def machine() -> dict[str, Any]:
    """Load average over 1/5/15 minutes and the CPUs it is shared by."""
    return {"loadavg": [round(x, 2) for x in os.getloadavg()], "cpus": os.cpu_count()}


def pct(values: Sequence[float], q: float) -> float:
    """The ``q`` quantile of ``values`` (nearest rank), unchanged units."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def summary_ms(seconds: Sequence[float]) -> dict[str, float]:
    ms = [s * 1000 for s in seconds]
    return {
        "n": len(ms),
        "p50": round(pct(ms, 0.50), 2),
        "p99": round(pct(ms, 0.99), 2),
        "max": round(max(ms), 2),
        "mean": round(statistics.mean(ms), 2),
    }


def prepare_event(data: Path, open_orders: int = 0) -> None:
    """The demo event, plus ``open_orders`` orders waiting (New), spread over its stations the
    way routing would spread them, stored before serving (``seed_open_orders``). The
    throttle is off: every text that names a drink a station can make becomes an order, however
    long the queue (the path measured is the one that stores an order)."""
    services = build_organiser_services(AppPaths(data))
    try:
        services.writer.run_sync(partial(seed_demo, event_id=services.event_id, menu=services.menu))
        no_throttle = {"throttle_wait_minutes": 0}
        services.writer.run_sync(
            lambda tx: event_settings.update(tx, no_throttle, services.menu, services.templates)
        )
        seed_open_orders(services, open_orders)
    finally:
        services.close()


def seed_open_orders(services: OrganiserServices, count: int) -> None:
    """``count`` New orders of one latte each, spread over the stations, in bulk: the rows
    ``store_order`` would write (numbered from the event's counter, each row and its change-log
    image with its version), inserted a thousand at a time with executemany. The orders are
    the benchmark's setting, not what it measures, and one by one they took minutes."""
    with read_session(services.engine) as session:
        stations = [
            station
            for station in session.exec(
                select(col(Station.id))
                .where(Station.event_id == services.event_id)
                .order_by(col(Station.number))
            ).all()
            if station is not None
        ]
    for start in range(0, count, SEED_CHUNK):
        n = min(SEED_CHUNK, count - start)
        services.writer.run_sync(partial(_bulk_orders, event_id=services.event_id,
                                         stations=stations, start=start, n=n))  # fmt: skip


def _bulk_orders(tx: Tx, *, event_id: int, stations: list[int], start: int, n: int) -> None:
    conn = tx.session.connection()
    version = int(conn.execute(_HEAD).scalar_one())
    number = int(conn.execute(_BUMP_COUNTER, {"e": event_id, "n": n}).scalar_one()) - n
    now = utcnow()
    orders, items, log = [], [], []
    for k in range(start, start + n):
        number += 1
        order = Order(event_id=event_id, number=format_order_number(number),
                      station_id=stations[k % len(stations)], customer_name=f"Seeded {k}",
                      source="sms", created_at=now, row_version=version + 1)  # fmt: skip
        item = OrderItem(order_id=order.id, position=0, drink="latte", size="medium",
                         milk="full cream", quantity=1, extras_json=[],
                         row_version=version + 2)  # fmt: skip
        for entity, row in (("orders", order), ("order_items", item)):
            version += 1
            log.append({"version": version, "entity": entity, "entity_id": row.id, "op": "upsert",
                        "data_json": row_image(row), "committed_at": now})  # fmt: skip
        orders.append(order.model_dump())
        items.append(item.model_dump())
    conn.execute(Order.__table__.insert(), orders)  # type: ignore[attr-defined]
    conn.execute(OrderItem.__table__.insert(), items)  # type: ignore[attr-defined]
    conn.execute(ChangeLog.__table__.insert(), log)  # type: ignore[attr-defined]


_HEAD = text(
    "SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'change_log'), 0),"
    " COALESCE((SELECT MAX(version) FROM change_log), 0))"
)
_BUMP_COUNTER = text(
    "INSERT INTO order_number_counters (event_id, last_value) VALUES (:e, :n)"
    " ON CONFLICT (event_id) DO UPDATE SET last_value = last_value + :n RETURNING last_value"
)


def copy_event(template: Path, target: Path) -> Path:
    """A fresh copy of a prepared data folder (each run starts from the same state)."""
    shutil.copytree(template, target)
    return target


def start_serve(data: Path, *extra: str) -> tuple[subprocess.Popen[str], str]:
    """``main.py serve --demo`` on ``data``: webhook and LAN API on 127.0.0.1, no mDNS. Returns
    the process and the LAN API's URL once it says it is serving."""
    command = [sys.executable, str(REPO / "main.py"), "--data-dir", str(data), "serve", "--demo"]
    lan = ["--lan-host", "127.0.0.1", "--lan-port", "0", "--no-mdns"]
    proc = subprocess.Popen(
        [*command, "--webhook-port", "0", *lan, *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=ENV,
    )
    assert proc.stdout is not None
    url = ""
    for line in proc.stdout:
        if line.startswith("Expresso lan on "):
            url = line.split(" on ", 1)[1].strip()
        if "serving" in line:
            return proc, url
    raise SystemExit("serve did not start")


def stop(proc: subprocess.Popen[str]) -> None:
    proc.terminate()
    proc.wait(timeout=30)


def process_cpu_s(pid: int) -> float:
    """User + system CPU seconds a process has used so far (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def py_spy(pid: int, out: Path) -> subprocess.Popen[bytes] | None:
    """Sample ``pid`` with py-spy (if installed beside this Python) until ``stop_py_spy``:
    collapsed stacks per thread in ``out``, idle threads left out, so samples are CPU."""
    exe = Path(sys.executable).parent / "py-spy"
    if not exe.exists():
        return None
    command = [str(exe), "record", "--pid", str(pid), "--rate", "200", "--format", "raw"]
    return subprocess.Popen(
        [*command, "--threads", "--nolineno", "--nonblocking", "--output", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def stop_py_spy(proc: subprocess.Popen[bytes] | None) -> None:
    if proc is not None:
        proc.send_signal(signal.SIGINT)  # py-spy writes its file on Ctrl-C
        proc.wait(timeout=60)


def top_frames(collapsed: Path, n: int = 25) -> dict[str, list[str]]:
    """The ``n`` functions with most samples in a py-spy raw file: inclusive and own, as
    percentages of all samples, per thread kind (the writer, the event loop, the others)."""
    inclusive: dict[str, Counter[str]] = {}
    own: dict[str, Counter[str]] = {}
    totals: Counter[str] = Counter()
    for line in collapsed.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = stack.split(";")
        kind = _thread_kind(frames)
        samples = int(count)
        totals[kind] += samples
        for frame in set(frames[1:]):
            inclusive.setdefault(kind, Counter())[frame] += samples
        own.setdefault(kind, Counter())[frames[-1]] += samples
    grand = sum(totals.values()) or 1
    out: dict[str, list[str]] = {}
    for kind, total in totals.most_common():
        out[f"{kind} ({100 * total / grand:.0f}% of samples) inclusive"] = [
            f"{100 * c / grand:5.1f}% {frame}" for frame, c in inclusive[kind].most_common(n)
        ]
        out[f"{kind} own"] = [
            f"{100 * c / grand:5.1f}% {frame}" for frame, c in own[kind].most_common(n)
        ]
    return out


def _thread_kind(frames: list[str]) -> str:
    stack = ";".join(frames)
    if "writer.py" in stack and "_execute" in stack:
        return "writer"
    if "base_events.py" in stack or "run_until_complete" in stack:
        return "loop"
    return "other"
