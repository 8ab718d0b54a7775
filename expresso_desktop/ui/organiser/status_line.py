"""The organiser's status line, in the window's status bar: the SMS mode (Twilio, the Android
phone or the simulator), whether the gateway's webhooks are registered, stations online N/M,
outgoing texts waiting and alerts listed. Each item is words (with a mark when something is
wrong), never a colour alone; the full text of each is its tooltip.

The SMS mode reads the keyring (``GatewayStatus.mode``) and the queue the database, both off the
GUI thread; with Twilio the webhook state is the public address's registration
(``PublicAddress.webhook``: start-up's, then the Setup screen's ``webhook_changed``), with the
phone the servers' start-up report; stations online from the Live screen's figures."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QWidget

from expresso_desktop.services.dashboard import Dashboard
from expresso_desktop.sms.gateway_status import GatewayStatus, QueueDepth, SmsMode
from expresso_desktop.sms.public_address import PublicAddress, WebhookState
from expresso_desktop.ui.common.bridge import ChangeBridge, ChangesCommitted
from expresso_desktop.ui.common.ops import OpRunner, SerialRead
from expresso_desktop.ui.common.service_host import ServersStarted, ServiceHost
from expresso_desktop.ui.common.widgets import plain_label

MODE_WORDS = {
    "twilio": "SMS: Twilio",
    "android": "SMS: Android phone",
    "simulator": "SMS: Simulator",
    "misconfigured": "SMS: ✕ Not set up",
}


def webhook_state(lines: Iterable[str], mode: str | None) -> str:
    """ "Webhook: ✓ Registered", "Webhook: ✕ NOT registered", "Webhook: not needed" (the
    simulator) from the SMS side's start-up lines (``ServersStarted.sms_lines``)."""
    said = [line for line in lines if "webhooks" in line.lower()]
    if any("NOT set" in line for line in said):
        return "Webhook: ✕ NOT registered"
    if said:
        return "Webhook: ✓ Registered"
    if mode == "simulator":
        return "Webhook: not needed"
    return "Webhook: not registered yet"


class StatusLine(QWidget):
    def __init__(
        self,
        ops: OpRunner,
        gateway: GatewayStatus,
        bridge: ChangeBridge,
        host: ServiceHost,
        address: PublicAddress,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("statusLine")
        self._ops, self._gateway, self._address = ops, gateway, address
        self._sms_lines: tuple[str, ...] = ()
        self.mode = plain_label("SMS: …")
        self.webhook = plain_label("Webhook: starting…")
        self.stations = plain_label("Stations online …")
        self.waiting = plain_label("Texts waiting: …")
        self.alerts = plain_label("Alerts: none")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 8, 0)
        layout.setSpacing(16)
        for label in self.labels:
            label.setWordWrap(False)
            label.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Preferred)
            layout.addWidget(label)
        layout.addStretch(1)  # packed to the left; the alerts line sits at the right
        self._queue: SerialRead[int, QueueDepth] = SerialRead(
            ops, lambda _keys: gateway.queue_depth(), self._show_queue, label="Reading the queue"
        )
        bridge.committed.connect(self._on_committed)
        host.on_started(self._on_started)
        self._read_mode()
        self._queue.want(None)

    @property
    def labels(self) -> tuple[QLabel, ...]:
        return (self.mode, self.webhook, self.stations, self.waiting, self.alerts)

    @property
    def text(self) -> str:
        return "  ·  ".join(label.text() for label in self.labels)

    def show_dashboard(self, board: Dashboard) -> None:
        text = board.online_text(datetime.now(UTC))
        self.stations.setText(text if board.stations else "Stations: none yet")
        self.stations.setToolTip(f"{board.paired} of {len(board.stations)} stations paired")

    def show_alerts(self, count: int) -> None:
        self.alerts.setText(f"⚠ Alerts: {count}" if count else "Alerts: none")

    def _on_committed(self, event: ChangesCommitted) -> None:
        if event.messages_touched:
            self._queue.want(None)

    def _show_queue(self, _keys: frozenset[int] | None, depth: QueueDepth) -> None:
        self.waiting.setText(f"Texts waiting: {depth.waiting or 'none'}")
        self.waiting.setToolTip(depth.text)

    def _on_started(self, started: ServersStarted) -> None:
        self._sms_lines = started.sms_lines
        self._read_mode()

    def _read_mode(self) -> None:
        self._ops.query(self._gateway.mode, on_done=self._show_mode, label="Reading the SMS mode")

    def _show_mode(self, mode: SmsMode) -> None:
        self.mode.setText(MODE_WORDS.get(mode.kind, f"SMS: {mode.kind}"))
        self.mode.setToolTip(mode.text)
        if mode.kind == "twilio" and self._sms_lines:  # started: the registration says
            self._ops.call(self._address.webhook, on_done=self.show_webhook, label="Webhook")
            return
        self.webhook.setText(webhook_state(self._sms_lines, mode.kind))
        self.webhook.setToolTip("\n".join(self._sms_lines) or "The servers are starting")

    def show_webhook(self, state: WebhookState) -> None:
        """Twilio's webhook as last registered (at start, or from the Setup screen)."""
        self.webhook.setText(state.status)
        self.webhook.setToolTip(state.text)
