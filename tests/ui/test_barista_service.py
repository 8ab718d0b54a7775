"""A whole service at a barista station, end to end: a real organiser (`serve --demo`) on
127.0.0.1 found by mDNS on loopback, the real station window paired through its pages; a signed
customer text becomes a card with its chips; Start, Done (the customer's ready text queued, the
oat bar down) and Undo; the ⋯ menu's Move; the organiser stops, taps keep working and are
counted; meanwhile a customer cancels by text at an organiser the station cannot reach, so one
waiting tap is refused when the station reconnects by itself, and the refusal says which order
and why; the ready board shows and clears the order; a cup label prints to PDF.

One organiser process at a time, on one fixed LAN port so that a restart is found where the
station left it (the station keeps the address it paired with)."""

from __future__ import annotations

import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication, QPushButton, QWidget

from expresso_desktop.core.orders import Action, OrderStatus
from expresso_desktop.settings import AppPaths
from expresso_desktop.sync.station import StationOptions
from expresso_desktop.sync.station_service import StationOrder
from expresso_desktop.ui.barista import snackbar
from expresso_desktop.ui.barista.label_printer import LabelPrinted, LabelPrinter, label_printer
from expresso_desktop.ui.barista.order_card import CardMore, CardTapped
from expresso_desktop.ui.barista.pair_box import OrganiserRow
from expresso_desktop.ui.barista.station_app import PairingResult, StationApp
from expresso_desktop.ui.common.theme import apply_theme
from tests.ui.artifacts import artifacts_dir, save_screenshot, settle

REPO = Path(__file__).resolve().parents[2]
MAIN = str(REPO / "main.py")
LOOPBACK = "127.0.0.1"
NET_MS = 30_000  # bounds on process start-up, mDNS, TLS and reconnecting: never timing assertions
ANA = "+61400000031"
BEN = "+61400000032"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return int(probe.getsockname()[1])


class Serve:
    """One `serve --demo` process on the organiser's data folder; its output read on a thread
    so that the window keeps running while the test waits for a line."""

    def __init__(self, data: Path, lan_port: int, *, mdns: bool) -> None:
        advert = ["--mdns-interface", LOOPBACK] if mdns else ["--no-mdns"]
        args = ["--data-dir", str(data), "serve", "--demo", "--webhook-port", "0",
                "--lan-host", LOOPBACK, "--lan-port", str(lan_port), *advert]  # fmt: skip
        self.lines: list[str] = []
        self.proc = subprocess.Popen(
            [sys.executable, MAIN, *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        )  # fmt: skip
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line)

    def serving(self) -> bool:
        if self.proc.poll() is not None:
            raise RuntimeError("serve exited:\n" + "".join(self.lines))
        return any("Expresso serving" in line for line in self.lines)

    def said(self, pattern: str) -> str:
        found = (re.search(pattern, line) for line in self.lines)
        match = next((m for m in found if m), None)
        assert match, "".join(self.lines)
        return match.group(1)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=20)
        self._reader.join(timeout=5)
        assert self.proc.stdout is not None
        self.proc.stdout.close()


class Command:
    """A `main.py` command on the organiser's data folder, running beside the window."""

    def __init__(self, data: Path, *args: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, MAIN, "--data-dir", str(data), *args],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        )  # fmt: skip

    def output(self, qtbot: Any) -> str:
        """Its output once it has finished (the window runs meanwhile)."""
        qtbot.waitUntil(lambda: self.proc.poll() is not None, timeout=NET_MS)
        out, _ = self.proc.communicate()
        assert self.proc.returncode == 0, out
        return out


