"""The SMS gateway form of the Setup tab: Twilio, an Android phone on the LAN, or the simulator,
with the chosen one's settings; "Test connection" asks the phone; Save stores the settings in
the OS keyring (``sms.gateway_setup``, the same storage as ``expresso twilio|gateway``).

Reads, saves and the phone check go through the op runner. The running servers keep the gateway
they started with: after saving, the form says that Expresso must be restarted to switch.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QPixmap, QShowEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from expresso_desktop.services.pairing import qr_png
from expresso_desktop.sms.gateway_setup import (
    FIELD_LABELS,
    KIND_LABELS,
    KINDS,
    GatewayKind,
    GatewaySettings,
    GatewaySetup,
    PhoneCheck,
    PhoneForm,
    SaveResult,
    StoredSettings,
    TwilioForm,
)
from expresso_desktop.ui.common.ops import OpFailed, OpRunner
from expresso_desktop.ui.common.widgets import plain_label

log = logging.getLogger(__name__)

# Errors also carry a "⚠" and the field's name: never colour alone.
ERROR_STYLE = "color: #9b1c1c; font-weight: 600;"
RESTART_TEXT = (
    "Expresso's SMS servers keep running with the gateway they started with; they switch to "
    "this one when you restart Expresso."
)
KEEP_SECRET = "stored — leave blank to keep it"
# (field, placeholder, secret) per gateway, in the order the form shows them.
TWILIO_FIELDS = (
    ("account_sid", "AC… (Twilio console, Account info)", False),
    ("number", "+61400000000 (the event's Twilio number)", False),
    ("auth_token", "checks Twilio's webhook signatures", True),
    ("api_key", "SK… (optional: send with an API key)", False),
    ("api_secret", "the API key's secret", True),
)
PHONE_FIELDS = (
    ("url", "http://192.168.1.20:8080 (the app's Local Server)", False),
    ("user", "the username the app's Home tab shows", False),
    ("password", "the password the app's Home tab shows", True),
    ("number", "+61400000000 (optional: the phone's own number)", False),
    ("webhook_url", "https://… (optional: where the phone calls us)", False),
)
PHONE_LABELS = {"number": "Phone's number"}


@dataclass(frozen=True, slots=True)
class GatewaySaved:
    """A gateway and its settings were stored; they take effect when Expresso restarts."""

    kind: str
    message: str


def _page(*parts: QWidget | QLayout | str) -> QWidget:
    """One gateway's page: ``parts`` top to bottom (a string is a note in plain text)."""
    page = QWidget()
    layout = QVBoxLayout(page)
    layout.setContentsMargins(0, 0, 0, 0)
    for part in parts:
        if isinstance(part, str):
            layout.addWidget(plain_label(part, object_name="subtitle"))
        elif isinstance(part, QLayout):
            layout.addLayout(part)
        else:
            layout.addWidget(part)
    layout.addStretch(1)
    return page


