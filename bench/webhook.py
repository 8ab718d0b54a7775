"""Webhook benchmark: signed Twilio-style texts against real ``serve`` processes, in one
interleaved run (figures from a shared machine are only good as ratios within a run).

Each of ``--runs`` runs starts two fresh organisers (``main.py serve --demo``, simulator mode:
texts are signed with the simulator's secret exactly as Twilio signs them) from prepared data
folders: A with no orders, B with ``--open-orders`` orders waiting (stored through
``store_order`` before it starts). Then, with the same client:
- steady: ``--rate`` texts/s for ``--seconds`` (open loop) at A and at B: p50/p99/max in ms,
  and the organiser's CPU per text (``/proc``); B's p99 over A's is the "cost must not grow with
  the event" ratio (goal <= 1.5);
- throughput: flat out with ``--concurrency`` connections, alternating our webhook (A) with a bare
  aiohttp TwiML responder in chunks, and the ratio between them (goal >= 0.2).
Texts are realistic: mostly first orders from new numbers ("large oat latte for Sam"), some
STATUS/MENU from numbers that already ordered. Every request must get a 200.

Prints JSON (with the machine's load average). Goals (issue 14): steady p50 <= 4 ms and
p99 <= 10 ms; ratio >= 0.2.
Usage: python bench/webhook.py [--runs 3] [--rate 50] [--seconds 10] [--open-orders 5000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import (
    copy_event,
    machine,
    prepare_event,
    process_cpu_s,
    py_spy,
    start_serve,
    stop,
    stop_py_spy,
    summary_ms,
    top_frames,
)
from expresso_desktop.core.menu import load_default_menu
from expresso_desktop.sms.simulated_customers import NAMES, realistic_text
from expresso_desktop.sms.simulator import SIGNATURE_HEADER, Target, sign, twilio_form

BARE = """
import sys
from aiohttp import web
TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response><Message>Thanks</Message></Response>'
async def sms(request):
    await request.post()
    return web.Response(text=TWIML, content_type="text/xml")