class Organiser:
    """The organiser's data folder and whichever `serve` runs on it now."""

    def __init__(self, data: Path) -> None:
        self.data = data
        self.lan_port = _free_port()
        self.serve: Serve | None = None
        self.commands: list[Command] = []

    def launch(self, *, lan_port: int | None = None, mdns: bool = False) -> Serve:
        """`serve` on the station's LAN port (or another), not waited for."""
        self.serve = Serve(self.data, lan_port or self.lan_port, mdns=mdns)
        return self.serve

    def serving(self, qtbot: Any) -> Serve:
        serve = self.serve
        assert serve is not None
        qtbot.waitUntil(serve.serving, timeout=NET_MS)
        return serve

    def stop(self) -> None:
        if self.serve is not None:
            self.serve.stop()
            self.serve = None
        for command in self.commands:  # a failed test leaves none running
            if command.proc.poll() is None:
                command.proc.kill()
                command.proc.wait(timeout=10)
            if command.proc.stdout is not None and not command.proc.stdout.closed:
                command.proc.stdout.close()

    def run(self, *args: str) -> Command:
        command = Command(self.data, *args)
        self.commands.append(command)
        return command

    def text(self, phone: str, body: str) -> Command:
        """A customer's text, signed as Twilio signs it (its output: the organiser's reply)."""
        return self.run("sms-sim", "--from", phone, body)

    def query(self, sql: str, *params: object) -> list[tuple[Any, ...]]:
        """The organiser's database, read only (as a person with sqlite3 would look)."""
        db = sqlite3.connect(f"file:{self.data / 'organiser.db'}?mode=ro", uri=True)
        try:
            return db.execute(sql, params).fetchall()
        finally:
            db.close()

    def status(self, number: str) -> str:
        rows = self.query("SELECT status FROM orders WHERE number = ?", number)
        return str(rows[0][0]) if rows else ""

    def texts(self, order_id: str, kind: str) -> list[str]:
        sql = "SELECT body FROM sms_messages WHERE order_id = ? AND kind = ? AND direction = 'out'"
        return [str(row[0]) for row in self.query(sql, order_id, kind)]


@pytest.fixture
def organiser(tmp_path: Path) -> Iterator[Organiser]:
    org = Organiser(tmp_path / "organiser")
    try:
        yield org
    finally:
        org.stop()


def _card(station: StationApp, name: str) -> StationOrder | None:
    return next((o for o in station.window.model.orders() if o.customer_name == name), None)


def _shown(station: StationApp, name: str) -> StationOrder:
    order = _card(station, name)
    assert order is not None, f"no card for {name}"
    return order


def _tap(station: StationApp, name: str, action: Action) -> None:
    """What a tap on the card's big button does."""
    station.window.delegate.tapped.emit(CardTapped(_shown(station, name), action))


def _oat_level(station: StationApp) -> float | None:
    bar = station.stock_panel.row("Oat milk").bar_data
    return bar.level if bar is not None else None


def _our_row(station: StationApp, fingerprint: str) -> OrganiserRow | None:
    rows = station.window.pair_box.rows
    return next((r for r in rows if r.found.fingerprint == fingerprint), None)


def _buttons(widget: QWidget) -> dict[str, QPushButton]:
    return {b.text(): b for b in widget.findChildren(QPushButton) if b.isVisibleTo(widget)}


def _save_dialog(dialog: QWidget, name: str, tmp_path: Path) -> None:
    """A dialog or second window at its own size, themed."""
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    before = app.styleSheet()
    apply_theme(app)
    try:
        settle(app)
        assert dialog.grab().save(str(artifacts_dir(tmp_path) / f"{name}.png"))
    finally:
        app.setStyleSheet(before)


