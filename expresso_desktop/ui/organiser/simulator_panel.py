"""The built-in phone: text the event as a customer would, through the real webhook.

The panel only types and shows: ``sms.phone.SimulatedPhone`` sends the signed ``POST /sms`` on
the service loop and reads the conversation from the SMS log, both through the op runner. The
conversation is re-read after a send and when SMS rows commit while the tab is shown.
"""

from __future__ import annotations

import logging

from PySide6.QtWidgets import (
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from expresso_desktop.sms.phone import Conversation, SimulatedPhone, TextSent
from expresso_desktop.ui.common.ops import OpFailed, OpRunner
from expresso_desktop.ui.common.widgets import plain_label

log = logging.getLogger(__name__)
DEFAULT_PHONE = "+61400000001"


class SimulatorPanel(QWidget):
    def __init__(self, ops: OpRunner, phone: SimulatedPhone, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ops = ops
        self._phone = phone
        self._reading = False
        self._read_again = False

        self.phone = QLineEdit(DEFAULT_PHONE)
        self.phone.setMaximumWidth(220)
        self.message = QLineEdit(placeholderText="Type a text, e.g. large oat flat white for Sam")
        self.send_button = QPushButton("Send")
        # Plain text: customer input never renders.
        self.conversation = QPlainTextEdit(readOnly=True)
        self.error = plain_label(object_name="subtitle")

        row = QHBoxLayout()
        row.addWidget(self.phone)
        row.addWidget(self.message, 1)
        row.addWidget(self.send_button)
        layout = QVBoxLayout(self)
        layout.addWidget(plain_label("Phone simulator", object_name="title"))
        layout.addWidget(
            plain_label(
                "Texts go through the same webhook, conversation and order path as real SMS.",
                object_name="subtitle",
            )
        )
        layout.addLayout(row)
        layout.addWidget(self.conversation, 1)
        layout.addWidget(self.error)

        self.send_button.clicked.connect(self.send)
        self.message.returnPressed.connect(self.send)
        self.phone.editingFinished.connect(self.refresh)

    def send(self) -> None:
        text = self.message.text().strip()
        number = self.phone.text().strip()
        if not text or not number or not self.send_button.isEnabled():
            return
        self.message.clear()
        self.send_button.setEnabled(False)
        phone = self._phone
        self._ops.call(
            lambda: phone.send(number, text),
            on_done=self._on_sent,
            on_error=self._on_refused,
            on_finally=self._settled,
            label="Send text",
        )

    def _on_sent(self, _sent: TextSent) -> None:
        self.error.setText("")

    def _on_refused(self, failure: OpFailed) -> None:
        self.error.setText(failure.text)

    def _settled(self) -> None:
        self.send_button.setEnabled(True)
        self.refresh()

    def refresh(self) -> None:
        """Re-read the conversation (one read at a time; a request meanwhile reads again)."""
        if self._reading:
            self._read_again = True
            return
        self._reading = True
        phone, number = self._phone, self.phone.text()
        self._ops.query(
            lambda: phone.conversation(number),
            on_done=self._show,
            on_finally=self._read_done,
            label="Phone conversation",
        )

    def _read_done(self) -> None:
        self._reading = False
        if self._read_again:
            self._read_again = False
            self.refresh()

    def _show(self, conversation: Conversation) -> None:
        if conversation.phone != self.phone.text().strip():
            return  # the number changed meanwhile; its own read follows
        self.conversation.setPlainText(conversation.text)
        bar = self.conversation.verticalScrollBar()
        bar.setValue(bar.maximum())