class _Fields(QWidget):
    """One gateway's fields, each with its error line under it (hidden while it is right)."""

    def __init__(self, specs: tuple[tuple[str, str, bool], ...], labels: dict[str, str]) -> None:
        super().__init__()
        self.edits: dict[str, QLineEdit] = {}
        self.errors: dict[str, QLabel] = {}
        self.labels = {name: labels.get(name, FIELD_LABELS[name]) for name, _, _ in specs}
        self.secrets = {name for name, _, secret in specs if secret}
        self._placeholders = {name: placeholder for name, placeholder, _ in specs}
        self.form = QFormLayout(self)
        self.form.setContentsMargins(0, 0, 0, 0)
        self.form.setVerticalSpacing(8)
        for name, placeholder, secret in specs:
            edit = QLineEdit()
            edit.setObjectName(name)
            edit.setPlaceholderText(placeholder)
            edit.setAccessibleName(self.labels[name])
            if secret:
                edit.setEchoMode(QLineEdit.EchoMode.Password)
            error = plain_label()
            error.setStyleSheet(ERROR_STYLE)
            error.setVisible(False)
            cell = QVBoxLayout()
            cell.setSpacing(2)
            cell.addWidget(edit)
            cell.addWidget(error)
            self.form.addRow(f"{self.labels[name]}:", cell)
            self.edits[name], self.errors[name] = edit, error
            edit.textEdited.connect(lambda _text, n=name: self.set_error(n, None))

    def fill(self, stored: StoredSettings) -> None:
        for name, edit in self.edits.items():
            if name in self.secrets:
                edit.clear()  # never read back: a blank secret keeps the stored one
                has = name in stored.secrets_set
                edit.setPlaceholderText(KEEP_SECRET if has else self._placeholders[name])
            else:
                edit.setText(stored.value(name))
            env_name = stored.env_names.get(name)
            edit.setToolTip(
                f"Set by {env_name} in the environment, which wins over what you save here."
                if stored.sources.get(name) == "environment"
                else ""
            )

    def values(self) -> dict[str, str]:
        """Every field as typed, by name (the names of ``TwilioForm``/``PhoneForm``)."""
        return {name: edit.text() for name, edit in self.edits.items()}

    def set_error(self, name: str, problem: str | None) -> None:
        error = self.errors[name]
        error.setText(f"⚠ {self.labels[name]}: {problem}" if problem else "")
        error.setVisible(bool(problem))
        self.edits[name].setAccessibleDescription(error.text())

    def show_problems(self, problems: dict[str, str]) -> None:
        for name in self.edits:
            self.set_error(name, problems.get(name))
        first = next((self.edits[n] for n in self.edits if n in problems), None)
        if first is not None:
            first.setFocus()


