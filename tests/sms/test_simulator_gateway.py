"""The built-in phone network: every text is delivered at once, and listeners hear it."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest

from expresso_desktop.sms.gateway import SendResult
from expresso_desktop.sms.simulator_gateway import (
    SIM_SID_PREFIX,
    SIMULATOR_NUMBER,
    SimulatorGateway,
)


async def test_a_text_is_delivered_at_once_with_a_twilio_shaped_sid() -> None:
    gateway = SimulatorGateway()
    await gateway.start()
    result = await gateway.send("+61400000001", "Your latte is ready")
    await gateway.close()
    assert isinstance(result, SendResult) and result.status == "delivered"
    assert result.sid.startswith(SIM_SID_PREFIX) and len(result.sid) == 34  # like "SM" + 32 hex
    assert gateway.from_number == SIMULATOR_NUMBER and gateway.name == "simulator"


async def test_every_text_gets_its_own_sid() -> None:
    gateway = SimulatorGateway()
    sids = {(await gateway.send("+61400000001", "same words")).sid for _ in range(50)}
    assert len(sids) == 50


async def test_listeners_hear_each_delivery_in_order() -> None:
    gateway = SimulatorGateway(from_number="+61400000999")
    first: list[tuple[str, str, str]] = []
    second: list[str] = []
    gateway.on_delivered(lambda *args: first.append(args))
    gateway.on_delivered(lambda sid, to, body: second.append(body))
    a = await gateway.send("+61400000001", "one")
    b = await gateway.send("+61400000002", "two", valid_for_s=60)
    assert first == [(a.sid, "+61400000001", "one"), (b.sid, "+61400000002", "two")]
    assert second == ["one", "two"]
    assert gateway.from_number == "+61400000999"


async def test_a_broken_listener_neither_stops_the_text_nor_the_others(
    caplog: pytest.LogCaptureFixture,
) -> None:
    gateway = SimulatorGateway()
    heard: list[str] = []

    def broken(sid: str, to: str, body: str) -> None:
        raise RuntimeError("panel closed")

    gateway.on_delivered(broken)
    gateway.on_delivered(lambda sid, to, body: heard.append(body))
    with caplog.at_level(logging.ERROR):
        result = await gateway.send("+61400000001", "still delivered")
    assert result.status == "delivered" and heard == ["still delivered"]
    assert any("simulator listener failed" in r.getMessage() for r in caplog.records)


async def test_nothing_was_ever_in_flight_after_a_crash() -> None:
    gateway = SimulatorGateway()
    await gateway.send("+61400000001", "sent")
    # The sender asks after a restart; an interrupted simulated text was never delivered.
    assert await gateway.find_sent("+61400000001", "sent", datetime(2000, 1, 1, tzinfo=UTC)) == []
