"""The built-in phone: text the event as a customer would, through the real webhook, and see the
conversation as that phone would (bubbles: yours on the right, the event's on the left).

The panel only types and shows: ``sms.phone.SimulatedPhone`` sends the signed ``POST /sms`` on
the service loop and reads the conversation from the SMS log, both through the op runner. Its
screen asks for a re-read (``refresh``) when SMS rows commit; a send re-reads when it settles.
"""

from __future__ import annotations

import logging

from PySide6.QtWidgets import QFrame, QHBoxLayout, QLineEdit, QPushButton, QVBoxLayout, QWidget

from expresso_desktop.sms.phone import Conversation, SimulatedPhone, TextSent
from expresso_desktop.ui.common.ops import OpFailed, OpRunner
from expresso_desktop.ui.common.widgets import plain_label
from expresso_desktop.ui.organiser.message_bubbles import MessageThread

log = logging.getLogger(__name__)
DEFAULT_PHONE = "+61400000001"
TOUCH = 48


class SimulatorPanel(QFrame):
    """A test phone: its number, its thread of bubbles, and a line to text from."""

    def __init__(self, ops: OpRunner, phone: SimulatedPhone, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("phone")
        self._ops = ops
        self._phone = phone
        self._reading = False
        self._read_again = False

        self.phone = QLineEdit(DEFAULT_PHONE)
        self.phone.setAccessibleName("Test phone's number")
        self.phone.setToolTip("The test phone's number: any number in international form")
        self.phone.setMinimumHeight(TOUCH)
        self.phone.setMaximumWidth(170)
        self.conversation = MessageThread(
            "No texts from this phone yet.\nOrder as a customer would, e.g. "
            "“large oat flat white for Sam”."
        )
        self.message = QLineEdit(placeholderText="Text the event…")
        self.message.setAccessibleName("Text to send from the test phone")
        self.message.setMinimumHeight(TOUCH)
        self.send_button = QPushButton("Send")
        self.send_button.setMinimumHeight(TOUCH)
        self.error = plain_label(object_name="error")
        self.error.hide()

        number = QHBoxLayout()
        number.addWidget(plain_label("Number"), 1)
        number.addWidget(self.phone)
        compose = QHBoxLayout()
        compose.addWidget(self.message, 1)
        compose.addWidget(self.send_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 12, 14, 12)
        layout.addWidget(plain_label("Simulator (test phone)", object_name="section"))
        layout.addWidget(
            plain_label(
                "Its texts take the real path: the signed webhook, the conversation, the order.",
                object_name="subtitle",
            )
        )
        layout.addLayout(number)
        layout.addWidget(self.conversation, 1)
        layout.addWidget(self.error)
        layout.addLayout(compose)

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
        self._say("")

    def _on_refused(self, failure: OpFailed) -> None:
        self._say(failure.text)

    def _say(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))

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
        self.conversation.show_lines(conversation.lines)
