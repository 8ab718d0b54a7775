""" "Pair a station": pick what is being paired, show a one-time code big enough to read across a
counter, its QR, and where the station will find us (LAN URL, certificate fingerprint — both
from the service host's ``ServersStarted``).

The code is issued by the single writer through the op runner; whether it has been used is a
read through it too. Nothing here blocks the GUI thread.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from functools import partial

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from expresso_desktop.services.pairing import (
    QR_PNG_SCALE,
    CodeState,
    PairingCard,
    PairingReads,
    StationChoice,
    issue_pairing_card,
)
from expresso_desktop.services.writer import Writer
from expresso_desktop.ui.common.ops import OpFailed, OpRunner
from expresso_desktop.ui.common.widgets import plain_label

log = logging.getLogger(__name__)

ROLES = (("barista", "Barista station"), ("display", "Ready board (display)"))
QR_SIDE = 210  # px on screen at most
CODE_STYLE = (
    "QLabel { font-family: 'DejaVu Sans Mono', 'Menlo', 'Consolas', monospace;"
    " font-size: 64px; font-weight: 700; letter-spacing: 6px; color: #4a2c1a; }"
    " QLabel:disabled { color: #cdbba8; }"
)
MONO_SMALL = "font-family: 'DejaVu Sans Mono', 'Menlo', 'Consolas', monospace; font-size: 12px;"


def spaced(code: str) -> str:
    """``ACDEFG`` → ``ACD EFG``: two groups are easier to read out; the station ignores spaces."""
    return f"{code[:3]} {code[3:]}"


def qr_pixmap(png: bytes) -> QPixmap:
    """The QR at a whole number of screen pixels per module (at most ``QR_SIDE``): uneven
    modules from a fractional scale make a code harder for a camera to read."""
    pixmap = QPixmap()
    if not pixmap.loadFromData(png, "PNG"):
        log.error("the pairing QR image did not load")
        return pixmap
    modules = max(1, pixmap.width() // QR_PNG_SCALE)
    side = max(1, QR_SIDE // modules) * modules
    return pixmap.scaled(
        side, side, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.FastTransformation
    )


INITIATOR = "ui:setup"

NO_STATION = "Create a station first (Stations), then pair it here."


class PairingBox(QGroupBox):
    """Signals:
    code_issued(PairingCard) — a new code is on screen
    """

    code_issued = Signal(PairingCard)

    def __init__(
        self,
        ops: OpRunner,
        writer: Writer,
        reads: PairingReads,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__("Pair a station", parent)
        self._ops, self._writer, self._reads = ops, writer, reads
        self._lan_url: str | None = None
        self._fingerprint = ""
        self.card: PairingCard | None = None

        self.role = QComboBox()
        for value, label in ROLES:
            self.role.addItem(label, value)
        self.station = QComboBox()
        self.show_button = QPushButton("Show pairing code")
        self.show_button.setEnabled(False)
        self.message = plain_label("Waiting for the LAN server to start…", object_name="subtitle")

        self.code_label = QLabel()
        self.code_label.setTextFormat(Qt.TextFormat.PlainText)
        self.code_label.setStyleSheet(CODE_STYLE)
        self.code_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.expiry_label = plain_label(object_name="subtitle")
        self.qr_label = QLabel()
        self.qr_label.setFixedSize(QR_SIDE, QR_SIDE)
        self.qr_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.url_label = plain_label()
        self.url_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.fingerprint_label = plain_label()
        self.fingerprint_label.setStyleSheet(MONO_SMALL)
        self.fingerprint_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.hint_label = plain_label(object_name="subtitle")

        form = QFormLayout()
        form.addRow("Device", self.role)
        form.addRow("Station", self.station)
        code_column = QVBoxLayout()
        code_column.addWidget(self.code_label)
        code_column.addWidget(self.expiry_label)
        code_column.addStretch(1)
        code_row = QHBoxLayout()
        code_row.addLayout(code_column, 1)
        code_row.addWidget(self.qr_label)
        details = QFormLayout()
        details.addRow("Organiser", self.url_label)
        details.addRow("Certificate", self.fingerprint_label)
        self.card_widget = QWidget()
        card_layout = QVBoxLayout(self.card_widget)
        card_layout.setContentsMargins(0, 8, 0, 0)
        card_layout.addLayout(code_row)
        card_layout.addLayout(details)
        card_layout.addWidget(self.hint_label)
        self.card_widget.setVisible(False)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.show_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.message)
        layout.addWidget(self.card_widget)
        layout.addStretch(1)

        self._countdown = QTimer(self)  # redraws the time left; reads nothing
        self._countdown.setInterval(1000)
        self._countdown.timeout.connect(self._tick)
        self.role.currentIndexChanged.connect(self._on_role)
        self.show_button.clicked.connect(self.show_code)

    # -- inputs -----------------------------------------------------------------------------------
    def set_lan(self, url: str, fingerprint: str) -> None:
        """The LAN API runs at ``url`` with the certificate ``fingerprint`` (colon hex)."""
        self._lan_url, self._fingerprint = url, fingerprint
        self.message.setText("")
        self._update_button()

    def set_unavailable(self, reason: str) -> None:
        self._lan_url = None
        self.message.setText(f"Stations cannot pair until the LAN server runs: {reason}")
        self._update_button()

    def set_stations(self, stations: list[StationChoice]) -> None:
        current = self.station.currentData()
        self.station.blockSignals(True)
        self.station.clear()
        for s in stations:
            self.station.addItem(s.label, s.id)
        at = self.station.findData(current)
        self.station.setCurrentIndex(at if at >= 0 else 0)
        self.station.blockSignals(False)
        self._update_button()

    # -- actions ----------------------------------------------------------------------------------
    def show_code(self) -> None:
        if self._lan_url is None:
            return
        role = str(self.role.currentData())
        station_id = self.station.currentData() if role == "barista" else None
        self.show_button.setEnabled(False)
        self._ops.write(
            self._writer,
            partial(
                issue_pairing_card,
                role=role,
                station_id=station_id,
                url=self._lan_url,
                fingerprint=self._fingerprint,
            ),
            initiator=INITIATOR,
            on_done=self._show_card,
            on_error=self._refused,
            on_finally=self._update_button,
            label="Show pairing code",
        )

    def _refused(self, failure: OpFailed) -> None:
        self.message.setText(failure.text)

    def _show_card(self, card: PairingCard) -> None:
        self.card = card
        self.message.setText("")
        self.code_label.setText(spaced(card.code))
        self.code_label.setEnabled(True)
        self.qr_label.setPixmap(qr_pixmap(card.qr_png))
        self.qr_label.setVisible(True)
        self.url_label.setText(card.url)
        fp = card.fingerprint
        half = len(fp) // 2 + 1  # split after a colon: two even lines of 16 bytes
        self.fingerprint_label.setText(f"SHA-256 {fp[:half]}\n        {fp[half:]}")
        self.hint_label.setText(self._hint(card))
        self.card_widget.setVisible(True)
        self._countdown.start()
        self._tick()
        self.code_issued.emit(card)

    def check_used(self) -> None:
        """After the device list changed: a used code is done, say so instead of counting."""
        card = self.card
        if card is None or not self._countdown.isActive():
            return
        reads = self._reads
        self._ops.query(
            lambda: reads.code_state(card.code),
            on_done=lambda state: self._on_code_state(card, state),
            label="Pairing code",
        )

    def _on_code_state(self, card: PairingCard, state: CodeState) -> None:
        if state == "used" and card is self.card and self._countdown.isActive():
            self._finish("Paired. Show a new code for the next station.")

    # -- internals --------------------------------------------------------------------------------
    def _hint(self, card: PairingCard) -> str:
        if card.role == "barista":
            where = self.station.currentText()
            how = "On the station: Expresso → barista → enter this code, or scan the QR."
            cli = f"Without a window: expresso barista --headless --pair {card.code}"
            return f"For {where}. {how}\n{cli}"
        return "On the display: enter this code when Expresso asks for one, or scan the QR."

    def _tick(self) -> None:
        if self.card is None:
            return
        left = int((self.card.expires_at - datetime.now(UTC)).total_seconds())
        if left <= 0:
            self._finish("Expired. Show a new code.")
            return
        self.expiry_label.setText(f"Single use · expires in {left // 60}:{left % 60:02d}")

    def _finish(self, text: str) -> None:
        self._countdown.stop()
        self.code_label.setEnabled(False)
        self.qr_label.setVisible(False)
        self.expiry_label.setText(text)

    def _on_role(self) -> None:
        self.station.setEnabled(self.role.currentData() == "barista")
        self._update_button()

    def _update_button(self) -> None:
        needs_station = self.role.currentData() == "barista"
        ready = self._lan_url is not None and (not needs_station or self.station.count() > 0)
        self.show_button.setEnabled(ready)
        if self._lan_url is not None and needs_station and self.station.count() == 0:
            self.message.setText(NO_STATION)
        elif self.message.text() == NO_STATION:  # the stations were read meanwhile
            self.message.setText("")
