"""Live-feed benchmark: signed SMS webhooks in, WebSocket events out, against a real ``serve``.

Starts ``main.py serve --demo`` on a fresh data folder with the LAN API on 127.0.0.1 and mDNS on
loopback only, connects 8 WebSocket clients (wss, certificate pinned), then sends signed
Twilio-style texts ("large oat latte for Sam") at a fixed rate (open loop). For each order it
measures the time from sending the webhook to the ``order.created`` event reaching each client
(the reply's order number ties the two together). Also times mDNS discovery on loopback.

Prints JSON. Goals: p50 <= 15 ms, p99 <= 50 ms; discovery < 2 s.
Usage: python bench/live.py [--rate 20] [--seconds 10] [--clients 8]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from expresso_desktop.server.tls import parse_fingerprint
from expresso_desktop.sms.simulated_customers import NAMES
from expresso_desktop.sms.simulator import SIGNATURE_HEADER, Target, replies_in, sign, twilio_form
from expresso_desktop.sync.discovery import discover

REPO = Path(__file__).resolve().parents[1]
LOOPBACK = "127.0.0.1"
ENV = {
    **os.environ,
    "QT_QPA_PLATFORM": "offscreen",
    "EXPRESSO_LAN_HOST": LOOPBACK,
    "EXPRESSO_LAN_PORT": "0",
    "EXPRESSO_MDNS_INTERFACES": LOOPBACK,  # never multicast off this machine
}


WARM_UP = 10


def start_serve(data: Path) -> tuple[subprocess.Popen[str], str, str]:
    proc = subprocess.Popen(
        [
            sys.executable,
            str(REPO / "main.py"),
            "--data-dir",
            str(data),
            "serve",
            "--demo",
            "--webhook-port",
            "0",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=ENV,
    )
    assert proc.stdout is not None
    lan = fingerprint = None
    for line in proc.stdout:
        if m := re.search(r"lan on (https://\S+)", line):
            lan = m.group(1)
        if m := re.search(r"LAN certificate SHA-256 (\S+)", line):
            fingerprint = m.group(1)
        if "serving" in line:
            break
    if not (lan and fingerprint):
        proc.kill()
        raise SystemExit("serve did not start")
    return proc, lan, fingerprint


def token(data: Path, name: str) -> str:
    out = subprocess.run(
        [
            sys.executable,
            str(REPO / "main.py"),
            "--data-dir",
            str(data),
            "devices",
            "add",
            "--name",
            name,
            "--role",
            "organiser",
        ],
        capture_output=True,
        text=True,
        env=ENV,
        check=True,
    )
    return out.stdout.strip()


async def listen(ws: aiohttp.ClientWebSocketResponse, seen: dict[str, float]) -> None:
    async for msg in ws:
        if msg.type != aiohttp.WSMsgType.TEXT:
            break
        event = json.loads(msg.data)
        if event["type"] == "order.created" and event["data"].get("number"):
            seen.setdefault(event["data"]["number"], time.perf_counter())


async def run(rate: float, seconds: float, clients: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        proc, lan, fingerprint = start_serve(data)
        try:
            started = time.perf_counter()
            ours = fingerprint.replace(":", "").lower()  # this run's organiser, not another
            found = await discover(
                5.0, [LOOPBACK], match=lambda seen: seen.fingerprint == ours, first=True
            )
            discovery_s = time.perf_counter() - started
            target = Target.for_data_dir(data)
            pinned = aiohttp.Fingerprint(parse_fingerprint(fingerprint))
            tokens = [token(data, f"bench {i}") for i in range(clients)]
            sent: dict[str, float] = {}
            replied: dict[str, float] = {}
            seen: list[dict[str, float]] = [{} for _ in range(clients)]
            async with aiohttp.ClientSession() as session:
                sockets = [
                    await session.ws_connect(
                        f"{lan}/api/v1/ws", ssl=pinned, headers={"Authorization": f"Bearer {t}"}
                    )
                    for t in tokens
                ]
                listeners = [
                    asyncio.create_task(listen(ws, s)) for ws, s in zip(sockets, seen, strict=True)
                ]
                rng = random.Random(7)
                total = int(rate * seconds)

                async def text(i: int) -> None:
                    params = twilio_form(
                        f"+6149{i:07d}", f"large oat latte for {rng.choice(NAMES)}"
                    )
                    headers = {
                        SIGNATURE_HEADER: sign(target.secret, target.public_url + "/sms", params),
                        "Content-Type": "application/x-www-form-urlencoded",
                    }
                    body = urlencode(params).encode()
                    t0 = time.perf_counter()
                    async with session.post(
                        target.url + "/sms", data=body, headers=headers
                    ) as resp:
                        replies = replies_in(await resp.text())
                    number = re.search(r"#([A-Z]+\d{3})", " ".join(replies))
                    if number:
                        sent[number.group(1)] = t0
                        replied[number.group(1)] = time.perf_counter()

                # Warm-up (not measured): first-use costs (routing caches, SQLite page cache,
                # TLS sessions) belong to start-up, not to steady service.
                for i in range(WARM_UP):
                    await text(total + i)
                sent.clear()
                replied.clear()
                for s in seen:
                    s.clear()
                t_start = time.perf_counter() + 0.05
                tasks = []
                for i in range(total):
                    delay = t_start + i / rate - time.perf_counter()
                    if delay > 0:
                        await asyncio.sleep(delay)
                    tasks.append(asyncio.create_task(text(i)))
                await asyncio.gather(*tasks)
                # Second phase, the LAN path alone: walk-ins POSTed to the API (HTTPS).
                headers = {"Authorization": f"Bearer {tokens[0]}"}
                station = (
                    await (
                        await session.get(f"{lan}/api/v1/stations", ssl=pinned, headers=headers)
                    ).json()
                )[0]["id"]
                api_sent: dict[str, float] = {}

                async def walk_in() -> None:
                    t0 = time.perf_counter()
                    async with session.post(
                        f"{lan}/api/v1/orders",
                        ssl=pinned,
                        headers=headers,
                        json={"items": [{"drink": "latte"}], "station_id": station},
                    ) as resp:
                        api_sent[(await resp.json())["number"]] = t0

                t_start = time.perf_counter() + 0.05
                tasks = []
                for i in range(total):
                    delay = t_start + i / rate - time.perf_counter()
                    if delay > 0:
                        await asyncio.sleep(delay)
                    tasks.append(asyncio.create_task(walk_in()))
                await asyncio.gather(*tasks)
                await asyncio.sleep(0.5)  # the last events
                for ws in sockets:
                    await ws.close()
                for task in listeners:
                    task.cancel()
            latencies = [
                (s[number] - t0) * 1000 for number, t0 in sent.items() for s in seen if number in s
            ]
            firsts = [
                (min(s[number] for s in seen if number in s) - t0) * 1000
                for number, t0 in sent.items()
                if any(number in s for s in seen)
            ]
            q = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
            api = sorted((s[n] - t0) * 1000 for n, t0 in api_sent.items() for s in seen if n in s)
            qa = statistics.quantiles(api, n=100) if len(api) > 1 else [0.0] * 99
            return {
                "clients": clients,
                "rate_per_s": rate,
                "texts": total,
                "orders": len(sent),
                "deliveries": len(latencies),
                "missed_deliveries": len(sent) * clients - len(latencies),
                "webhook_to_event_ms": {
                    "p50": round(q[49], 2),
                    "p99": round(q[98], 2),
                    "max": round(max(latencies, default=0), 2),
                },
                "webhook_to_first_client_ms_p50": round(statistics.median(firsts), 2)
                if firsts
                else None,
                "webhook_reply_ms_p50": round(
                    statistics.median((replied[n] - t0) * 1000 for n, t0 in sent.items()), 2
                ),
                "api_walk_in_to_event_ms": {
                    "p50": round(qa[49], 2),
                    "p99": round(qa[98], 2),
                    "deliveries": len(api),
                },
                "mdns_discovery_s": round(discovery_s, 3),
                "mdns_found": len(found),
                "goals": {"p50_ms": 15, "p99_ms": 50, "discovery_s": 2},
            }
        finally:
            proc.terminate()
            proc.wait(timeout=20)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rate", type=float, default=20)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args.rate, args.seconds, args.clients))))


if __name__ == "__main__":
    main()
