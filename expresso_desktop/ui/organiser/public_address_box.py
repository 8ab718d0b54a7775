"""The Setup screen's "Public address" section: the address Twilio posts customers' texts to
(typed, or a tunnel started here with cloudflared or ngrok), and "Register webhook" with its
result in words.

Everything goes through ``PublicAddress`` on the service loop (``ops.call``); every answer is
the whole section's state, shown at once. The webhook's state is announced whenever it changes
(the status bar follows it).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QLineEdit, QPushButton, QVBoxLayout, QWidget

from expresso_desktop.sms.public_address import (
    SMS_PATH,
    AddressState,
    PublicAddress,
    WebhookState,
)
from expresso_desktop.ui.common.ops import OpFailed, OpRunner
from expresso_desktop.ui.common.service_host import ServersStarted, ServiceFailure, ServiceHost
from expresso_desktop.ui.common.widgets import plain_label

ERROR_STYLE = "color: #9b1c1c; font-weight: 600;"  # with a "⚠" and words: never colour alone
EXPLAIN = "Twilio posts customers' texts to this address + {path}: a tunnel's, or your own."
NO_TOOL = "Install one to start a tunnel from here:"


class PublicAddressBox(QGroupBox):
    """Signals:
    webhook_changed(WebhookState) — the webhook's registration changed (registered, refused,
        or the address moved since)
    """

    webhook_changed = Signal(WebhookState)

    def __init__(
        self,
        ops: OpRunner,
        address: PublicAddress,
        host: ServiceHost,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__("Public address (Twilio)", parent)
        self._ops, self._address = ops, address
        self._state: AddressState | None = None
        self._busy = False

        self.explain = plain_label(EXPLAIN.format(path=SMS_PATH), object_name="subtitle")
        self.url_edit = QLineEdit()
        self.url_edit.setPlaceholderText("https://… (a tunnel's address, or your own)")
        self.url_edit.setAccessibleName("Public address")
        self.use_button = QPushButton("Use address")
        self.url_error = plain_label()
        self.url_error.setStyleSheet(ERROR_STYLE)
        self.url_error.setVisible(False)
        url_row = QHBoxLayout()
        url_row.addWidget(self.url_edit, 1)
        url_row.addWidget(self.use_button)

        self.start_button = QPushButton("Start tunnel")
        self.stop_button = QPushButton("Stop tunnel")
        self.tunnel_line = plain_label()
        tunnel_row = QHBoxLayout()
        tunnel_row.addWidget(self.start_button, 0, Qt.AlignmentFlag.AlignTop)
        tunnel_row.addWidget(self.stop_button, 0, Qt.AlignmentFlag.AlignTop)
        tunnel_row.addWidget(self.tunnel_line, 1)
        self.how_to_get = plain_label("", object_name="subtitle")
        self.how_to_get.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.how_to_get.setVisible(False)

        self.register_button = QPushButton("Register webhook")
        self.register_button.setToolTip(
            f"Point the Twilio number's incoming-SMS webhook at this address + {SMS_PATH}"
        )
        self.webhook_line = plain_label()
        register_row = QHBoxLayout()
        register_row.addWidget(self.register_button, 0, Qt.AlignmentFlag.AlignTop)
        register_row.addWidget(self.webhook_line, 1)

        layout = QVBoxLayout(self)
        layout.addWidget(self.explain)
        layout.addLayout(url_row)
        layout.addWidget(self.url_error)
        layout.addLayout(tunnel_row)
        layout.addWidget(self.how_to_get)
        layout.addLayout(register_row)
        self._controls = (
            self.url_edit,
            self.use_button,
            self.start_button,
            self.stop_button,
            self.register_button,
        )
        self._set_enabled(False)
        self.stop_button.setVisible(False)
        self.webhook_line.setText("Waiting for the SMS webhook to start…")

        self.url_edit.returnPressed.connect(self.use_typed)
        self.url_edit.textEdited.connect(lambda _text: self._show_url_error(None))
        self.use_button.clicked.connect(self.use_typed)
        self.start_button.clicked.connect(self.start_tunnel)
        self.stop_button.clicked.connect(self.stop_tunnel)
        self.register_button.clicked.connect(self.register)
        host.on_started(self._on_started)
        host.failed.connect(self._on_failed)
        self.reload()

    # -- reading ----------------------------------------------------------------------------------
    def reload(self) -> None:
        self._ops.call(self._address.state, on_done=self.show_state, label="Public address")

    def _on_started(self, _started: ServersStarted) -> None:
        self.reload()

    def _on_failed(self, failure: ServiceFailure) -> None:
        self._set_enabled(False)
        self.webhook_line.setText(f"The servers did not start: {failure.message}")

    def show_state(self, state: AddressState) -> None:
        before, self._state = self._state, state
        if before is None or before.url != state.url:
            self.url_edit.setText(state.url or "")
            self.url_edit.setCursorPosition(0)  # "https://…" shown, not the address's tail
        explain = EXPLAIN.format(path=SMS_PATH)
        self.explain.setText(explain if state.needed else state.not_needed or explain)
        self._show_tunnel(state)
        self._show_webhook(state)
        self._update_buttons()
        if before is None or before.webhook != state.webhook:
            self.webhook_changed.emit(state.webhook)

    def _show_tunnel(self, state: AddressState) -> None:
        if state.tunnel_running:
            self.tunnel_line.setText(f"✓ {state.tunnel_text}")
        elif state.tunnel_text:
            self.tunnel_line.setText(f"⚠ {state.tunnel_text}")
        elif state.tool is None:
            self.tunnel_line.setText("No tunnel program found on this computer.")
        else:
            self.tunnel_line.setText(f"Starts {state.tool}: a free https address for this run.")
        lines = "\n".join(f"• {line}" for line in state.how_to_get)
        self.how_to_get.setText(f"{NO_TOOL}\n{lines}")
        self.how_to_get.setVisible(state.needed and state.tool is None)
        self.stop_button.setVisible(state.tunnel_running)
        self.start_button.setVisible(not state.tunnel_running)

    def _show_webhook(self, state: AddressState) -> None:
        if not state.needed:
            self.webhook_line.setText("")
        elif not state.servers_up:
            self.webhook_line.setText("Waiting for the SMS webhook to start…")
        else:
            self.webhook_line.setText(state.webhook.text)

    def _update_buttons(self) -> None:
        state = self._state
        usable = state is not None and state.needed and state.servers_up and not self._busy
        self._set_enabled(usable)
        if state is not None and state.tool is None:
            self.start_button.setEnabled(False)
            self.start_button.setToolTip("Neither cloudflared nor ngrok is installed (see below)")
        else:
            self.start_button.setToolTip("")

    def _set_enabled(self, enabled: bool) -> None:
        for control in self._controls:
            control.setEnabled(enabled)

    # -- acting -----------------------------------------------------------------------------------
    def _begin(self) -> bool:
        if self._busy:
            return False
        self._busy = True
        self._update_buttons()
        return True

    def _end(self) -> None:
        self._busy = False
        self._update_buttons()

    def use_typed(self) -> None:
        typed = self.url_edit.text()
        if not self._begin():
            return
        self._ops.call(
            lambda: self._address.set_url(typed),
            on_done=self.show_state,
            on_error=self._refused_url,
            on_finally=self._end,
            label="Public address",
        )

    def _refused_url(self, failure: OpFailed) -> None:
        self._show_url_error(failure.text)

    def _show_url_error(self, text: str | None) -> None:
        self.url_error.setText(f"⚠ Public address: {text}" if text else "")
        self.url_error.setVisible(bool(text))
        self.url_edit.setAccessibleDescription(self.url_error.text())

    def start_tunnel(self) -> None:
        if not self._begin():
            return
        tool = self._state.tool if self._state is not None else None
        self.tunnel_line.setText(f"Starting {tool or 'the tunnel'}… (a few seconds)")
        self._ops.call(
            self._address.start_tunnel,
            on_done=self.show_state,
            on_error=lambda failure: self.tunnel_line.setText(f"⚠ {failure.text}"),
            on_finally=self._end,
            label="Start tunnel",
        )

    def stop_tunnel(self) -> None:
        if not self._begin():
            return
        self._ops.call(
            self._address.stop_tunnel,
            on_done=self.show_state,
            on_error=lambda failure: self.tunnel_line.setText(f"⚠ {failure.text}"),
            on_finally=self._end,
            label="Stop tunnel",
        )

    def register(self) -> None:
        if not self._begin():
            return
        self.webhook_line.setText("Registering with Twilio…")
        self._ops.call(
            self._address.register,
            on_done=self.show_state,
            on_error=lambda failure: self.webhook_line.setText(f"⚠ {failure.text}"),
            on_finally=self._end,
            label="Register webhook",
        )