class GatewayBox(QGroupBox):
    """Signals:
    saved(GatewaySaved) — a gateway was chosen and its settings stored
    """

    saved = Signal(GatewaySaved)

    def __init__(self, ops: OpRunner, setup: GatewaySetup, parent: QWidget | None = None) -> None:
        super().__init__("SMS gateway", parent)
        self._ops, self._setup = ops, setup
        self._settings: GatewaySettings | None = None
        self._busy = False

        self.running = plain_label("", object_name="subtitle")
        self.choice_line = plain_label("Reading the saved choice…")
        self.choices = QButtonGroup(self)
        self.radios: dict[str, QRadioButton] = {}
        self.statuses: dict[str, QLabel] = {}
        choices = QHBoxLayout()  # side by side, each with its state in words under it
        mnemonics = {"twilio": "&Twilio", "android": "&Android phone on the LAN"}
        for index, kind in enumerate(KINDS):
            radio = QRadioButton(mnemonics.get(kind, "Built-in si&mulator"))
            radio.setObjectName(kind)
            status = plain_label("", object_name="subtitle")
            status.setContentsMargins(24, 0, 0, 4)
            status.setAlignment(Qt.AlignmentFlag.AlignTop)
            self.choices.addButton(radio, index)
            self.radios[kind], self.statuses[kind] = radio, status
            column = QVBoxLayout()
            column.setSpacing(2)
            column.addWidget(radio)
            column.addWidget(status, 1)
            choices.addLayout(column, 1)

        self.twilio = _Fields(TWILIO_FIELDS, {})
        self.phone = _Fields(PHONE_FIELDS, PHONE_LABELS)
        self.test_button = QPushButton("Test connection")
        self.test_result = plain_label()
        # Our local CA, so the phone trusts this computer's https:// webhook address.
        self.ca_line = plain_label("", object_name="subtitle")
        self.ca_line.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.ca_qr = QLabel()
        self.ca_line.hide()
        self.ca_qr.hide()
        test_row = QHBoxLayout()
        test_row.addWidget(self.test_button, 0, Qt.AlignmentFlag.AlignTop)
        test_row.addWidget(self.test_result, 1)
        phone_page = _page(
            self.phone,
            "The phone runs “SMS Gateway for Android” with its Local Server on, on the same "
            "network as this computer. Leave the webhook URL empty: the phone is told to call "
            "this computer's LAN address over HTTPS once it trusts our certificate (below).",
            self.ca_line,
            self.ca_qr,
            test_row,
        )
        twilio_page = _page(
            self.twilio,
            "Secrets go to the OS keyring, never to a file. Sending uses the API key and "
            "secret when both are set, else the auth token.",
        )
        simulator_page = _page(
            "No texts leave this computer: customers' texts come from the Phone simulator "
            "tab or `expresso sms-sim`. Twilio and phone settings already saved are kept."
        )
        # One page shown at a time; the others hidden, so the window is as tall as the page
        # shown (a stacked widget is as tall as its tallest page).
        self.pages = QWidget()
        pages_layout = QVBoxLayout(self.pages)
        pages_layout.setContentsMargins(0, 0, 0, 0)
        self._page_of = {"twilio": twilio_page, "android": phone_page, "simulator": simulator_page}
        for page in self._page_of.values():
            pages_layout.addWidget(page)
            page.hide()
        self.current_page: QWidget = twilio_page

        self.save_button = QPushButton("Save")
        self.save_button.setEnabled(False)
        self.result = plain_label()
        save_row = QHBoxLayout()
        save_row.addWidget(self.save_button, 0, Qt.AlignmentFlag.AlignTop)
        save_row.addWidget(self.result, 1)

        layout = QVBoxLayout(self)
        layout.addWidget(self.running)
        layout.addWidget(self.choice_line)
        layout.addLayout(choices)
        layout.addWidget(self.pages, 1)
        layout.addLayout(save_row)

        self.choices.idToggled.connect(self._on_choice)
        self.test_button.clicked.connect(self.test_connection)
        self.save_button.clicked.connect(self.save)
        self.reload()

    # -- reading ----------------------------------------------------------------------------------
    def set_ca_url(self, url: str | None) -> None:
        """Where the phone downloads our CA certificate (the LAN listener's ``/ca.crt``): a line
        and a QR code to scan with the phone; hidden without one."""
        if not url:
            self.ca_line.hide()
            self.ca_qr.hide()
            return
        self.ca_line.setText(
            f"On the phone, open {url} (scan the code; accept the browser's warning once), "
            "then Settings → Security → Encryption & credentials → Install a certificate → "
            "CA certificate, and pick expresso-ca.crt."
        )
        pixmap = QPixmap()
        pixmap.loadFromData(qr_png(url), "PNG")
        self.ca_qr.setPixmap(pixmap)
        self.ca_line.show()
        self.ca_qr.show()

    def reload(self) -> None:
        self._ops.query(
            self._setup.read,
            on_done=self._show_settings,
            on_error=self._show_failure,
            label="SMS gateway",
        )

    def set_running(self, text: str) -> None:
        """What the running servers use (the SMS mode they started with)."""
        self.running.setText(f"Running now: {text}")

    def _show_settings(self, settings: GatewaySettings) -> None:
        self._settings = settings
        self.twilio.fill(settings.twilio)
        self.phone.fill(settings.android)
        for kind in KINDS:
            self.statuses[kind].setText(settings.status(kind))
        if settings.choice_problem:
            line = f"Chosen: ⚠ {settings.choice_problem}"
        elif settings.chosen is None:
            line = "Chosen: automatic (Twilio if it is set up, else the simulator)"
        else:
            where = f" (from the {settings.chosen_source})" if settings.chosen_source else ""
            line = f"Chosen: {KIND_LABELS[settings.chosen]}{where}"
        self.choice_line.setText(line)
        self.select(settings.effective)
        self.save_button.setEnabled(not self._busy)

    def select(self, kind: str) -> None:
        self.radios[kind].setChecked(True)
        self._show_page(kind)

    @property
    def kind(self) -> GatewayKind:
        return KINDS[max(0, self.choices.checkedId())]

    def _on_choice(self, index: int, checked: bool) -> None:
        if checked:
            self._show_page(KINDS[index])

    def _show_page(self, kind: str) -> None:
        shown = self._page_of[kind]
        for page in self._page_of.values():
            page.setVisible(page is shown)
        self.current_page = shown

    # -- acting -----------------------------------------------------------------------------------
    def twilio_form(self) -> TwilioForm:
        return TwilioForm(**self.twilio.values())

    def phone_form(self) -> PhoneForm:
        return PhoneForm(**self.phone.values())

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.save_button.setEnabled(not busy and self._settings is not None)
        self.test_button.setEnabled(not busy)

    def save(self) -> None:
        if self._busy:
            return
        kind = self.kind
        twilio = self.twilio_form() if kind == "twilio" else None
        phone = self.phone_form() if kind == "android" else None
        self._set_busy(True)
        self.result.setText("Saving…")
        self._ops.query(
            lambda: self._setup.save(kind, twilio=twilio, phone=phone),
            on_done=self._saved,
            on_error=self._show_failure,
            on_finally=lambda: self._set_busy(False),
            label="Save SMS gateway",
        )

    def _saved(self, result: SaveResult) -> None:
        fields = {"twilio": self.twilio, "android": self.phone}.get(result.kind)
        if fields is not None:
            fields.show_problems(dict(result.problems))
        if not result.saved:
            self.result.setText(f"⚠ {result.message}")
            return
        self.result.setText("\n".join([f"✓ {result.message}", *result.notes, RESTART_TEXT]))
        if result.settings is not None:
            self._show_settings(result.settings)
        log.info("SMS gateway saved from the Setup tab: %s", result.kind)
        self.saved.emit(GatewaySaved(result.kind, result.message))

    def _show_failure(self, failure: OpFailed) -> None:
        self.result.setText(f"⚠ {failure.text}")

    def test_connection(self) -> None:
        if self._busy:
            return
        form = self.phone_form()
        self._set_busy(True)
        self.test_result.setText("Asking the phone…")
        self._ops.call(
            lambda: self._setup.check_phone(form),
            on_done=self._show_check,
            on_error=lambda failure: self.test_result.setText(f"⚠ {failure.text}"),
            on_finally=lambda: self._set_busy(False),
            label="Test the phone",
        )

    def _show_check(self, check: PhoneCheck) -> None:
        self.phone.show_problems(dict(check.problems))
        self.test_result.setText(check.text)


