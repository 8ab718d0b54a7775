"""Station sync benchmark against a real organiser process (``main.py serve``, LAN API over TLS
on 127.0.0.1, certificate pinned), with real station engines (replica files, HTTP transport).

1. ``offline_reconcile_s``: 1,000 mutations queued at a station while it is offline (walk-ins,
   starts, stock use, chat), then one sync round after reconnecting: all pushed, applied
   exactly once, pulled back and rebased. Goal < 1 s.
2. ``bootstrap_10k_orders_s``: a new station joins an event of 10,000 orders (hello,
   snapshot, catch-up pull) until its replica hash equals the organiser's. Goal < 0.5 s.
   The median of ``--bootstraps`` new stations (each run in ``bootstrap_runs_s``).
3. ``visibility_ms``: steady state, a tap at station A visible in station B's replica
   (A's push, the organiser's commit, the poke, B's pull and apply). Goal p99 <= 20 ms.
   A and B run in separate processes, as two stations are two machines.

Prints JSON, with the machine's load average (on a shared machine compare runs, not absolutes);
``--profile``: py-spy's top functions in the organiser per phase (py-spy installed beside Python).
Usage: python bench/sync.py [--orders 10000] [--mutations 1000] [--samples 200]
       [--bootstraps 3] [--profile]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import text

from bench.common import (
    machine,
    prepare_event,
    py_spy,
    start_serve,
    stop,
    stop_py_spy,
    summary_ms,
    top_frames,
)
from expresso_desktop.core.sync_protocol import PullPage
from expresso_desktop.server.tls import ensure_identity
from expresso_desktop.services import devices
from expresso_desktop.services.organiser import build_organiser_services
from expresso_desktop.settings import AppPaths
from expresso_desktop.store import sync_rows
from expresso_desktop.store.engine import read_session
from expresso_desktop.sync import outbox
from expresso_desktop.sync.engine import SyncEngine
from expresso_desktop.sync.http_transport import HttpTransport
from expresso_desktop.sync.replica import Replica, put
from expresso_desktop.sync.runner import SyncRunner


def prepare(data: Path, orders: int) -> dict[str, Any]:
    """The event, its orders and device tokens, written before the organiser starts."""
    prepare_event(data, orders)
    services = build_organiser_services(AppPaths(data))
    try:
        with read_session(services.engine) as s:
            station = s.exec(text("SELECT id FROM stations ORDER BY number LIMIT 1")).scalar()
        tokens = [
            services.writer.run_sync(
                lambda tx, n=n: devices.add_device(
                    session=tx.session, name=f"bench {n}", role="barista", station_id=station
                )
            ).token
            for n in range(4)
        ]
        return {"station_id": station, "tokens": tokens}
    finally:
        services.close()


def station(root: Path, name: str, url: str, token: str, fp: bytes, station_id: int) -> SyncEngine:
    replica = Replica(root / f"{name}.db")
    with replica.write() as conn:
        put(conn, "station_id", str(station_id))
    return SyncEngine(replica, HttpTransport(url, token, fp))


def organiser_hash(data: Path) -> str:
    from sqlalchemy import create_engine

    engine = create_engine(f"sqlite:///{data / 'organiser.db'}")
    try:
        with engine.connect() as conn:
            return sync_rows.state_hash(conn)
    finally:
        engine.dispose()


async def bench_bootstraps(
    root: Path, data: Path, url: str, env: dict[str, Any], fp: bytes, runs: int
) -> list[float]:
    """``runs`` new stations, one after another (one download is one sample: a single one
    swings by half on a busy machine)."""
    return [await bench_bootstrap(root, data, url, env, fp, f"newcomer{n}") for n in range(runs)]


async def bench_bootstrap(
    root: Path, data: Path, url: str, env: dict[str, Any], fp: bytes, name: str
) -> float:
    engine = station(root, name, url, env["tokens"][0], fp, env["station_id"])
    try:
        started = time.perf_counter()
        await engine.sync_once()
        elapsed = time.perf_counter() - started
        assert engine.replica.state_hash() == organiser_hash(data), "bootstrap diverged"
        return elapsed
    finally:
        await engine.transport.close()
        engine.replica.close()


async def bench_offline(root: Path, url: str, env: dict[str, Any], fp: bytes, n: int) -> float:
    engine = station(root, "offline", url, env["tokens"][1], fp, env["station_id"])
    try:
        await engine.sync_once()
        with engine.replica.read() as conn:
            items = conn.execute(
                text("SELECT id, generation FROM stock_items WHERE station_id = :s"),
                {"s": env["station_id"]},
            ).all()
            new = conn.execute(
                text("SELECT id FROM orders WHERE status = 'new' AND station_id = :s LIMIT :n"),
                {"s": env["station_id"], "n": n},
            ).scalars()
            new_ids = list(new)
        for k in range(n):  # offline: recorded locally only
            name, args = _offline_tap(k, env["station_id"], items, new_ids)
            outbox.record(engine.replica, name, args)
        started = time.perf_counter()
        await engine.sync_once()
        elapsed = time.perf_counter() - started
        with engine.replica.read() as conn:
            counts = outbox.counts(conn)
        assert counts["pending"] == 0 and counts["acked"] == n, counts
        return elapsed
    finally:
        await engine.transport.close()
        engine.replica.close()


async def bench_visibility(
    root: Path, url: str, env: dict[str, Any], fp: bytes, samples: int
) -> list[float]:
    """A in this process, B in a process of its own (two stations are two machines: sharing
    one interpreter, B would wait for A's GIL). B reports when each chat message arrived
    (``time.perf_counter``: the system's monotonic clock, the same in both processes), taken
    inside B right after the page holding the change committed."""
    a = station(root, "a", url, env["tokens"][2], fp, env["station_id"])
    context = multiprocessing.get_context("spawn")
    arrivals, b_stop = context.Queue(), context.Event()
    b = context.Process(
        target=run_station_b,
        args=(root, url, env["tokens"][3], fp, env["station_id"], arrivals, b_stop),
        name="station-b",
    )
    b.start()
    arrived: dict[str, float] = {}
    seen = threading.Condition()
    threading.Thread(target=_collect, args=(arrivals, arrived, seen), daemon=True).start()
    runner = SyncRunner(a, interval_s=5.0)
    stop = asyncio.Event()
    task = asyncio.create_task(runner.run(stop))
    try:
        while a.replica.epoch is None:
            await asyncio.sleep(0.05)
        await asyncio.to_thread(_wait_for, seen, arrived, READY, 60)
        await asyncio.sleep(1.0)  # both poke sockets are up
        latencies = []
        for k in range(samples + 10):
            message_id = str(uuid.uuid4())
            started = time.perf_counter()
            outbox.record(a.replica, "chat.post", {"message_id": message_id, "channel": "all",
                          "body": f"sample {k}"})  # fmt: skip
            runner.trigger()  # what the station's screen does after a tap
            got = await asyncio.to_thread(_wait_for, seen, arrived, message_id)
            if k >= 10:  # warm-up
                latencies.append((got - started) * 1000)
            await asyncio.sleep(0.02)
        return latencies
    finally:
        stop.set()
        await task
        b_stop.set()
        b.join(15)
        a.replica.close()


READY = "ready"  # B's first message: bootstrapped, its runner started


def run_station_b(
    root: Path, url: str, token: str, fp: bytes, station_id: int, arrivals: Any, stop: Any
) -> None:
    """Station B's process: a runner whose applied pages report their chat messages."""
    b = station(root, "b", url, token, fp, station_id)
    apply_page = b.apply_page

    def observed(cursor: int, page: PullPage) -> Any:
        out = apply_page(cursor, page)
        now = time.perf_counter()
        for change in page.changes:
            if change.entity == "chat_messages":
                arrivals.put((change.id, now))
        return out

    b.apply_page = observed  # type: ignore[method-assign]

    async def main() -> None:
        done = asyncio.Event()
        loop = asyncio.get_running_loop()
        threading.Thread(target=lambda: (stop.wait(), loop.call_soon_threadsafe(done.set)),
                         daemon=True).start()  # fmt: skip
        runner = SyncRunner(b, interval_s=5.0)
        task = asyncio.create_task(runner.run(done))
        while b.replica.epoch is None:
            await asyncio.sleep(0.05)
        arrivals.put((READY, time.perf_counter()))
        await task

    try:
        asyncio.run(main())
    finally:
        b.replica.close()


def _collect(arrivals: Any, arrived: dict[str, float], seen: threading.Condition) -> None:
    while True:
        key, at = arrivals.get()
        with seen:
            arrived.setdefault(key, at)
            seen.notify_all()


def _offline_tap(
    k: int, station_id: int, items: list[Any], new_ids: list[str]
) -> tuple[str, dict[str, Any]]:
    """A mix of what a busy station does offline: walk-ins, starts, stock use, chat."""
    kind = k % 4
    if kind == 0:
        items_in = [{"drink": "latte"}]
        return "order.create", {"order_id": str(uuid.uuid4()), "station_id": station_id,
                                "items": items_in}  # fmt: skip
    if kind == 1:
        return "order.start", {"order_id": new_ids[k // 4]}
    if kind == 2:
        item_id, generation = items[k % len(items)]
        return "stock.consume", {"item_id": item_id, "qty": 1, "generation": generation}
    return "chat.post", {"message_id": str(uuid.uuid4()), "channel": "all", "body": "offline"}


def _wait_for(
    seen: threading.Condition, arrived: dict[str, float], key: str, timeout: float = 10
) -> float:
    with seen:
        assert seen.wait_for(lambda: key in arrived, timeout=timeout), "never arrived"
        return arrived[key]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--mutations", type=int, default=1_000)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--bootstraps", type=int, default=3, help="new stations (median)")
    parser.add_argument("--profile", action="store_true", help="py-spy on the organiser")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="expresso-bench-sync-") as folder:
        root = Path(folder)
        data = root / "organiser"
        load_before = machine()
        setup = time.perf_counter()
        env = prepare(data, args.orders)
        setup_s = time.perf_counter() - setup
        fp = ensure_identity(data).fingerprint
        proc, url = start_serve(data)
        profiles: dict[str, Any] = {}

        def phase(name: str, work: Any) -> Any:
            spy = py_spy(proc.pid, root / f"{name}.txt") if args.profile else None
            try:
                return asyncio.run(work)
            finally:
                stop_py_spy(spy)
                if spy is not None:
                    profiles[name] = top_frames(root / f"{name}.txt", 15)

        try:
            boots = phase("bootstrap", bench_bootstraps(root, data, url, env, fp, args.bootstraps))
            offline = phase("offline", bench_offline(root, url, env, fp, args.mutations))
            latencies = phase("visibility", bench_visibility(root, url, env, fp, args.samples))
        finally:
            stop(proc)
    print(json.dumps({
        "orders": args.orders,
        "setup_s": round(setup_s, 1),
        "bootstrap_10k_orders_s": round(statistics.median(boots), 3),
        "bootstrap_runs_s": [round(b, 3) for b in boots],
        "offline_mutations": args.mutations,
        "offline_reconcile_s": round(offline, 3),
        "visibility_ms": summary_ms([ms / 1000 for ms in latencies]),
        "goals": {"offline_reconcile_s": 1.0, "bootstrap_10k_orders_s": 0.5,
                  "visibility_p99_ms": 20},
        "machine_before": load_before,
        "machine_after": machine(),
        **({"profiles": profiles} if profiles else {}),
    }, indent=1))  # fmt: skip


if __name__ == "__main__":
    main()