app = web.Application()
app.router.add_post("/sms", sms)
web.run_app(
    app, host="127.0.0.1", port=int(sys.argv[1]), access_log=None,
    print=lambda *a: print("ready", flush=True),
)
"""
WARM_UP = 50
IDLE_CHECK_S = 0.5
CHUNKS = 3  # throughput: ours and the bare responder alternate this many times per run

Request = tuple[bytes, dict[str, str]]


class Texts:
    """Pre-signed requests, so the client spends its time sending, not signing."""

    def __init__(self, target: Target, seed: int, prefix: str) -> None:
        self.target = target
        self.rng = random.Random(seed)
        self.menu = load_default_menu()
        self.ordered: list[str] = []
        self.prefix = prefix
        self.serial = 0

    def next(self) -> Request:
        if self.ordered and self.rng.random() < 0.15:
            phone = self.rng.choice(self.ordered)
            body = self.rng.choice(["STATUS", "MENU", "where's my coffee?"])
        else:
            self.serial += 1
            phone = f"{self.prefix}{self.serial:07d}"
            name = self.rng.choice(NAMES)
            body = realistic_text(self.rng, self.menu, name=name)
            self.ordered.append(phone)
        params = twilio_form(phone, body)
        headers = {
            SIGNATURE_HEADER: sign(self.target.secret, self.target.public_url + "/sms", params),
            "Content-Type": "application/x-www-form-urlencoded",
        }
        return urlencode(params).encode(), headers

    def batch(self, n: int) -> list[Request]:
        return [self.next() for _ in range(n)]


async def one(session: aiohttp.ClientSession, url: str, request: Request) -> float:
    body, headers = request
    start = time.perf_counter()
    async with session.post(url, data=body, headers=headers) as resp:
        await resp.read()
        if resp.status != 200:
            raise RuntimeError(f"{url} answered {resp.status}")
    return time.perf_counter() - start


async def fixed_rate(
    session: aiohttp.ClientSession, url: str, requests: list[Request], rate: float
) -> list[float]:
    """Open loop: request i leaves at i/rate whether or not earlier ones are back."""
    t0 = time.perf_counter() + 0.05
    tasks = []
    for i, request in enumerate(requests):
        delay = t0 + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(session, url, request)))
    return list(await asyncio.gather(*tasks))


async def flat_out(
    session: aiohttp.ClientSession, url: str, requests: list[Request], concurrency: int
) -> float:
    """Requests per second with ``concurrency`` requests kept in flight."""
    queue = iter(requests)

    async def worker() -> int:
        done = 0
        for request in queue:
            await one(session, url, request)
            done += 1
        return done

    start = time.perf_counter()
    total = sum(await asyncio.gather(*(worker() for _ in range(concurrency))))
    return total / (time.perf_counter() - start)


def start_bare() -> tuple[subprocess.Popen[str], str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-c", BARE, str(port)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    proc.stdout.readline()
    return proc, f"http://127.0.0.1:{port}/sms"


class Organiser:
    """One running ``serve`` and the texts for it."""

    def __init__(self, data: Path, seed: int, prefix: str) -> None:
        self.proc, _ = start_serve(data)
        self.target = Target.for_data_dir(data)
        self.url = self.target.url + "/sms"
        self.texts = Texts(self.target, seed, prefix)

    async def steady(
        self, session: aiohttp.ClientSession, rate: float, seconds: float, profile: Path | None
    ) -> dict[str, object]:
        requests = self.texts.batch(int(rate * seconds))
        cpu = process_cpu_s(self.proc.pid)
        spy = py_spy(self.proc.pid, profile) if profile else None
        latencies = await fixed_rate(session, self.url, requests, rate)
        stop_py_spy(spy)
        cpu_ms = (await self.idle_cpu_s() - cpu) / len(requests) * 1000
        result: dict[str, object] = {
            **summary_ms(latencies),
            "serve_cpu_ms_per_text": round(cpu_ms, 2),
        }
        if spy is not None and profile is not None and profile.exists():
            result["profile"] = top_frames(profile)
        return result

    async def idle_cpu_s(self) -> float:
        """The organiser's CPU once it has gone quiet: a text answered after the webhook's
        deadline is still being written when its (empty) answer is back."""
        used = process_cpu_s(self.proc.pid)
        while True:
            await asyncio.sleep(IDLE_CHECK_S)
            now = process_cpu_s(self.proc.pid)
            if now - used < IDLE_CHECK_S / 20:
                return now
            used = now


async def one_run(
    args: argparse.Namespace, run: int, a_data: Path, b_data: Path, bare_url: str
) -> dict[str, object]:
    a = Organiser(a_data, args.seed + run, "+6141")
    b = Organiser(b_data, args.seed + run, "+6142")
    try:
        connector = aiohttp.TCPConnector(limit=200)
        async with aiohttp.ClientSession(connector=connector) as session:
            for org in (a, b):
                await fixed_rate(session, org.url, org.texts.batch(WARM_UP), 50)
            order = (("none", a), ("busy", b)) if run % 2 == 0 else (("busy", b), ("none", a))
            steady = {
                name: await org.steady(
                    session,
                    args.rate,
                    args.seconds,
                    a_data / f"{name}.spy" if args.profile else None,
                )
                for name, org in order
            }
            ours, bare = [], []
            chunk = args.flat_requests // CHUNKS
            for _ in range(CHUNKS):
                ours.append(await flat_out(session, a.url, a.texts.batch(chunk), args.concurrency))
                bare.append(
                    await flat_out(session, bare_url, a.texts.batch(chunk), args.concurrency)
                )
    finally:
        stop(a.proc)
        stop(b.proc)
    ours_rate, bare_rate = statistics.median(ours), statistics.median(bare)
    return {
        "steady_no_open_orders": steady["none"],
        f"steady_{args.open_orders}_open_orders": steady["busy"],
        "p99_ratio_busy_over_none": round(_p99(steady["busy"]) / _p99(steady["none"]), 2),
        "throughput_req_s": round(ours_rate, 1),
        "bare_twiml_req_s": round(bare_rate, 1),
        "throughput_ratio": round(ours_rate / bare_rate, 3),
    }


def _p99(figures: dict[str, object]) -> float:
    value = figures["p99"]
    assert isinstance(value, float)
    return value


async def run(args: argparse.Namespace) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="expresso-bench-") as tmp:
        root = Path(tmp)
        load_before = machine()
        started = time.perf_counter()
        prepare_event(root / "none")
        prepare_event(root / "busy", args.open_orders)
        seed_s = time.perf_counter() - started
        bare, bare_url = start_bare()
        runs = []
        try:
            for k in range(args.runs):
                a = copy_event(root / "none", root / f"a{k}")
                b = copy_event(root / "busy", root / f"b{k}")
                runs.append(await one_run(args, k, a, b, bare_url))
        finally:
            stop(bare)
    return {
        "rate_texts_s": args.rate,
        "seconds": args.seconds,
        "open_orders": args.open_orders,
        "seed_s": round(seed_s, 1),
        "concurrency": args.concurrency,
        "runs": runs,
        "goals": {"throughput_ratio": 0.2, "p50_ms": 4, "p99_ms": 10, "p99_ratio": 1.5},
        "machine_before": load_before,
        "machine_after": machine(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--rate", type=float, default=50)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--open-orders", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--flat-requests", type=int, default=1200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--profile",
        action="store_true",
        help="sample each organiser with py-spy during its steady phase (skews its figures)",
    )
    print(json.dumps(asyncio.run(run(parser.parse_args())), indent=1))


if __name__ == "__main__":
    main()
