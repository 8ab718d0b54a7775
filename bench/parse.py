"""Parser throughput: parse a generated stream of realistic customer texts on one core.

Prints JSON: {"messages_per_s": ..., "cpu_messages_per_s": ..., "p99_us": ..., ...}. Goal: >= 10,000
messages/s (wall clock on a quiet machine; ``cpu_messages_per_s`` counts CPU time only).
Usage: python bench/parse.py [--messages N] [--seed S]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from expresso_desktop.core.menu import Menu, load_default_menu
from expresso_desktop.core.sms.parser import SmsParser

NAMES = ["Sam", "Priya", "Alex", "Mia", "Jo", "Hilary", "Yoshi", "Supriya", "Tom", "Lee", "Ngozi"]
OPENERS = ["", "", "hi ", "can I get a ", "could i please have ", "hey, ", "morning! ", "pls "]
CLOSERS = ["", "", " please", " thanks", " ta", " cheers!", " thx :)"]
OTHER = [
    "STATUS",
    "where's my coffee?",
    "cancel my order",
    "MENU",
    "?",
    "the usual please",
    "STOP",
    "hi",
    "Can you tell me where the toilets are",
    "😀😀😀",
    "how long will it be",
    "START",
]


def realistic_text(rng: random.Random, menu: Menu) -> str:
    if rng.random() < 0.15:
        return rng.choice(OTHER)
    parts = []
    for _ in range(rng.choice([1, 1, 1, 1, 2, 3])):
        drink = rng.choice(menu.drinks)
        words = []
        if rng.random() < 0.3:
            words.append(rng.choice(["2", "two", "3", "a"]))
        if rng.random() < 0.6:
            size = rng.choice(menu.sizes)
            words.append(rng.choice([size.name, *size.synonyms[:2]]))
        if not drink.black and rng.random() < 0.6:
            milk = rng.choice(menu.milks[:-1])
            words.append(rng.choice([milk.name, *milk.synonyms[:2]]))
        words.append(rng.choice([drink.name, *drink.synonyms[:3]]))
        if rng.random() < 0.3:
            words.append(rng.choice(["1 sugar", "2 sugars", "no sugar", "one sugar"]))
        if rng.random() < 0.2:
            words.append(rng.choice(menu.extras).name)
        parts.append(" ".join(words))
    text = rng.choice(OPENERS) + " and ".join(parts)
    if rng.random() < 0.4:
        text += f" for {rng.choice(NAMES)}"
    if rng.random() < 0.3:
        text += rng.choice([" station 2", " at stn 1", " @ station 3"])
    return text + rng.choice(CLOSERS)


def main() -> None:
    args = argparse.ArgumentParser()
    args.add_argument("--messages", type=int, default=50_000)
    args.add_argument("--seed", type=int, default=7)
    opts = args.parse_args()
    menu = load_default_menu()
    parser = SmsParser(menu)
    rng = random.Random(opts.seed)
    texts = [realistic_text(rng, menu) for _ in range(opts.messages)]
    for text in texts[:500]:  # warm caches the way a running organiser would have them
        parser.parse(text)
    timings = []
    clock = time.perf_counter_ns
    started = clock()
    cpu_started = time.process_time()
    orders = 0
    for text in texts:
        t0 = clock()
        result = parser.parse(text)
        timings.append(clock() - t0)
        orders += result.intent == "order"
    elapsed_s = (clock() - started) / 1e9
    cpu_s = time.process_time() - cpu_started
    timings.sort()
    print(
        json.dumps(
            {
                "messages": len(texts),
                "messages_per_s": round(len(texts) / elapsed_s),
                # CPU time only: steadier than the wall clock on a machine others share
                "cpu_messages_per_s": round(len(texts) / cpu_s),
                "p50_us": round(timings[len(timings) // 2] / 1000, 1),
                "p99_us": round(timings[int(len(timings) * 0.99)] / 1000, 1),
                "max_us": round(timings[-1] / 1000, 1),
                "orders_recognised": round(orders / len(texts), 3),
                "seed": opts.seed,
            }
        )
    )


if __name__ == "__main__":
    main()
