"""The built-in phone: text the event as a customer would, through the real webhook.

Texts go out as signed ``POST /sms`` requests on the service loop (the same path as Twilio's),
and the phone's screen shows the conversation from the SMS log, refreshed when anything commits.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import aiohttp
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import Engine

from expresso_desktop.errors import KnownError
from expresso_desktop.sms.simulator import Target, inbox, send_text
from expresso_desktop.ui.common.service_host import ServiceHost
from expresso_desktop.ui.common.widgets import plain_label

log = logging.getLogger(__name__)
DEFAULT_PHONE = "+61400000001"


class _Replies(QObject):
    """Carries a send's outcome from the service loop to the GUI thread."""

    done = Signal(str)  # "" on success, else the error to show


class SimulatorPanel(QWidget):
    def __init__(
        self,
        host: ServiceHost,
        engine: Engine,
        target: Callable[[], Target],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._host = host
        self._engine = engine
        self._target = target
        self._replies = _Replies()
        self._replies.done.connect(self._on_sent)

        self.phone = QLineEdit(DEFAULT_PHONE)
        self.phone.setMaximumWidth(220)
        self.message = QLineEdit(placeholderText="Type a text, e.g. large oat flat white for Sam")
        self.send_button = QPushButton("Send")
        self.conversation = QPlainTextEdit(
            readOnly=True
        )  # plain text: customer input never renders
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
        phone = self.phone.text().strip()
        if not text or not phone:
            return
        try:
            target = self._target()
        except KnownError as exc:
            self.error.setText(str(exc))
            return
        self.message.clear()
        self.send_button.setEnabled(False)
        future = self._host.submit(self._send(target, phone, text))
        future.add_done_callback(lambda f: self._replies.done.emit(_error_of(f)))

    async def _send(self, target: Target, phone: str, text: str) -> None:
        timeout = aiohttp.ClientTimeout(total=15)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            await send_text(session, target, phone, text)

    def _on_sent(self, error: str) -> None:
        self.send_button.setEnabled(True)
        self.error.setText(error)
        self.refresh()

    def refresh(self) -> None:
        lines = []
        for row in inbox(self._engine, self.phone.text().strip(), limit=40):
            who = "Expresso" if row.direction == "out" else "You"
            when = row.created_at.astimezone().strftime("%H:%M")
            lines.append(f"{when}  {who}: {row.body}")
        self.conversation.setPlainText("\n".join(lines))
        self.conversation.verticalScrollBar().setValue(
            self.conversation.verticalScrollBar().maximum()
        )


def _error_of(future: object) -> str:
    exc = future.exception()  # type: ignore[attr-defined]
    if exc is None:
        return ""
    if not isinstance(exc, KnownError):
        log.error("simulated text failed", exc_info=exc)
    return str(exc)