class GatewayDialog(QDialog):
    """The gateway form in its own window, opened from the Setup tab's SMS box."""

    def __init__(self, ops: OpRunner, setup: GatewaySetup, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("SMS gateway")
        self._fitter = QTimer(self)
        self._fitter.setSingleShot(True)
        self._fitter.setInterval(0)
        self._fitter.timeout.connect(self.fit)
        self.setMinimumWidth(760)
        self.box = GatewayBox(ops, setup)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        self._layout = QVBoxLayout(self)
        self._layout.addWidget(self.box, 1)
        self._layout.addWidget(buttons)

    # Wrapped labels need more height at this width than a window's minimum assumes, and the
    # pages differ: fit the height whenever the content is laid out again.
    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.LayoutRequest:
            self.fit_later()
        return super().event(event)

    def fit_later(self) -> None:
        self._fitter.start()  # one fit per burst of layout requests

    def fit(self) -> None:
        layout = self._layout
        width = self.width()
        need = (
            layout.totalHeightForWidth(width)
            if layout.hasHeightForWidth()
            else layout.totalSizeHint().height()
        )
        screen = self.screen()
        if screen is not None:  # a huge font scale: the window manager's problem, not a crash
            need = min(need, screen.availableGeometry().height())
        self.setMinimumHeight(need)
        if need != self.height():  # grow for a longer page, shrink back for a shorter one
            self.resize(width, need)
        if screen is not None:  # grown past the bottom of the screen: move up into view
            room, frame = screen.availableGeometry(), self.frameGeometry()
            if frame.bottom() > room.bottom():
                self.move(frame.x(), max(room.top(), room.bottom() - frame.height()))

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.fit_later()
