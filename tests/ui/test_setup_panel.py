"""The Setup tab against the real services and servers (127.0.0.1, no mDNS): the code it shows is
one the device service accepts, pairing over HTTPS works with the URL and fingerprint it shows,
paired devices are listed, and revoking through the button (its dialog driven) stops the token."""

from __future__ import annotations

import asyncio
import re
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import segno
from PySide6.QtCore import QTimer
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton

from expresso_desktop.app import OrganiserGui, build_organiser_gui
from expresso_desktop.server.live import SEEN_INITIATOR
from expresso_desktop.server.options import ServeOptions
from expresso_desktop.server.tls import ensure_identity, parse_fingerprint
from expresso_desktop.services import devices
from expresso_desktop.services.demo import seed_demo
from expresso_desktop.services.event_settings import update as update_settings
from expresso_desktop.services.organiser import OrganiserServices, build_organiser_services
from expresso_desktop.services.pairing import pairing_payload, qr_png
from expresso_desktop.services.station_admin import get_station, list_stations, update_station
from expresso_desktop.services.writer import Tx
from expresso_desktop.settings import AppPaths
from expresso_desktop.sms.outbound.messages import enqueue
from expresso_desktop.store.engine import read_session
from expresso_desktop.store.tables import Customer
from expresso_desktop.store.types import utcnow
from expresso_desktop.ui.common.service_host import ServiceFailure, ServiceHost
from expresso_desktop.ui.organiser.main_window import OrganiserWindow
from expresso_desktop.ui.organiser.pairing_box import QR_SIDE
from expresso_desktop.ui.organiser.setup_panel import SetupPanel

LOOPBACK = ServeOptions(
    host="127.0.0.1", webhook_port=0, lan_host="127.0.0.1", lan_port=0, mdns=False
)


@dataclass
class Organiser:
    gui: OrganiserGui
    services: OrganiserServices

    @property
    def window(self) -> OrganiserWindow:
        return self.gui.window

    @property
    def host(self) -> ServiceHost:
        return self.gui.host

    @property
    def panel(self) -> SetupPanel:
        return self.window.setup_panel


def _build(qtbot: Any, tmp_path: Path, options: ServeOptions = LOOPBACK) -> Organiser:
    services = build_organiser_services(AppPaths(tmp_path))
    services.writer.run_sync(partial(seed_demo, event_id=services.event_id, menu=services.menu))
    gui = build_organiser_gui(services, options)
    qtbot.addWidget(gui.window)
    gui.window.show()
    gui.window.nav.setCurrentWidget(gui.window.setup_panel)
    return Organiser(gui, services)


@pytest.fixture
def organiser(qtbot: Any, tmp_path: Path) -> Iterator[Organiser]:
    org = _build(qtbot, tmp_path)
    with qtbot.waitSignal(org.host.started, timeout=15_000):
        org.host.start()
    yield org
    org.gui.close()
    org.services.close()


@pytest.fixture
def port_taken() -> Iterator[int]:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        yield taken.getsockname()[1]


@pytest.fixture
def offline(qtbot: Any, tmp_path: Path, port_taken: int) -> Iterator[Organiser]:
    """The window before its servers start — and they will not: the LAN port is taken."""
    org = _build(qtbot, tmp_path, replace(LOOPBACK, lan_port=port_taken))
    yield org
    org.gui.close()
    org.services.close()


def _station_id(services: OrganiserServices, number: int) -> int:
    with read_session(services.engine) as session:
        return devices.station_id_for(number, services.event_id, session=session)


def _show_code_for(qtbot: Any, org: Organiser, role: str, station: int | None = None) -> str:
    box = org.panel.pairing
    qtbot.waitUntil(box.show_button.isEnabled, timeout=5_000)
    box.role.setCurrentIndex(box.role.findData(role))
    if station is not None:
        box.station.setCurrentIndex(box.station.findData(_station_id(org.services, station)))
    with qtbot.waitSignal(box.code_issued, timeout=5_000):
        box.show_button.click()
    shown = box.code_label.text()
    code = shown.replace(" ", "")
    assert len(code) == devices.CODE_LENGTH and set(code) <= set(devices.CODE_ALPHABET)
    return code


def _qr_modules(payload: str) -> list[list[bool]]:
    return [[bool(v) for v in row] for row in segno.make(payload, error="m").matrix]


def _qr_on_screen(image: QImage, count: int) -> list[list[bool]]:
    """Read the shown QR back module by module (``count`` of them a side, border 2): each one a
    whole number of pixels, sampled at its centre."""
    assert not image.isNull() and image.width() == image.height() <= QR_SIDE
    px, rest = divmod(image.width(), count + 4)
    assert px >= 3 and rest == 0
    return [
        [
            image.pixelColor((2 + x) * px + px // 2, (2 + y) * px + px // 2).value() < 128
            for x in range(count)
        ]
        for y in range(count)
    ]


def _pair(services: OrganiserServices, code: str, name: str) -> devices.IssuedToken | None:
    return services.writer.run_sync(
        lambda tx: devices.redeem_pairing_code(code, session=tx.session, name=name)
    )


def _authenticate(services: OrganiserServices, token: str) -> devices.DeviceInfo | None:
    with read_session(services.engine) as session:
        return devices.authenticate(token, session=session)


def _drive_dialog(button_text: str, seen: list[str]) -> Callable[[], None]:
    """Click ``button_text`` in the modal dialog once it is up (retries until it is)."""

    def click() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, click)
            return
        seen.append(box.text())
        next(b for b in box.buttons() if b.text().replace("&", "") == button_text).click()

    return click


