"""The window's phone without the window: a text goes to a real webhook (in process, on
127.0.0.1) exactly as Twilio would post it, and the phone's conversation is read back."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from functools import partial

import pytest

from expresso_desktop.errors import KnownError
from expresso_desktop.server.webhook_runtime import build_webhook
from expresso_desktop.services.demo import seed_demo
from expresso_desktop.services.organiser import OrganiserServices
from expresso_desktop.sms.phone import SimulatedPhone
from tests.sms.conftest import MemoryKeyring

PHONE = "+61400000001"


@pytest.fixture
async def webhook(
    services: OrganiserServices, memory_keyring: MemoryKeyring
) -> AsyncIterator[OrganiserServices]:
    services.writer.run_sync(partial(seed_demo, event_id=services.event_id, menu=services.menu))
    running = build_webhook(services, host="127.0.0.1", port=0, public_url=None)
    started = []
    try:
        for component in running.components:
            await component.start()
            started.append(component)
        yield services
    finally:
        for component in reversed(started):
            await component.stop()


async def test_a_text_is_answered_and_shown_in_the_conversation(
    webhook: OrganiserServices,
) -> None:
    phone = SimulatedPhone(webhook.engine, webhook.paths.data_dir)
    sent = await phone.send(f" {PHONE} ", "large oat flat white for Sam at station 2")
    assert (sent.phone, sent.body) == (PHONE, "large oat flat white for Sam at station 2")
    assert len(sent.replies) == 1 and "Order #A001 confirmed" in sent.replies[0]

    conversation = await asyncio.to_thread(phone.conversation, PHONE)
    assert [line.from_customer for line in conversation.lines] == [True, False]
    assert conversation.lines[1].body == sent.replies[0]
    assert "You: large oat flat white for Sam at station 2" in conversation.text
    assert "Expresso: " + sent.replies[0] in conversation.text
    assert (await asyncio.to_thread(phone.conversation, "+61499999999")).lines == ()
    assert (await asyncio.to_thread(phone.conversation, "  ")).lines == ()


async def test_without_a_running_organiser_the_phone_says_what_to_do(
    services: OrganiserServices,
) -> None:
    phone = SimulatedPhone(services.engine, services.paths.data_dir)
    with pytest.raises(KnownError, match="no organiser is running"):
        await phone.send(PHONE, "latte")
    with pytest.raises(KnownError, match="type a phone number and a text"):
        await phone.send(PHONE, "   ")
