"""The organiser's Setup screen: pair stations, see and revoke connected devices, the SMS side
(Twilio, the Android phone or the simulator, the outgoing queue, the webhook's status), where
"SMS gateway…" opens the form that chooses the gateway and stores its settings, and the public
address Twilio calls (typed or a tunnel's) with "Register webhook" (``PublicAddressBox``).

Every read and write goes through the op runner. Commits re-read only what they touched: the
stations when ``station_ids``, the outgoing queue and the sponsor line's figures when
``messages_touched`` (the latter also when the sponsor setting changes), the devices when the
change set names the ``devices`` table (paired, revoked, or seen by the LAN server: its
last-seen stamps go through the single writer, at most once per device per 30 s). Devices are
never in the change log (their rows hold token hashes), so that is the writer's "touched"
mark; ``expresso devices`` in another process is not on this bus, so the list is also read
again when the screen is shown. Device reads are coalesced, so a burst is one read.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QItemSelection, Qt, QTimer, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from expresso_desktop.services import pairing
from expresso_desktop.services.pairing import DeviceRow, PairingReads, Revoked, StationChoice
from expresso_desktop.services.writer import Writer
from expresso_desktop.sms.customers import SPONSOR_SETTING
from expresso_desktop.sms.gateway_setup import KIND_LABELS, GatewaySetup
from expresso_desktop.sms.gateway_status import (
    GatewayStatus,
    PhoneStatus,
    QueueDepth,
    SmsMode,
    SponsorLine,
)
from expresso_desktop.sms.public_address import PublicAddress, WebhookState
from expresso_desktop.ui.common.bridge import ChangeBridge, ChangesCommitted
from expresso_desktop.ui.common.ops import OpFailed, OpRunner
from expresso_desktop.ui.common.service_host import ServersStarted, ServiceFailure, ServiceHost
from expresso_desktop.ui.common.widgets import plain_label
from expresso_desktop.ui.organiser.devices_model import DevicesTableModel
from expresso_desktop.ui.organiser.gateway_box import GatewayDialog, GatewaySaved
from expresso_desktop.ui.organiser.pairing_box import INITIATOR, PairingBox
from expresso_desktop.ui.organiser.public_address_box import PublicAddressBox

log = logging.getLogger(__name__)

COALESCE_MS = 400
SCROLL_STYLE = (
    "QScrollArea#setupScroll, QWidget#setupContent { background: transparent; border: none; }"
)
DEVICES_HINT = (
    "Select a device to revoke it. A station shows up as soon as it pairs; last seen follows "
    "its sync (within half a minute)."
)


class SetupPanel(QWidget):
    """Signals:
    webhook_changed(WebhookState) — Twilio's webhook registration changed (the status bar)
    """

    webhook_changed = Signal(WebhookState)

    def __init__(
        self,
        *,
        ops: OpRunner,
        writer: Writer,
        reads: PairingReads,
        gateway: GatewayStatus,
        host: ServiceHost,
        bridge: ChangeBridge,
        address: PublicAddress,
        gateway_setup: GatewaySetup | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._ops, self._writer, self._reads, self._gateway = ops, writer, reads, gateway
        # Stateless (the keyring and the environment): a default needs nothing from the root.
        self._gateway_setup = gateway_setup or GatewaySetup()
        self.gateway_dialog: GatewayDialog | None = None
        self._ca_url: str | None = None  # the phone's CA download, once the LAN API runs
        self._running_mode = "reading…"

        self.pairing = PairingBox(ops, writer, reads)

        self.model = DevicesTableModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.revoke_button = QPushButton("Revoke…")
        self.revoke_button.setEnabled(False)
        self.devices_message = plain_label(DEVICES_HINT, object_name="subtitle")
        buttons = QHBoxLayout()
        buttons.addWidget(self.revoke_button)
        buttons.addStretch(1)
        devices_box = QGroupBox("Connected devices")
        devices_layout = QVBoxLayout(devices_box)
        devices_layout.addWidget(self.table, 1)
        devices_layout.addLayout(buttons)
        devices_layout.addWidget(self.devices_message)

        self.sms_mode = plain_label()
        self.sms_queue = plain_label()
        self.sms_sponsor = plain_label()  # how often the sponsor line rode along or was dropped
        self.sms_phone = plain_label()  # the Android phone's state; hidden for other gateways
        self.sms_phone.setVisible(False)
        self.sms_status = plain_label("Starting the webhook…", object_name="subtitle")
        self.sms_saved = plain_label()  # a gateway saved for the next start
        self.sms_saved.setVisible(False)
        self.gateway_button = QPushButton("SMS gateway…")
        self.gateway_button.setToolTip("Choose Twilio, an Android phone or the simulator")
        mode_row = QHBoxLayout()
        mode_row.addWidget(self.sms_mode, 1)
        mode_row.addWidget(self.gateway_button)
        sms_box = QGroupBox("SMS")
        sms_layout = QVBoxLayout(sms_box)
        sms_layout.addLayout(mode_row)
        sms_layout.addWidget(self.sms_saved)
        sms_layout.addWidget(self.sms_queue)
        sms_layout.addWidget(self.sms_sponsor)
        sms_layout.addWidget(self.sms_phone)
        sms_layout.addWidget(self.sms_status)

        self.public_address = PublicAddressBox(ops, address, host)
        self.public_address.webhook_changed.connect(self.webhook_changed)

        # Pairing and the public address (each as tall as it needs) on the left; the device
        # list takes the height the SMS box leaves on the right.
        left = QVBoxLayout()
        left.addWidget(self.pairing, 1)
        left.addWidget(self.public_address)
        right = QVBoxLayout()
        right.addWidget(devices_box, 1)
        right.addWidget(sms_box)
        content = QWidget()
        content.setObjectName("setupContent")
        columns = QHBoxLayout(content)
        columns.setContentsMargins(0, 0, 0, 0)
        columns.addLayout(left, 5)
        columns.addLayout(right, 6)
        # A pairing code's QR beside a long webhook result can be taller than a small screen:
        # the screen scrolls then, the window never grows past it.
        scroll = QScrollArea()
        scroll.setObjectName("setupScroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setStyleSheet(SCROLL_STYLE)
        scroll.setWidget(content)
        layout = QVBoxLayout(self)
        layout.addWidget(plain_label("Setup", object_name="title"))
        layout.addWidget(scroll, 1)

        self._coalesce = QTimer(self)  # device refreshes, coalesced
        self._coalesce.setSingleShot(True)
        self._coalesce.setInterval(COALESCE_MS)
        self._coalesce.timeout.connect(self.refresh_devices)
        self._devices_busy = False

        self.table.selectionModel().selectionChanged.connect(self._on_selection)
        self.revoke_button.clicked.connect(self.revoke_selected)
        self.gateway_button.clicked.connect(self.open_gateway)
        host.on_started(self._on_started)
        host.failed.connect(self._on_failed)
        bridge.committed.connect(self._on_committed)
        ops.query(gateway.mode, on_done=self._show_mode, label="SMS mode")
        self.refresh_stations()
        self.refresh_queue()
        self.refresh_sponsor()
        self.refresh_devices()

    # -- reading ----------------------------------------------------------------------------------
    def refresh_stations(self) -> None:
        self._ops.query(self._reads.stations, on_done=self._show_stations, label="Stations")

    def refresh_queue(self) -> None:
        self._ops.query(self._gateway.queue_depth, on_done=self._show_queue, label="SMS queue")

    def refresh_sponsor(self) -> None:
        self._ops.query(self._gateway.sponsor, on_done=self._show_sponsor, label="Sponsor line")

    def schedule_devices(self) -> None:
        if not self._coalesce.isActive():
            self._coalesce.start()

    def refresh_devices(self) -> None:
        if self._devices_busy:  # one read at a time; ask again once it is back
            self.schedule_devices()
            return
        self._devices_busy = True
        self._ops.query(
            self._reads.devices,
            on_done=self._show_devices,
            on_finally=self._devices_done,
            label="Devices",
        )

    def _devices_done(self) -> None:
        self._devices_busy = False

    def _show_mode(self, mode: SmsMode) -> None:
        # Read as the servers start: what they run with until Expresso restarts.
        self._running_mode = mode.text
        if self.gateway_dialog is not None:
            self.gateway_dialog.box.set_running(mode.text)
        self.sms_mode.setText(mode.text)
        self.sms_phone.setVisible(mode.kind == "android")
        if mode.kind == "android":
            self.refresh_phone()

    def refresh_phone(self) -> None:
        self._ops.query(self._gateway.phone, on_done=self._show_phone, label="SMS phone")

    def _show_phone(self, phone: PhoneStatus) -> None:
        self.sms_phone.setText(phone.text)

    def _show_stations(self, stations: list[StationChoice]) -> None:
        self.pairing.set_stations(stations)

    def _show_queue(self, depth: QueueDepth) -> None:
        self.sms_queue.setText(depth.text)

    def _show_sponsor(self, sponsor: SponsorLine) -> None:
        self.sms_sponsor.setText(sponsor.text)

    def _show_devices(self, rows: list[DeviceRow]) -> None:
        self.model.set_rows(rows)
        self.pairing.check_used()
        self._on_selection()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.schedule_devices()

    def _on_committed(self, event: ChangesCommitted) -> None:
        if event.by(INITIATOR):
            return  # our own action: its op already updated the tab
        if event.station_ids:
            self.refresh_stations()
        if event.devices_touched:  # paired, revoked, or seen by the LAN server
            self.schedule_devices()
        if event.messages_touched or SPONSOR_SETTING in event.ids_of("settings"):
            # A text in is a conversation turn: it may have carried (or dropped) the sponsor line.
            self.refresh_sponsor()
        if event.messages_touched:
            self.refresh_queue()
            if self.sms_phone.isVisibleTo(self):
                self.refresh_phone()

    def _on_started(self, started: ServersStarted) -> None:
        if started.lan_url is None or started.fingerprint is None:
            self.pairing.set_unavailable("this organiser was started without it")
        else:
            self.pairing.set_lan(started.lan_url, started.fingerprint)
        # The public URL and Twilio's webhooks as they were at start are shown, and kept
        # current, by the Public address section: not repeated here.
        lines = [line for line in started.sms_lines if not _about_public_address(line)]
        self.sms_status.setText("\n".join(lines) or "The SMS webhook is not running.")
        self._ca_url = started.ca_url
        if self.gateway_dialog is not None:
            self.gateway_dialog.box.set_ca_url(self._ca_url)

    def _on_failed(self, failure: ServiceFailure) -> None:
        self.pairing.set_unavailable(failure.text)
        self.sms_status.setText(f"The servers did not start: {failure.text}")

    # -- the gateway ------------------------------------------------------------------------------
    def open_gateway(self) -> None:
        """The gateway form (one window, reused; it reads the stored settings again)."""
        if self.gateway_dialog is None:
            self.gateway_dialog = GatewayDialog(self._ops, self._gateway_setup, self)
            self.gateway_dialog.box.saved.connect(self._gateway_saved)
        else:
            self.gateway_dialog.box.reload()
        self.gateway_dialog.box.set_running(self._running_mode)
        self.gateway_dialog.box.set_ca_url(self._ca_url)
        self.gateway_dialog.open()

    def _gateway_saved(self, saved: GatewaySaved) -> None:
        self.sms_saved.setText(
            f"⟳ Saved for the next start: {KIND_LABELS.get(saved.kind, saved.kind)}. "
            "Restart Expresso to switch the SMS servers to it."
        )
        self.sms_saved.setVisible(True)

    # -- revoking ---------------------------------------------------------------------------------
    def _selected_row(self) -> int | None:
        rows = self.table.selectionModel().selectedRows()
        return rows[0].row() if rows else None

    def _on_selection(
        self, _selected: QItemSelection | None = None, _deselected: QItemSelection | None = None
    ) -> None:
        at = self._selected_row()
        self.revoke_button.setEnabled(at is not None and self.model.row_at(at).active)

    def revoke_selected(self) -> None:
        at = self._selected_row()
        if at is None:
            return
        device = self.model.row_at(at)
        if not device.active or not self._confirm_revoke(device.name):
            return
        self.revoke_button.setEnabled(False)
        self._ops.write(
            self._writer,
            lambda tx: pairing.revoke(tx, device.id),
            initiator=INITIATOR,
            on_done=self._revoked,
            on_error=self._revoke_refused,
            label="Revoke device",
        )

    def _revoked(self, revoked: Revoked) -> None:
        if revoked.device is None:
            self.devices_message.setText("That device no longer exists.")
        else:
            self.model.upsert([revoked.device])
            self.devices_message.setText(
                f"Revoked {revoked.device.name}: its token no longer works; "
                "pair it again to reconnect."
            )
            log.info("device %s revoked from the Setup tab", revoked.device_id)
        self._on_selection()
        self.schedule_devices()

    def _revoke_refused(self, failure: OpFailed) -> None:
        self.devices_message.setText(failure.text)
        self._on_selection()

    def _confirm_revoke(self, name: str) -> bool:
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle("Revoke device")
        box.setTextFormat(Qt.TextFormat.PlainText)  # the name was typed on the device
        box.setText(f"Revoke “{name}”?")
        box.setInformativeText(
            "It is disconnected at once and must be paired again with a new code."
        )
        revoke = box.addButton("Revoke", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.exec()
        return box.clickedButton() is revoke


def _about_public_address(line: str) -> bool:
    """A start-up line of the webhook runtime ("no public URL yet") or of Twilio's webhook
    registrar ("Twilio webhooks set: …" / "… NOT set: …")."""
    return "public URL" in line or line.startswith("Twilio webhooks")