def test_shown_code_pairs_a_barista_for_the_chosen_station(
    qtbot: Any, organiser: Organiser
) -> None:
    org = organiser
    box = org.panel.pairing
    code = _show_code_for(qtbot, org, "barista", station=2)

    assert box.card is not None
    modules = _qr_modules(box.card.payload)
    assert _qr_on_screen(box.qr_label.pixmap().toImage(), len(modules)) == modules
    lan_url = box.url_label.text()
    assert lan_url.startswith("https://127.0.0.1:") and not lan_url.endswith(":None")
    fingerprint = ensure_identity(org.services.paths.data_dir).fingerprint_hex
    assert fingerprint[:47] in box.fingerprint_label.text()
    assert fingerprint[48:] in box.fingerprint_label.text()
    assert re.fullmatch(r"Single use · expires in (9:5\d|10:00)", box.expiry_label.text())
    assert "Expresso → barista → enter this code" in box.hint_label.text()
    assert box.card.payload == pairing_payload(code, lan_url, fingerprint)
    assert box.card.qr_png == qr_png(box.card.payload)

    issued = _pair(org.services, code, "Bar two")
    assert issued is not None and issued.role == "barista"
    assert issued.station_id == _station_id(org.services, 2)
    me = _authenticate(org.services, issued.token)
    assert me is not None and me.station_number == 2
    assert _pair(org.services, code, "again") is None  # single use

    # Pairing is not in the change log, but the writer's change set names the devices table:
    # the list follows it, no Refresh button.
    qtbot.waitUntil(lambda: org.panel.model.rowCount() == 1, timeout=5_000)
    shown = [org.panel.model.index(0, c).data() for c in range(org.panel.model.columnCount())]
    assert shown == ["Bar two", "Barista", "Station 2", "never", "active"]
    qtbot.waitUntil(lambda: box.expiry_label.text().startswith("Paired."), timeout=5_000)
    assert not box.code_label.isEnabled()


def test_station_pairs_over_https_with_the_url_and_fingerprint_shown(
    qtbot: Any, organiser: Organiser
) -> None:
    box = organiser.panel.pairing
    code = _show_code_for(qtbot, organiser, "display")
    assert not box.station.isEnabled()
    url = box.url_label.text()
    shown_fingerprint = "".join(box.fingerprint_label.text().split()[1:])  # after "SHA-256"
    pinned = aiohttp.Fingerprint(parse_fingerprint(shown_fingerprint))

    async def pair() -> tuple[int, dict[str, Any]]:
        async with (
            aiohttp.ClientSession() as session,
            session.post(
                f"{url}/api/v1/pair",
                ssl=pinned,
                json={"code": f" {code[:3]} {code[3:]}", "name": "Board"},
            ) as resp,
        ):
            return resp.status, await resp.json()

    status, body = asyncio.run(pair())
    assert status == 201, body
    assert body["device"]["role"] == "display" and body["device"]["station_id"] is None
    assert _authenticate(organiser.services, body["token"]) is not None
    qtbot.waitUntil(lambda: organiser.panel.model.rowCount() == 1, timeout=5_000)
    assert organiser.panel.model.index(0, 2).data() == "—"


def test_last_seen_follows_the_lan_servers_stamps_without_a_refresh_button(
    qtbot: Any, organiser: Organiser
) -> None:
    org = organiser
    panel = org.panel
    assert not any(b.text() == "Refresh" for b in panel.findChildren(QPushButton))
    issued = _pair(org.services, _show_code_for(qtbot, org, "display"), "Board")
    assert issued is not None
    qtbot.waitUntil(lambda: panel.model.rowCount() == 1, timeout=5_000)
    assert panel.model.index(0, 3).data() == "never"

    # What the LAN server writes when the device's requests come in (server/live.py).
    org.services.writer.run_sync(
        lambda tx: devices.mark_seen([issued.device_id], session=tx.session),
        initiator=SEEN_INITIATOR,
    )
    qtbot.waitUntil(lambda: panel.model.index(0, 3).data() != "never", timeout=5_000)
    assert re.fullmatch(r"\d\d:\d\d", panel.model.index(0, 3).data())


def test_an_unused_code_expires_on_screen(qtbot: Any, organiser: Organiser) -> None:
    box = organiser.panel.pairing
    _show_code_for(qtbot, organiser, "display")
    assert box.card is not None and box.qr_label.isVisible()
    box.card = replace(box.card, expires_at=datetime.now(UTC) + timedelta(seconds=1))
    qtbot.waitUntil(lambda: box.expiry_label.text().startswith("Expired"), timeout=3_000)
    assert not box.code_label.isEnabled() and not box.qr_label.isVisible()


