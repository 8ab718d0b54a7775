"""The organiser's Setup tab: pair stations, see and revoke connected devices, and the SMS side
(Twilio or the simulator, the outgoing queue, the webhook's status).

Devices never enter the change log (their rows hold token hashes), so the device list refreshes
after our own actions, when the tab is shown, on commits while it is shown, and on "Refresh".
Commits arrive in bursts at a busy event: they are coalesced into one refresh.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QItemSelection, Qt, QTimer
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from expresso_desktop.services.organiser import OrganiserServices
from expresso_desktop.ui.common.bridge import ChangeBridge, ChangesCommitted
from expresso_desktop.ui.common.service_host import ServiceHost
from expresso_desktop.ui.common.widgets import plain_label
from expresso_desktop.ui.organiser.devices_model import DevicesTableModel
from expresso_desktop.ui.organiser.pairing_box import PairingBox
from expresso_desktop.ui.organiser.setup_actions import SetupActions

log = logging.getLogger(__name__)

LAN_PREFIX = "lan on "  # ServiceHost's line for the LAN HttpListener: "lan on https://…"
SMS_PREFIXES = ("webhook on ", "SMS ", "Twilio ")
COALESCE_MS = 400
DEVICES_HINT = (
    "Select a device to revoke it. A station that has just paired shows up when you open this "
    "tab or press Refresh."
)


class SetupPanel(QWidget):
    def __init__(
        self,
        services: OrganiserServices,
        host: ServiceHost,
        bridge: ChangeBridge,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setup_actions = SetupActions(services)
        self._stations_dirty = True

        self.pairing = PairingBox(self.setup_actions)

        self.model = DevicesTableModel()
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
        self.refresh_button = QPushButton("Refresh")
        self.devices_message = plain_label(DEVICES_HINT, object_name="subtitle")
        buttons = QHBoxLayout()
        buttons.addWidget(self.revoke_button)
        buttons.addWidget(self.refresh_button)
        buttons.addStretch(1)
        devices_box = QGroupBox("Connected devices")
        devices_layout = QVBoxLayout(devices_box)
        devices_layout.addWidget(self.table, 1)
        devices_layout.addLayout(buttons)
        devices_layout.addWidget(self.devices_message)

        self.sms_mode = plain_label()
        self.sms_queue = plain_label()
        self.sms_status = plain_label("Starting the webhook…", object_name="subtitle")
        sms_box = QGroupBox("SMS")
        sms_layout = QVBoxLayout(sms_box)
        sms_layout.addWidget(self.sms_mode)
        sms_layout.addWidget(self.sms_queue)
        sms_layout.addWidget(self.sms_status)

        right = QVBoxLayout()
        right.addWidget(devices_box, 1)
        right.addWidget(sms_box)
        columns = QHBoxLayout()
        columns.addWidget(self.pairing, 5)
        columns.addLayout(right, 6)
        layout = QVBoxLayout(self)
        layout.addWidget(plain_label("Setup", object_name="title"))
        layout.addLayout(columns, 1)

        self._coalesce = QTimer(self)
        self._coalesce.setSingleShot(True)
        self._coalesce.setInterval(COALESCE_MS)
        self._coalesce.timeout.connect(self.refresh)

        mode = self.setup_actions.sms_mode()  # what the servers are being started with
        self.sms_mode.setText(mode.text)
        self.refresh()
        self.table.selectionModel().selectionChanged.connect(self._on_selection)
        self.revoke_button.clicked.connect(self.revoke_selected)
        self.refresh_button.clicked.connect(self.refresh)
        host.started.connect(self._on_started)
        host.failed.connect(self._on_failed)
        bridge.committed.connect(self._on_committed)

    # -- refreshing -------------------------------------------------------------------------------
    def refresh(self) -> None:
        if self._stations_dirty:
            self._stations_dirty = False
            self.pairing.set_stations(self.setup_actions.stations())
        self.refresh_devices()
        depth = self.setup_actions.queue_depth()
        self.sms_queue.setText(
            "Outgoing texts waiting: none" if depth == 0 else f"Outgoing texts waiting: {depth}"
        )

    def refresh_devices(self) -> None:
        self.model.set_rows(self.setup_actions.devices())
        self.pairing.check_used()
        self._on_selection()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.refresh()

    def _on_committed(self, event: ChangesCommitted) -> None:
        if any(c.entity == "stations" for c in event.changes):
            self._stations_dirty = True
        if self.isVisible() and not self._coalesce.isActive():
            self._coalesce.start()

    def _on_started(self, lines: list[str]) -> None:
        lan = next((line[len(LAN_PREFIX) :] for line in lines if line.startswith(LAN_PREFIX)), None)
        if lan is None:
            self.pairing.set_unavailable("this organiser was started without it")
        else:
            self.pairing.set_lan_url(lan)
        sms = [line for line in lines if line.startswith(SMS_PREFIXES)]
        self.sms_status.setText("\n".join(sms) or "The SMS webhook is not running.")

    def _on_failed(self, message: str) -> None:
        self.pairing.set_unavailable(message)
        self.sms_status.setText(f"The servers did not start: {message}")

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
        revoked = self.setup_actions.revoke(device.id)
        if revoked is None:
            self.devices_message.setText("That device no longer exists.")
        else:
            self.devices_message.setText(
                f"Revoked {revoked.name}: its token no longer works; pair it again to reconnect."
            )
            log.info("device %s revoked from the Setup tab", device.id)
        self.refresh_devices()

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