def test_a_whole_service_online_and_offline(
    qtbot: Any, organiser: Organiser, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The test waits on the network between Done and Undo (up to NET_MS on a loaded machine):
    # a longer undo window than a barista's 10 s, so the wait cannot expire it.
    monkeypatch.setattr(snackbar, "UNDO_FOR_MS", 5 * NET_MS)
    station = StationApp(
        AppPaths(tmp_path / "station"), StationOptions(mdns_interfaces=(LOOPBACK,))
    )
    qtbot.addWidget(station.window)
    station.start()  # never paired: it looks for organisers while the organiser starts
    window, box = station.window, station.window.pair_box
    try:
        organiser.launch(mdns=True)
        serve = organiser.serving(qtbot)
        fingerprint = serve.said(r"LAN certificate SHA-256 (\S+)").replace(":", "").lower()
        issuing = organiser.run("devices", "pair", "--station", "1")  # the organiser's code

        # 1. Pairing: the organiser found by mDNS, a real code, past the PIN page.
        qtbot.waitUntil(lambda: _our_row(station, fingerprint) is not None, timeout=NET_MS)
        save_screenshot(window, "barista-e2e-pair", tmp_path)
        qtbot.mouseClick(_our_row(station, fingerprint), Qt.MouseButton.LeftButton)
        assert box.steps.currentIndex() == 1
        code = re.search(r"Pairing code: (\w+)", issuing.output(qtbot))
        assert code
        qtbot.keyClicks(box.code, code.group(1))
        with qtbot.waitSignal(station.paired, timeout=NET_MS) as paired:
            qtbot.mouseClick(box.button, Qt.MouseButton.LeftButton)
        result = paired.args[0]
        assert isinstance(result, PairingResult) and result.ok
        assert result.url == f"https://{LOOPBACK}:{organiser.lan_port}"
        login = station.login_box
        assert station.gate.currentWidget() is login
        # The demo's staff have no PINs: the barista works without logging in.
        qtbot.waitUntil(lambda: bool(login.staff_group.buttons()), timeout=NET_MS)
        assert login.back_button.text() == "Continue without logging in"
        qtbot.mouseClick(login.back_button, Qt.MouseButton.LeftButton)
        assert station.gate.currentIndex() == 0
        qtbot.waitUntil(lambda: window.link_label.text() == "● Online", timeout=NET_MS)
        assert window.title.text().startswith("Station 1")

        # 2. A signed text arrives: the card, with its milk and extra-shot chips.
        texting = organiser.text(ANA, "large oat latte with an extra shot for Ana at station 1")
        qtbot.waitUntil(lambda: _card(station, "Ana") is not None, timeout=NET_MS)
        assert "confirmed" in texting.output(qtbot)
        # Ben's order (he will cancel it by text while the station cannot reach the organiser)
        # arrives while Ana's is made.
        ben_texting = organiser.text(BEN, "small latte for Ben at station 1")
        ana = _shown(station, "Ana")
        assert ana.status is OrderStatus.NEW
        card = window.delegate.layout_for(ana, 300)
        assert card.chip_texts("milk") == ["oat"]
        assert card.chip_texts("modifier") == ["extra shot"]
        assert [text for text, _ in card.lines] == ["1 × large latte"]
        window.side_panels.setCurrentWidget(station.stock_panel)
        qtbot.waitUntil(lambda: bool(station.stock_panel.rows))
        full = _oat_level(station)
        assert full is not None
        save_screenshot(window, "barista-e2e-new-order", tmp_path)

        # 3. Start, Done: the ready text is queued at the organiser, the oat bar drops; Undo.
        _tap(station, "Ana", Action.START)
        qtbot.waitUntil(lambda: _shown(station, "Ana").status is OrderStatus.IN_PROGRESS)
        _tap(station, "Ana", Action.READY)
        qtbot.waitUntil(lambda: _shown(station, "Ana").status is OrderStatus.READY)
        qtbot.waitUntil(lambda: (_oat_level(station) or full) < full)
        qtbot.waitUntil(lambda: organiser.status(ana.number) == "ready", timeout=NET_MS)
        qtbot.waitUntil(lambda: bool(organiser.texts(ana.id, "ready")), timeout=NET_MS)
        assert ana.number in organiser.texts(ana.id, "ready")[0]
        assert window.undo_bar.text.text() == f"{ana.number} ready"
        save_screenshot(window, "barista-e2e-ready", tmp_path)
        qtbot.mouseClick(window.undo_bar.button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: _shown(station, "Ana").status is OrderStatus.IN_PROGRESS)
        qtbot.waitUntil(lambda: _oat_level(station) == full)
        qtbot.waitUntil(lambda: organiser.status(ana.number) == "in_progress", timeout=NET_MS)
        save_screenshot(window, "barista-e2e-undone", tmp_path)

        # 4. ⋯ → Move: Garden Bar pours no extra shot (shown, not offered); Station 2 is.
        menu = station.card_tools.menu
        window.delegate.more.emit(CardMore(_shown(station, "Ana"), QPoint(640, 300)))
        qtbot.waitUntil(lambda: menu.options is not None)
        menu.move_button.click()
        targets = _buttons(menu.move_page)
        assert targets["Station 2"].isEnabled()
        (garden,) = [text for text in targets if text.startswith("Garden Bar")]
        assert not targets[garden].isEnabled() and "extra shot" in garden
        _save_dialog(menu, "barista-e2e-move", tmp_path)
        menu.close()

        assert "confirmed" in ben_texting.output(qtbot)
        qtbot.waitUntil(lambda: _card(station, "Ben") is not None, timeout=NET_MS)
        ben = _shown(station, "Ben")
        board = station.display.open_board()
        qtbot.addWidget(board)
        qtbot.waitUntil(lambda: board.canvas.view is not None)
        assert board.canvas.shown_tiles() == []

        # 5. The organiser stops: taps change their cards at once and wait, counted.
        qtbot.waitUntil(lambda: station.service.link().pending == 0, timeout=NET_MS)
        organiser.stop()
        qtbot.waitUntil(lambda: "Offline" in window.link_label.text(), timeout=NET_MS)
        # Meanwhile the organiser starts again where this station cannot reach it (another
        # LAN port: the bar's network is down), and Ben will cancel by text there.
        organiser.launch(lan_port=_free_port())
        _tap(station, "Ana", Action.READY)
        qtbot.waitUntil(lambda: _shown(station, "Ana").status is OrderStatus.READY)
        _tap(station, "Ben", Action.START)
        qtbot.waitUntil(lambda: _shown(station, "Ben").status is OrderStatus.IN_PROGRESS)
        qtbot.waitUntil(lambda: window.link_label.text().endswith("— 2 changes waiting"))
        assert station.service.link().pending == 2
        tile = f"{ana.number} Ana"
        qtbot.waitUntil(lambda: board.canvas.shown_tiles() == [tile])  # ready here: shown now
        save_screenshot(window, "barista-e2e-offline", tmp_path)

        organiser.serving(qtbot)
        assert "cancelled" in organiser.text(BEN, "cancel my order").output(qtbot).lower()
        assert organiser.status(ben.number) == "cancelled"  # it was new there
        organiser.stop()

        # 6. Back on its address: the station reconnects by itself, sends what waited; Ben's
        # Start is refused, with the order and why, and his card leaves the queue.
        organiser.launch()
        organiser.serving(qtbot)
        qtbot.waitUntil(lambda: window.link_label.text() == "● Online", timeout=NET_MS)
        qtbot.waitUntil(lambda: _card(station, "Ben") is None, timeout=NET_MS)
        assert station.service.link().pending == 0
        assert organiser.status(ana.number) == "ready"
        notice = window.notice_label.text()
        assert notice.startswith("Refused by the organiser:")
        assert ben.number in notice and "cancel" in notice
        save_screenshot(window, "barista-e2e-reconciled", tmp_path)

        # 7. Ana's cup label, to a PDF.
        pdf = tmp_path / "label.pdf"
        labels = LabelPrinter(
            station.card_tools.actions, station.ops, printer=lambda: label_printer(pdf)
        )
        with qtbot.waitSignal(labels.printed, timeout=NET_MS) as printed:
            labels.print_order(ana.id)
        assert printed.args[0] == LabelPrinted(ana.id, ana.number, str(pdf))
        assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 0

        # 8. The ready board shows Ana until she collects.
        assert board.canvas.shown_tiles() == [tile]
        _save_dialog(board, "barista-e2e-board", tmp_path)
        _tap(station, "Ana", Action.COLLECT)
        qtbot.waitUntil(lambda: board.canvas.shown_tiles() == [])
        qtbot.waitUntil(lambda: organiser.status(ana.number) == "collected", timeout=NET_MS)
    finally:
        station.close()
