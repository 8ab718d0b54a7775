"""Made-up customers: texts the parser understands, from fictional numbers, through a signed
``POST /sms`` (checked here with Twilio's own validator)."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from twilio.request_validator import RequestValidator

from expresso_desktop.core.menu import load_default_menu
from expresso_desktop.core.sms.parser import Intent, SmsParser
from expresso_desktop.sms.simulated_customers import (
    FOLLOW_UPS,
    NAMES,
    PHONE_PREFIX,
    SimulatedCustomers,
    realistic_text,
)
from expresso_desktop.sms.simulator import SIGNATURE_HEADER, Target

MENU = load_default_menu()
PARSER = SmsParser(MENU)
SECRET = "s" * 64


def test_a_realistic_text_is_an_order_for_a_drink_on_the_menu() -> None:
    rng = random.Random(1)
    for _ in range(300):
        name = rng.choice(NAMES)
        text = realistic_text(rng, MENU, name=name)
        parsed = PARSER.parse(text)
        assert parsed.intent == Intent.ORDER, text
        assert parsed.name == name, text
        (item,) = parsed.items
        assert item.drink in MENU.drink_names, text
        if MENU.drink(item.drink).black:
            assert item.milk == "none", text  # never "oat long black"


def test_new_numbers_order_with_their_name_and_known_ones_follow_up() -> None:
    stream = SimulatedCustomers(lambda: Target("", "", SECRET), MENU, 60, seed=7)
    seen: set[str] = set()
    follow_ups = 0
    for _ in range(600):
        phone, body = stream.next_text()
        assert phone.startswith(PHONE_PREFIX) and len(phone) == len(PHONE_PREFIX) + 3
        parsed = PARSER.parse(body)
        if phone not in seen:
            assert parsed.intent == Intent.ORDER and parsed.name in NAMES, body
        elif body in FOLLOW_UPS:
            follow_ups += 1
        else:
            assert parsed.intent == Intent.ORDER and parsed.name is None, body
        seen.add(phone)
    assert follow_ups > 0 and len(seen) > 100


def test_a_seed_makes_the_stream_repeatable() -> None:
    def stream(seed: int) -> list[tuple[str, str]]:
        customers = SimulatedCustomers(lambda: Target("", "", SECRET), MENU, 60, seed=seed)
        return [customers.next_text() for _ in range(20)]

    assert stream(3) == stream(3) != stream(4)


class Organiser:
    """A stand-in webhook that checks each text's signature the way the real one does."""

    def __init__(self, wanted: int) -> None:
        self.received: list[dict[str, str]] = []
        self.refuse_first = 0
        self.enough = asyncio.Event()
        self.wanted = wanted
        self.server: TestServer | None = None

    async def sms(self, request: web.Request) -> web.Response:
        form = {k: str(v) for k, v in (await request.post()).items()}
        assert self.server is not None
        url = str(self.server.make_url("/sms"))
        if not RequestValidator(SECRET).validate(url, form, request.headers[SIGNATURE_HEADER]):
            return web.Response(status=403)
        if self.refuse_first:
            self.refuse_first -= 1
            return web.Response(status=500)
        self.received.append(form)
        if len(self.received) >= self.wanted:
            self.enough.set()
        return web.Response(text="<Response/>", content_type="text/xml")


@pytest.fixture
async def organiser() -> AsyncIterator[Organiser]:
    fake = Organiser(wanted=5)
    app = web.Application()
    app.router.add_post("/sms", fake.sms)
    fake.server = TestServer(app, host="127.0.0.1")
    await fake.server.start_server()
    yield fake
    await fake.server.close()


def target(organiser: Organiser) -> Target:
    assert organiser.server is not None
    url = str(organiser.server.make_url("")).rstrip("/")
    return Target(url, url, SECRET)


async def test_the_stream_posts_signed_texts_and_keeps_going_after_a_failure(
    organiser: Organiser,
) -> None:
    organiser.refuse_first = 2  # the organiser's side fails: the stream must not stop
    stream = SimulatedCustomers(lambda: target(organiser), MENU, rate_per_min=60_000, seed=1)
    await stream.start()
    try:
        await asyncio.wait_for(organiser.enough.wait(), timeout=30)
    finally:
        await stream.stop()
    assert stream.sent >= 5
    assert len(organiser.received) == stream.sent  # a refused text is not counted as sent
    for form in organiser.received:
        assert form["From"].startswith(PHONE_PREFIX) and form["MessageSid"].startswith("SM")
    first = PARSER.parse(organiser.received[0]["Body"])
    assert first.intent == Intent.ORDER and first.name in NAMES


async def test_a_rate_of_zero_sends_nothing(organiser: Organiser) -> None:
    def never() -> Target:
        raise AssertionError("a stream at rate 0 must not even look for its target")

    stream = SimulatedCustomers(never, MENU, rate_per_min=0)
    await stream.start()
    await stream.stop()
    assert stream.sent == 0 and organiser.received == []


async def test_stop_ends_the_stream(organiser: Organiser) -> None:
    organiser.wanted = 1
    stream = SimulatedCustomers(lambda: target(organiser), MENU, rate_per_min=60_000, seed=2)
    await stream.start()
    await asyncio.wait_for(organiser.enough.wait(), timeout=30)
    task = stream._task
    await stream.stop()
    assert task is not None and task.done()  # nothing is left running that could post
    await stream.stop()  # twice is harmless
