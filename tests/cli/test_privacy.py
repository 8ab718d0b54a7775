"""``expresso purge-customer-data`` on a real organiser database: asks first (refuses without a
terminal unless --yes), prints its progress and the counts that remain."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import pytest
from sqlmodel import select

from expresso_desktop.cli.main import main
from expresso_desktop.services.organiser import build_organiser_services
from expresso_desktop.settings import AppPaths
from expresso_desktop.sms.conversation import Conversation
from expresso_desktop.sms.inbound import InboundText, receive
from expresso_desktop.store.engine import open_database, read_session
from expresso_desktop.store.tables import Customer, SmsMessage


@pytest.fixture(autouse=True)
def _no_log_files(monkeypatch: pytest.MonkeyPatch) -> None:
    from expresso_desktop import logs

    monkeypatch.setattr(logs, "configure_logging", lambda *a, **k: None)


@pytest.fixture
def event(tmp_path: Path) -> Path:
    """An organiser's data folder where three customers texted."""
    data = tmp_path / "organiser"
    services = build_organiser_services(AppPaths(data).ensure())
    conversation = Conversation(
        event_id=services.event_id, menu=services.menu, templates=services.templates
    )
    try:
        for n in range(3):
            text = InboundText(f"SM{n}", f"+6140000000{n}", "+15005550006", "menu")
            services.writer.run_sync(partial(receive, conversation=conversation, text=text))
    finally:
        services.close()
    return data


def stored(data: Path) -> tuple[list[str], list[str]]:
    engine = open_database(AppPaths(data).master_db, role="master")
    try:
        with read_session(engine) as session:
            phones = list(session.exec(select(Customer.phone)).all())
            bodies = list(session.exec(select(SmsMessage.body)).all())
    finally:
        engine.dispose()
    return phones, bodies


def test_asks_first_then_purges_with_progress(
    event: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["purge-customer-data", "--data-dir", str(event)]) == 2  # stdin is no terminal
    assert capsys.readouterr().err == (
        "expresso: not purging without confirmation: run it again with --yes\n"
    )
    assert stored(event)[0] == ["+61400000000", "+61400000001", "+61400000002"]

    assert main(["--data-dir", str(event), "purge-customer-data", "--yes"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "purged 3/9" and out[1] == "purged 9/9"  # customers, then their 6 texts
    assert out[2] == "Done: 3 customers and 6 messages purged. Remaining counts:"
    assert "  customers: 3" in out and "  texts in: received 3" in out
    phones, bodies = stored(event)
    assert all(p.startswith("purged:") for p in phones) and set(bodies) == {""}
