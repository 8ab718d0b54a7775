"""What the Setup screen says about the SMS side: the gateway (never a secret), the queue and
the sponsor line."""

from __future__ import annotations

import pytest

from expresso_desktop.services.organiser import OrganiserServices
from expresso_desktop.services.writer import Tx
from expresso_desktop.sms.gateway_status import (
    GatewayStatus,
    QueueDepth,
    SmsMode,
    SponsorLine,
    sms_mode,
)
from expresso_desktop.sms.outbound.messages import enqueue
from expresso_desktop.store.repositories import settings_repo
from expresso_desktop.store.tables import Customer
from expresso_desktop.store.types import utcnow
from tests.sms.conftest import TWILIO_NUMBER, MemoryKeyring

ACCOUNT = "AC" + "0123456789abcdef" * 2


def test_no_account_means_the_simulator(memory_keyring: MemoryKeyring) -> None:
    mode = sms_mode()
    assert mode.kind == "simulator" and mode.text.startswith("Built-in simulator")


def test_twilio_is_named_without_its_secrets(
    memory_keyring: MemoryKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", ACCOUNT)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "f" * 32)
    monkeypatch.setenv("EXPRESSO_TWILIO_NUMBER", TWILIO_NUMBER)
    mode = sms_mode()
    assert mode.kind == "twilio"
    assert TWILIO_NUMBER not in mode.text and ACCOUNT not in mode.text and "f" * 32 not in mode.text
    assert mode.text.startswith("Twilio number +61") and "environment" in mode.text


def test_a_half_configured_account_is_explained(
    memory_keyring: MemoryKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", ACCOUNT)  # no token, no number
    mode = sms_mode()
    assert mode == SmsMode("misconfigured", mode.text) and "EXPRESSO_TWILIO_NUMBER" in mode.text


def test_the_queue_depth_counts_texts_not_yet_sent(services: OrganiserServices) -> None:
    status = GatewayStatus(services.engine)
    assert status.queue_depth() == QueueDepth(0)
    assert status.queue_depth().text == "Outgoing texts waiting: none"
    for n in range(2):
        services.writer.run_sync(
            lambda tx, n=n: enqueue(tx, to="+61400000009", body=f"text {n}", kind="manual")
        )
    assert status.queue_depth().text == "Outgoing texts waiting: 2"
    assert status.mode().kind == sms_mode().kind


def test_the_sponsor_line_policy_is_counted_for_the_organiser(services: OrganiserServices) -> None:
    status = GatewayStatus(services.engine)

    def put_sponsor(value: str) -> None:
        services.writer.run_sync(
            lambda tx: settings_repo.put("sponsor_line", value, session=tx.session)
        )

    put_sponsor("  ")  # blank: no line at all
    assert status.sponsor() == SponsorLine(False)
    assert status.sponsor().text == "Sponsor line: none set"
    put_sponsor("Coffee by Acme.")
    assert status.sponsor().text == "Sponsor line: on no texts yet"

    def customers(tx: Tx) -> None:
        for n, counts in enumerate([{"shown": 40, "dropped": 3}, {"shown": 1, "dropped": 1}]):
            tx.session.add(
                Customer(
                    phone=f"+6140000001{n}",
                    created_at=utcnow(),
                    conversation_state_json={"sponsor": counts},
                )
            )
        tx.session.add(Customer(phone="+61400000020", created_at=utcnow()))  # no state yet

    services.writer.run_sync(customers)
    sponsor = status.sponsor()
    assert (sponsor.shown, sponsor.dropped, sponsor.offered) == (41, 4, 45)
    assert sponsor.text == "Sponsor line: on 41 of 45 texts (4 dropped to save a segment)"
    one = SponsorLine(True, 1, 0).text
    assert one == "Sponsor line: on 1 of 1 text (0 dropped to save a segment)"
