"""A setting must never stop the organiser from starting (issue 15, finding 4): names refuse
control characters at the API, the mDNS instance name and TXT record are sanitised whatever is
stored, and an advert that still fails is a warning, not a crash — for ``serve`` as a real
process and for the window's start-up path."""

from __future__ import annotations

import logging
import os
import re
import signal
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from expresso_desktop.core.lan import MAX_LABEL, Advert
from expresso_desktop.core.text import check_name, printable
from expresso_desktop.server import lan_server
from expresso_desktop.server.mdns import MdnsAdvertiser
from expresso_desktop.server.options import ServeOptions
from expresso_desktop.services.organiser import build_organiser_services
from expresso_desktop.settings import AppPaths
from tests.paths import REPO

from .conftest import Lan

LOOPBACK = ["127.0.0.1"]
MDNS = ["--mdns-interface", "127.0.0.1"]
FP = ":".join(["C0"] * 32)
BAD_NAMES = ["Coffee\x01Bar", "Tab\there", "Null\x00", "RTL\u202ename", "Lone \ud800", "\x7f\x9f"]


@pytest.mark.parametrize("name", BAD_NAMES)
def test_core_refuses_control_characters_and_cleans_stored_ones(name: str) -> None:
    with pytest.raises(ValueError, match="control"):
        check_name(name)
    cleaned = printable(name)
    assert all(c.isprintable() for c in cleaned)


def test_ordinary_names_pass_including_emoji_joiners() -> None:
    for name in ("Spring Conf. 2026", "Café Zoë", "👩\u200d🍳 Bar", "東京 コーヒー"):
        assert check_name(name) == name


@pytest.mark.parametrize("name", [*BAD_NAMES, "😀" * 80, "x" * 300, "", "...", " "])
def test_the_advert_is_a_valid_label_and_txt_whatever_the_name(name: str) -> None:
    advert = Advert(name, str(uuid.uuid4()), 8443, FP)
    instance = advert.instance()
    assert len(instance.encode()) <= MAX_LABEL
    assert "." not in instance and all(c.isprintable() for c in instance)
    event = advert.txt()["event"]
    assert len(f"event={event}".encode()) <= 255 and all(c.isprintable() for c in event)


async def test_zeroconf_accepts_the_advert_of_a_bad_name() -> None:
    # "Coffee\x01Bar" used to raise BadTypeInNameException; 80 emoji a TXT ValueError.
    for name in ("Coffee\x01Bar", "😀" * 80):
        advertiser = MdnsAdvertiser(Advert(name, str(uuid.uuid4()), 8443, FP), LOOPBACK)
        await advertiser.start()
        await advertiser.stop()


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/event", {"name": "Coffee\u0001Bar"}, "name"),
        ("/event", {"name": "RTL\u202eBar"}, "name"),
        ("/stations/{station}", {"name": "Bar\nTwo"}, "name"),
        ("/stations/{station}", {"location": "door\x07"}, "location"),
    ],
)
async def test_names_with_control_characters_are_refused(
    lan: Lan, path: str, body: dict[str, str], field: str
) -> None:
    path = path.format(station=lan.station_ids[0])
    status, answer = await lan.organiser.call("PATCH", path, body)
    assert status == 422 and answer["field"] == field, answer


async def test_every_name_field_uses_the_check(lan: Lan) -> None:
    bad = "Sam\x1b[31m"
    for method, path, body, field in (
        ("POST", "/staff", {"name": bad}, "name"),
        ("POST", "/devices", {"name": bad, "role": "display"}, "name"),
        ("POST", "/orders", {"items": [{"drink": "latte"}], "customer_name": bad}, "customer_name"),
        (
            "POST",
            "/inventory",
            {"station_id": lan.station_ids[0], "name": bad, "unit": "L"},
            "name",
        ),
    ):
        status, answer = await lan.organiser.call(method, path, body)
        assert status == 422 and answer["field"] == field, (path, answer)


async def test_an_advert_failure_is_a_warning_with_its_reason(
    lan: Lan, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def refuse(self: MdnsAdvertiser) -> None:
        raise OSError(99, "no multicast here")

    monkeypatch.setattr(MdnsAdvertiser, "start", refuse)
    built = lan_server.build_lan(
        lan.services, host="127.0.0.1", port=0, mdns_interfaces=LOOPBACK, mdns=True
    )
    assert built.advert is not None
    await built.listener.start()
    try:
        with caplog.at_level(logging.WARNING, "expresso_desktop.server.lan_server"):
            await built.advert.start()  # does not raise
        assert "mDNS advert failed" in (built.advert.status_line or "")
        assert "no multicast here" in built.advert.status_line
        assert any("no multicast here" in r.getMessage() for r in caplog.records)
    finally:
        await built.advert.stop()
        await built.listener.stop()


def _store_bad_name(data: Path) -> None:
    """Write the name straight into the database, as a version without the check could have."""
    services = build_organiser_services(AppPaths(data))
    db, event_id = services.paths.master_db, services.event_id
    services.close()
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE events SET name = ? WHERE id = ?", ("Coffee\x01Bar", event_id))


@pytest.fixture
def bad_data(tmp_path: Path) -> Path:
    data = tmp_path / "org"
    _store_bad_name(data)
    return data


@pytest.mark.slow
def test_serve_starts_with_a_bad_name_already_stored(bad_data: Path) -> None:
    serve = ["serve", "--webhook-port", "0", "--lan-host", "127.0.0.1", "--lan-port", "0"]
    proc = subprocess.Popen(
        [sys.executable, str(REPO / "main.py"), "--data-dir", str(bad_data), *serve, *MDNS],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert proc.stdout is not None
    lines: list[str] = []
    try:
        for line in proc.stdout:
            lines.append(line)
            if "serving" in line:
                break
        out = "".join(lines)
        assert "Expresso serving" in out, out + (proc.stderr.read() if proc.poll() else "")
        assert re.search(r"mDNS advertising 'Expresso Coffee Bar \w+'", out), out
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            assert proc.wait(timeout=20) == 0
        finally:
            if proc.poll() is None:
                proc.kill()
            for stream in (proc.stdout, proc.stderr):
                if stream:
                    stream.close()


def test_the_window_start_up_path_starts_with_a_bad_name(qtbot, bad_data: Path) -> None:  # type: ignore[no-untyped-def]
    from expresso_desktop.app import build_organiser_gui
    from expresso_desktop.ui.common.service_host import ServersStarted

    services = build_organiser_services(AppPaths(bad_data))
    options = ServeOptions(
        host="127.0.0.1",
        webhook_port=0,
        lan_host="127.0.0.1",
        lan_port=0,
        mdns_interfaces=("127.0.0.1",),
    )
    gui = build_organiser_gui(services, options)
    qtbot.addWidget(gui.window)
    try:
        with qtbot.waitSignal(gui.host.started, timeout=15_000) as started:
            gui.host.start()
        event = started.args[0]
        assert isinstance(event, ServersStarted)
        assert any(line.startswith("mDNS advertising") for line in event.status_lines)
        assert not any("mDNS" in line for line in event.sms_lines)
    finally:
        gui.close()
        services.close()
