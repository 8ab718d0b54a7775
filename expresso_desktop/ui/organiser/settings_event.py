"""Settings › Event & branding: the event's name, its two colours, its logo (a picture chosen
with a file dialog, copied into the data folder and shown) and its time zone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
)

from expresso_desktop.services.event_admin import EventAdmin, SettingsPage, time_zones
from expresso_desktop.services.writer import Writer
from expresso_desktop.ui.common.ops import OpFailed, OpRunner
from expresso_desktop.ui.common.widgets import plain_label
from expresso_desktop.ui.organiser.settings_widgets import (
    ColourField,
    SectionPage,
    connect_dirty,
    error_line,
    narrow,
    show_error,
    stacked,
)

LOGO_SIZE = 120
NO_LOGO = "No logo yet — choose a PNG, JPEG or GIF (up to 2 MB)."


class EventSection(SectionPage):
    def __init__(self, ops: OpRunner, writer: Writer, admin: EventAdmin) -> None:
        super().__init__(
            "Event & branding",
            "The event's name is in customers' texts ({event}); the colours and logo brand the "
            "stations' screens and the ready board.",
            ops,
            writer,
        )
        self._admin = admin
        self._logo_path: str | None = None
        self.name = QLineEdit()
        self.name.setAccessibleName("Event name")
        self.name.setMaxLength(80)
        self.name_error = error_line()
        self.primary = ColourField("primary")
        self.accent = ColourField("accent")
        self.logo = QLabel()
        self.logo.setObjectName("logoPreview")
        self.logo.setFixedSize(LOGO_SIZE, LOGO_SIZE)
        self.logo.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.logo.setAccessibleName("Logo preview")
        self.logo_note = plain_label(NO_LOGO, object_name="subtitle")
        self.choose_logo = QPushButton("Choose logo…")
        self.remove_logo = QPushButton("Remove logo")
        self.remove_logo.setObjectName("secondary")
        self.logo_error = error_line()
        self.file_dialog: QFileDialog | None = None
        self.zone = QComboBox()
        self.zone.setEditable(True)
        self.zone.addItems(time_zones())
        self.zone.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        completer = QCompleter(time_zones(), self.zone)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.zone.setCompleter(completer)
        self.zone.setAccessibleName("Time zone")
        narrow(self.zone, 360)
        self.zone_error = error_line()
        self.errors = {
            "name": self.name_error,
            "primary_colour": self.primary.error,
            "accent_colour": self.accent.error,
            "logo_path": self.logo_error,
            "timezone": self.zone_error,
        }
        self._build()
        connect_dirty(
            self.edited,
            self.name.textEdited,
            self.primary.changed,
            self.accent.changed,
            self.zone.currentTextChanged,
        )
        self.choose_logo.clicked.connect(self.open_logo_dialog)
        self.remove_logo.clicked.connect(self._remove_logo)

    def _build(self) -> None:
        form = QFormLayout()
        form.setVerticalSpacing(10)
        form.addRow("Event name:", stacked(self.name, self.name_error))
        form.addRow("Primary colour:", self.primary)
        form.addRow("Accent colour:", self.accent)
        actions = QHBoxLayout()
        actions.addWidget(self.choose_logo)
        actions.addWidget(self.remove_logo)
        actions.addStretch(1)
        buttons = QVBoxLayout()
        buttons.addWidget(self.logo_note)
        buttons.addLayout(actions)
        buttons.addStretch(1)
        logo_row = QHBoxLayout()
        logo_row.addWidget(self.logo)
        logo_row.addLayout(buttons, 1)
        logo = QVBoxLayout()
        logo.addLayout(logo_row)
        logo.addWidget(self.logo_error)
        form.addRow("Logo:", logo)
        form.addRow(
            "Time zone:",
            stacked(self.zone, self.zone_error, hint="Opening hours and shifts are in this zone."),
        )
        self.body.addLayout(form)
        self.finish()

    # -- the page ------------------------------------------------------------------------------
    def fill(self, page: SettingsPage) -> None:
        event = page.event
        self.name.setText(event.name)
        self.primary.set_text(event.primary_colour)
        self.accent.set_text(event.accent_colour)
        self.zone.setCurrentText(event.timezone)
        self._show_logo(event.logo_path)

    def changes(self) -> dict[str, Any]:
        return {
            "name": self.name.text(),
            "primary_colour": self.primary.text(),
            "accent_colour": self.accent.text(),
            "logo_path": self._logo_path,
            "timezone": self.zone.currentText().strip(),
        }

    def save(self) -> None:
        changes = self.changes()
        self.submit(lambda tx: self._admin.save_event(tx, changes), "Save the event")

    # -- the logo ------------------------------------------------------------------------------
    def open_logo_dialog(self) -> None:
        """The file dialog, not modal: ``file_dialog`` while it is open."""
        dialog = QFileDialog(self, "Choose the event's logo")
        dialog.setNameFilter("Images (*.png *.jpg *.jpeg *.gif)")
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog)
        dialog.fileSelected.connect(self.use_logo_file)
        self.file_dialog = dialog
        dialog.open()

    def use_logo_file(self, path: str) -> None:
        show_error(self.logo_error, None)
        self.logo_note.setText("Copying the logo into the event's folder…")
        self.ops.query(
            lambda: self._admin.import_logo(Path(path)),
            on_done=self._logo_copied,
            on_error=self._logo_refused,
            label="Copy the logo",
        )

    def _logo_copied(self, stored: str) -> None:
        self._show_logo(stored)
        self.edited()
        self.say("Logo copied — Save to use it", ok=True)

    def _logo_refused(self, failure: OpFailed) -> None:
        show_error(self.logo_error, failure.message)
        self._show_logo(self._logo_path)

    def _remove_logo(self) -> None:
        self._show_logo(None)
        self.edited()

    def _show_logo(self, logo_path: str | None) -> None:
        self._logo_path = logo_path
        self.remove_logo.setEnabled(logo_path is not None)
        if logo_path is None:
            self.logo.clear()
            self.logo.setText("No logo")
            self.logo_note.setText(NO_LOGO)
            return
        self.ops.query(
            lambda: self._admin.read_logo(logo_path),
            on_done=lambda data: self._paint_logo(logo_path, data),
            label="Read the logo",
        )

    def _paint_logo(self, logo_path: str, data: bytes | None) -> None:
        if logo_path != self._logo_path:
            return  # another logo was chosen meanwhile
        pixmap = QPixmap()
        if data is None or not pixmap.loadFromData(data):
            self.logo.setText("⚠ Missing")
            self.logo_note.setText(f"The logo file {logo_path} cannot be read; choose it again.")
            return
        size = LOGO_SIZE - 8
        self.logo.setPixmap(
            pixmap.scaled(
                size,
                size,
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
        )
        self.logo_note.setText(f"Stored in the event's folder as {logo_path}.")
