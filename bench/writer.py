"""Writer CPU per order-creating text, and where it goes.

Builds the organiser's services on a fresh demo event (optionally with ``--open-orders`` waiting)
in this process and hands order-creating texts ("large oat latte for Sam" from new numbers) to
the real single writer exactly as the webhook's ``InboundQueue`` does (``receive_many`` with the
same ``Conversation`` and ``ReadCache``), ``--batch`` texts per transaction. This process does
nothing else meanwhile, so its CPU time (``time.process_time``) is the writer thread's: the
conversation, routing, the rows, the change log, the commit and the change bus's subscribers.
A second pass under cProfile (timed by the writer thread's CPU clock) gives the top functions,
in microseconds of CPU and calls per text.

SQL statements are counted as SQLite runs them (its trace callback on the writer's connection:
BEGIN, SAVEPOINT, RELEASE and COMMIT included, whether they came through SQLAlchemy or not).

Prints JSON. Goal (issue 14): <= 1 ms per order-creating text.
Usage: python bench/writer.py [--texts 500] [--batch 1] [--open-orders 0] [--top 25]
       [--pstats FILE] (the profile, for ``python -m pstats FILE``)
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import random
import sys
import tempfile
import time
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import machine, prepare_event
from expresso_desktop.services.organiser import build_organiser_services
from expresso_desktop.services.read_cache import ReadCache
from expresso_desktop.services.writer import Tx
from expresso_desktop.settings import AppPaths
from expresso_desktop.sms.conversation import Conversation
from expresso_desktop.sms.inbound import InboundResult, InboundText, receive_many
from expresso_desktop.sms.simulated_customers import NAMES, realistic_text

WARM_UP = 30


def order_texts(rng: random.Random, menu: object, start: int, n: int) -> list[InboundText]:
    return [
        InboundText(
            f"SMbench{k:026d}",
            f"+6143{k:07d}",
            "+61400000000",
            realistic_text(rng, menu, name=rng.choice(NAMES)),  # type: ignore[arg-type]
        )
        for k in range(start, start + n)
    ]


def top_functions(profile: cProfile.Profile, key: str, n: int, texts: int) -> list[str]:
    """``n`` lines: cumulative or own time per text in microseconds, calls per text, function."""
    stats = pstats.Stats(profile, stream=io.StringIO())
    rows = []
    for (file, line, name), (_, calls, tottime, cumtime, _) in stats.stats.items():  # type: ignore[attr-defined]
        where = file.split("site-packages/")[-1].split("/main/")[-1]
        value = cumtime if key == "cumulative" else tottime
        rows.append((value, calls, f"{where}:{line}({name})"))
    rows.sort(reverse=True)
    return [f"{v / texts * 1e6:8.0f} us {c / texts:6.1f}x {where}" for v, c, where in rows[:n]]


def _counted(statements: list[int], work: object, traced: set[Any]) -> object:
    """``work`` with every statement SQLite runs on the writer's connection counted (the
    counter sits on the connection, so COMMIT, run after ``work`` returns, counts too; take
    it off the ``traced`` connections afterwards: it slows every statement down)."""

    def run(tx: Tx, texts: list[InboundText]) -> list[InboundResult]:
        conn = tx.session.connection().connection.driver_connection
        conn.set_trace_callback(lambda _: _count(statements))  # type: ignore[union-attr]
        traced.add(conn)
        return work(tx, texts=texts)  # type: ignore[operator, no-any-return]

    return run


def _count(statements: list[int]) -> None:
    statements[0] += 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=500)
    parser.add_argument("--batch", type=int, default=1)
    parser.add_argument("--open-orders", type=int, default=0)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--pstats", type=Path, help="save the profile here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="expresso-bench-writer-") as tmp:
        data = Path(tmp)
        prepare_event(data, args.open_orders)
        services = build_organiser_services(AppPaths(data))
        cache = ReadCache(services.bus)
        conversation = Conversation(
            event_id=services.event_id,
            menu=services.menu,
            templates=services.texts,
            cache=cache,
        )
        rng = random.Random(7)
        profile = cProfile.Profile(time.thread_time)  # CPU, not waits (fsync, a busy machine)
        statements = [0]

        def profiled(tx: Tx, texts: list[InboundText]) -> list[InboundResult]:
            profile.enable()
            try:
                return receive_many(tx, conversation, texts)
            finally:
                profile.disable()

        def feed(start: int, n: int, work: object) -> int:
            orders = 0
            for k in range(start, start + n, args.batch):
                texts = order_texts(rng, services.menu, k, min(args.batch, start + n - k))
                results = services.writer.run_sync(partial(work, texts=texts))  # type: ignore[arg-type]
                orders += sum(1 for r in results if r.order_id is not None)
            return orders

        inside = [0.0]  # the writer thread's CPU inside receive_many (the rest: BEGIN/COMMIT...)

        def timed(tx: Tx, texts: list[InboundText]) -> list[InboundResult]:
            start = time.thread_time()
            try:
                return receive_many(tx, conversation, texts)
            finally:
                inside[0] += time.thread_time() - start

        try:
            feed(0, WARM_UP, partial(receive_many, conversation=conversation))
            cpu, wall = time.process_time(), time.perf_counter()
            orders = feed(WARM_UP, args.texts, timed)
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            traced: set[Any] = set()
            plain = partial(receive_many, conversation=conversation)
            counting = _counted(statements, plain, traced)
            statements[0] = 0
            feed(WARM_UP + 2 * args.texts, args.texts, counting)
            per_text = statements[0] / args.texts
            for conn in traced:  # the writer is idle between units of work
                conn.set_trace_callback(None)
            feed(WARM_UP + args.texts, args.texts, profiled)
            if args.pstats:
                profile.dump_stats(args.pstats)
        finally:
            cache.close()
            services.close()
    print(
        json.dumps(
            {
                "texts": args.texts,
                "orders_created": orders,
                "batch": args.batch,
                "open_orders_before": args.open_orders,
                "writer_cpu_ms_per_text": round(cpu / args.texts * 1000, 3),
                "receive_many_cpu_ms_per_text": round(inside[0] / args.texts * 1000, 3),
                "wall_ms_per_text": round(wall / args.texts * 1000, 3),
                "sql_statements_per_text": round(per_text, 1),
                "goal_cpu_ms_per_text": 1.0,
                "top_own_time": top_functions(profile, "tottime", args.top, args.texts),
                "top_cumulative": top_functions(profile, "cumulative", args.top, args.texts),
                "machine": machine(),
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
