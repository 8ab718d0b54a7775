"""Webhook benchmark: signed Twilio-style texts against a real ``serve`` process.

Starts ``main.py serve --demo`` on a fresh data folder (simulator mode: texts are signed with the
simulator's secret exactly as Twilio signs them) and a bare aiohttp hello-world, then measures:
- reply latency at a fixed rate (default 50 req/s, open loop): p50/p99/max in ms;
- throughput flat out (N concurrent connections) for our webhook and for the hello-world, measured
  the same way in the same run, and the ratio between them.
Texts are realistic: mostly first orders from new numbers ("large oat latte for Sam"), some
STATUS/MENU from numbers that already ordered. Every request must get a 200.

Prints JSON. Goals: p99 <= 50 ms at 50 req/s; throughput >= 0.3x the hello-world's.
Usage: python bench/webhook.py [--rate 50] [--seconds 10] [--concurrency 16]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from expresso_desktop.core.menu import load_default_menu
from expresso_desktop.sms.simulated_customers import NAMES, realistic_text
from expresso_desktop.sms.simulator import SIGNATURE_HEADER, Target, sign, twilio_form

REPO = Path(__file__).resolve().parents[1]
HELLO = """
import sys
from aiohttp import web
async def hello(request):
    await request.read()
    return web.Response(text="hello")
app = web.Application()
app.router.add_post("/sms", hello)
web.run_app(
    app, host="127.0.0.1", port=int(sys.argv[1]), access_log=None,
    print=lambda *a: print("ready", flush=True),
)
"""

Request = tuple[bytes, dict[str, str]]


class Texts:
    """Pre-signed requests, so the client spends its time sending, not signing."""

    def __init__(self, target: Target, seed: int) -> None:
        self.target = target
        self.rng = random.Random(seed)
        self.menu = load_default_menu()
        self.ordered: list[str] = []
        self.serial = 0

    def next(self) -> Request:
        if self.ordered and self.rng.random() < 0.15:
            phone = self.rng.choice(self.ordered)
            body = self.rng.choice(["STATUS", "MENU", "where's my coffee?"])
        else:
            self.serial += 1
            phone = f"+614{self.serial:08d}"
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


async def fixed_rate(url: str, requests: list[Request], rate: float) -> list[float]:
    """Open loop: request i leaves at i/rate whether or not earlier ones are back."""
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=200)) as session:
        t0 = time.perf_counter() + 0.05
        tasks = []
        for i, request in enumerate(requests):
            delay = t0 + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(session, url, request)))
        return list(await asyncio.gather(*tasks))


async def flat_out(url: str, requests: list[Request], concurrency: int) -> float:
    """Requests per second with ``concurrency`` connections kept busy."""
    queue = iter(requests)
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def worker() -> int:
            done = 0
            for request in queue:
                await one(session, url, request)
                done += 1
            return done

        start = time.perf_counter()
        total = sum(await asyncio.gather(*(worker() for _ in range(concurrency))))
        return total / (time.perf_counter() - start)


def start_serve(data: Path) -> subprocess.Popen[str]:
    command = [sys.executable, str(REPO / "main.py"), "--data-dir", str(data), "serve", "--demo"]
    lan_off = ["--lan-host", "127.0.0.1", "--lan-port", "0", "--no-mdns"]  # not measured here
    proc = subprocess.Popen(
        [*command, "--webhook-port", "0", *lan_off],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    while line and "serving" not in line:
        line = proc.stdout.readline()
    if not line:
        raise SystemExit("serve did not start")
    return proc


def start_hello() -> tuple[subprocess.Popen[str], str]:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-c", HELLO, str(port)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    proc.stdout.readline()
    return proc, f"http://127.0.0.1:{port}/sms"


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


async def run(args: argparse.Namespace) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="expresso-bench-") as tmp:
        data = Path(tmp) / "data"
        serve = start_serve(data)
        hello, hello_url = start_hello()
        try:
            target = Target.for_data_dir(data)
            url = target.url + "/sms"
            texts = Texts(target, args.seed)
            await fixed_rate(url, texts.batch(100), 200)  # warm up
            latencies = await fixed_rate(url, texts.batch(int(args.rate * args.seconds)), args.rate)
            flat = texts.batch(args.flat_requests)
            ours = await flat_out(url, flat, args.concurrency)
            bare = await flat_out(hello_url, flat, args.concurrency)
        finally:
            for proc in (serve, hello):
                proc.terminate()
                proc.wait(timeout=20)
    return {
        "rate_req_s": args.rate,
        "requests_at_rate": len(latencies),
        "p50_ms": round(pct(latencies, 0.50), 2),
        "p99_ms": round(pct(latencies, 0.99), 2),
        "max_ms": round(max(latencies) * 1000, 2),
        "mean_ms": round(statistics.mean(latencies) * 1000, 2),
        "concurrency": args.concurrency,
        "max_throughput_req_s": round(ours, 1),
        "hello_world_req_s": round(bare, 1),
        "ratio": round(ours / bare, 3),
        "goal_p99_ms": 50,
        "goal_ratio": 0.3,
        "cpus": os.cpu_count(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=50)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--flat-requests", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=7)
    print(json.dumps(asyncio.run(run(parser.parse_args()))))


if __name__ == "__main__":
    main()
