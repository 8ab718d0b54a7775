"""First run of a station: the organiser's address and the pairing code it shows."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFormLayout, QLineEdit, QPushButton, QVBoxLayout, QWidget

from expresso_desktop.ui.common.widgets import plain_label

TOUCH_PX = 48  # the smallest touch target on a station


@dataclass(frozen=True, slots=True)
class PairRequest:
    """The pairing form was submitted: the organiser's address ("" = from the QR text or
    mDNS) and the code (or the whole QR text)."""

    server: str
    code: str


class PairBox(QWidget):
    """Signals:
    pair_requested(PairRequest) — the form was submitted
    """

    pair_requested = Signal(PairRequest)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.server = QLineEdit(
            placeholderText="https://192.168.1.10:8443 (shown on the organiser)"
        )
        self.code = QLineEdit(placeholderText="6-letter code, or the QR text")
        self.button = QPushButton("Pair with the organiser")
        self.message = plain_label(object_name="subtitle")
        for widget in (self.server, self.code, self.button):
            widget.setMinimumHeight(TOUCH_PX)
        form = QFormLayout()
        form.addRow("Organiser address", self.server)
        form.addRow("Pairing code", self.code)
        layout = QVBoxLayout(self)
        layout.addWidget(plain_label("Pair this station", object_name="title"))
        layout.addWidget(
            plain_label(
                "On the organiser: Setup → Pair a station. Type the address and code it shows.",
                object_name="subtitle",
            )
        )
        layout.addLayout(form)
        layout.addWidget(self.button)
        layout.addWidget(self.message)
        layout.addStretch(1)
        self.button.clicked.connect(self._submit)
        self.code.returnPressed.connect(self._submit)

    def _submit(self) -> None:
        code = self.code.text().strip()
        if not code:
            self.message.setText("Enter the pairing code shown on the organiser.")
            return
        self.button.setEnabled(False)
        self.message.setText("Pairing…")
        self.pair_requested.emit(PairRequest(self.server.text().strip(), code))

    def failed(self, message: str) -> None:
        self.button.setEnabled(True)
        self.message.setText(message)
