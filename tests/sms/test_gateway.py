"""What a way of sending texts promises the sender (``Gateway`` is a Protocol: the errors and
results it defines are tested here; that both gateways satisfy it is checked by mypy and below)."""

from __future__ import annotations

import dataclasses
import inspect

import pytest

from expresso_desktop.sms.gateway import Gateway, SendError, SendResult, WebhookRegistration
from expresso_desktop.sms.simulator_gateway import SimulatorGateway
from expresso_desktop.sms.twilio_gateway import TwilioGateway


def test_a_send_error_says_whether_to_retry_and_carries_no_secrets() -> None:
    transient = SendError("Twilio answered 503", transient=True, code="20503")
    assert (transient.reason, transient.transient, transient.code) == (
        "Twilio answered 503",
        True,
        "20503",
    )
    assert str(transient) == "Twilio answered 503"
    permanent = SendError("invalid number", transient=False)
    assert not permanent.transient and permanent.code is None
    with pytest.raises(TypeError):
        SendError("no verdict")  # type: ignore[call-arg]  # transient must always be decided


def test_results_are_frozen_values() -> None:
    result = SendResult("SM1", "queued")
    assert result == SendResult("SM1", "queued")
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.status = "delivered"  # type: ignore[misc]
    registration = WebhookRegistration("+61400000999", "https://x/sms", "https://x/sms/status")
    assert dataclasses.astuple(registration) == (
        "+61400000999",
        "https://x/sms",
        "https://x/sms/status",
    )


@pytest.mark.parametrize("gateway", [SimulatorGateway, TwilioGateway])
def test_both_gateways_offer_every_member_of_the_protocol(
    gateway: type[SimulatorGateway] | type[TwilioGateway],
) -> None:
    for member in ("start", "close", "send", "find_sent"):
        ours = getattr(gateway, member)
        assert inspect.iscoroutinefunction(ours), member
        wanted = inspect.signature(getattr(Gateway, member))
        assert list(inspect.signature(ours).parameters) == list(wanted.parameters), member
    assert isinstance(gateway.name, str)
