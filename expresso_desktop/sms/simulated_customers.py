"""``serve --simulate-customers RATE``: a stream of made-up customers texting the organiser.

Each text is a signed ``POST /sms`` to our own webhook through ``sms.simulator`` — the same path a
real text takes — at RATE texts a minute on average (Poisson arrivals). New numbers order with
their name; returning ones sometimes ask for STATUS, the MENU or their usual.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable

import aiohttp

from expresso_desktop.core.menu import Menu
from expresso_desktop.sms.simulator import Target, send_text

log = logging.getLogger(__name__)

NAMES = ("Sam", "Priya", "Alex", "Mia", "Jo", "Hilary", "Yoshi", "Supriya", "Tom", "Lee", "Ngozi")
OPENERS = ("", "", "", "hi, ", "can I get a ", "could I please have ", "morning! ")
CLOSERS = ("", "", " please", " thanks", " cheers")
FOLLOW_UPS = ("STATUS", "where's my coffee?", "MENU", "the usual please", "cancel my order")
POOL = 200  # distinct simulated phones
# Australia's range for fiction (0491 570 xxx): never a real customer, nor one typed into sms-sim.
PHONE_PREFIX = "+61491570"


def realistic_text(rng: random.Random, menu: Menu, *, name: str | None) -> str:
    drink = rng.choice(menu.drink_names)
    words = []
    if rng.random() < 0.6:
        words.append(rng.choice(menu.size_names))
    if not menu.drink(drink).black and rng.random() < 0.5:
        words.append(rng.choice([m for m in menu.milk_names if m != "none"]))
    words.append(drink)
    text = rng.choice(OPENERS) + " ".join(words)
    if name:
        text += f" for {name}"
    return text + rng.choice(CLOSERS)


class SimulatedCustomers:
    name = "simulated customers"

    def __init__(
        self,
        target: Callable[[], Target],
        menu: Menu,
        rate_per_min: float,
        *,
        seed: int | None = None,
    ) -> None:
        self._target = target
        self._menu = menu
        self._rate = rate_per_min
        self._rng = random.Random(seed)
        self._known: set[str] = set()
        self._task: asyncio.Task[None] | None = None
        self.sent = 0

    async def start(self) -> None:
        if self._rate > 0:
            self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    def next_text(self) -> tuple[str, str]:
        phone = f"{PHONE_PREFIX}{self._rng.randrange(POOL):03d}"
        if phone in self._known and self._rng.random() < 0.3:
            return phone, self._rng.choice(FOLLOW_UPS)
        name = None if phone in self._known else self._rng.choice(NAMES)
        self._known.add(phone)
        return phone, realistic_text(self._rng, self._menu, name=name)

    async def _run(self) -> None:
        target = self._target()
        timeout = aiohttp.ClientTimeout(total=10)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            while True:
                await asyncio.sleep(self._rng.expovariate(self._rate / 60))
                phone, body = self.next_text()
                try:
                    await send_text(session, target, phone, body)
                    self.sent += 1
                except Exception as exc:  # keep the stream going; the organiser logs its side
                    log.warning("a simulated text failed: %s", type(exc).__name__)