def test_revoke_through_the_button_stops_the_token(qtbot: Any, organiser: Organiser) -> None:
    org = organiser
    panel = org.panel
    code = _show_code_for(qtbot, org, "barista", station=1)
    issued = _pair(org.services, code, "Foyer <b>till</b>")
    assert issued is not None
    qtbot.waitUntil(lambda: panel.model.rowCount() == 1, timeout=5_000)
    assert not panel.revoke_button.isEnabled()  # nothing selected yet
    panel.table.selectRow(0)
    assert panel.revoke_button.isEnabled()

    seen: list[str] = []
    QTimer.singleShot(0, _drive_dialog("Cancel", seen))
    panel.revoke_button.click()
    assert seen == ["Revoke “Foyer <b>till</b>”?"]  # the device's name, as plain text
    assert panel.model.row_at(0).active
    assert _authenticate(org.services, issued.token) is not None

    QTimer.singleShot(0, _drive_dialog("Revoke", seen))
    panel.revoke_button.click()
    assert len(seen) == 2
    qtbot.waitUntil(lambda: not panel.model.row_at(0).active, timeout=5_000)
    assert panel.model.index(0, 4).data() == "revoked"
    assert _authenticate(org.services, issued.token) is None
    assert not panel.revoke_button.isEnabled()  # a revoked device cannot be revoked again
    assert panel.devices_message.text().startswith("Revoked Foyer <b>till</b>")


def test_sms_section_shows_the_simulator_and_the_webhook(qtbot: Any, organiser: Organiser) -> None:
    panel = organiser.panel
    qtbot.waitUntil(lambda: panel.sms_mode.text().startswith("Built-in simulator"), timeout=5_000)
    assert "webhook on http://127.0.0.1:" in panel.sms_status.text()
    assert "SMS simulator" in panel.sms_status.text()
    assert "certificate" not in panel.sms_status.text()  # that is the LAN's, shown beside the code
    qtbot.waitUntil(lambda: panel.sms_queue.text() == "Outgoing texts waiting: none")


def test_without_servers_codes_wait_and_commits_refresh_the_tab(
    qtbot: Any, offline: Organiser
) -> None:
    panel, services = offline.panel, offline.services
    box = panel.pairing
    assert not box.show_button.isEnabled()
    assert "Waiting for the LAN server" in box.message.text()
    with qtbot.waitSignal(offline.host.failed, timeout=15_000) as failed:
        offline.host.start()  # the screens' ops run although the servers did not start
    failure = failed.args[0]
    assert isinstance(failure, ServiceFailure) and "already in use" in failure.message
    assert "already in use" in box.message.text()
    assert not box.show_button.isEnabled()

    def stations() -> list[str]:
        return [box.station.itemText(i) for i in range(box.station.count())]

    qtbot.waitUntil(lambda: len(stations()) == 3, timeout=5_000)
    assert stations() == ["Station 1", "Station 2", "Station 3 · Garden Bar"]

    def rename_and_queue(tx: Tx) -> None:
        station = get_station(tx.session, list_stations(tx.session, services.event_id)[2].id or 0)
        update_station(tx, station, {"name": "Rooftop"})
        enqueue(tx, to="+61400000009", body="Your coffee is ready", kind="manual")

    services.writer.run_sync(rename_and_queue, initiator="test")
    qtbot.waitUntil(lambda: panel.sms_queue.text() == "Outgoing texts waiting: 1", timeout=5_000)
    qtbot.waitUntil(lambda: box.station.itemText(2) == "Station 3 · Rooftop", timeout=5_000)
    assert "already in use" in box.message.text()


def test_the_sponsor_line_policy_is_shown_and_follows_texts_and_the_setting(
    qtbot: Any, organiser: Organiser
) -> None:
    panel, services = organiser.panel, organiser.services
    label = panel.sms_sponsor
    qtbot.waitUntil(lambda: label.text() == "Sponsor line: on no texts yet", timeout=5_000)

    def set_sponsor(value: str) -> None:
        services.writer.run_sync(
            lambda tx: update_settings(
                tx, {"sponsor_line": value}, services.menu, services.templates
            ),
            initiator="test",
        )

    set_sponsor("")
    qtbot.waitUntil(lambda: label.text() == "Sponsor line: none set", timeout=5_000)
    set_sponsor("Coffee by Acme.")
    qtbot.waitUntil(lambda: label.text() == "Sponsor line: on no texts yet", timeout=5_000)

    def texts_came_in(tx: Tx) -> None:  # what conversation turns leave behind
        state = {"sponsor": {"shown": 41, "dropped": 4}}
        tx.session.add(
            Customer(phone="+61400000011", created_at=utcnow(), conversation_state_json=state)
        )
        enqueue(tx, to="+61400000011", body="Order #A001 confirmed", kind="manual")

    services.writer.run_sync(texts_came_in, initiator="sms")
    qtbot.waitUntil(
        lambda: label.text() == "Sponsor line: on 41 of 45 texts (4 dropped to save a segment)",
        timeout=5_000,
    )
    assert label.isVisibleTo(panel)
