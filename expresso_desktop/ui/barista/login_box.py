"""Who is on the bar: tap your name, type your PIN on big digit buttons (or the keyboard).

The composition root checks the PIN (``sync/first_run.log_in_here``: the organiser online, this
station's own verifier offline) and answers with ``logged_in`` or ``refused``. ``BaristaBadge``
holds "Change barista" and "Log out" for the status bar (the window says who is logged in).
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QGridLayout,
    QHBoxLayout,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from expresso_desktop.core.staff import PIN_MAX, PIN_MIN
from expresso_desktop.sync.barista import Barista
from expresso_desktop.sync.first_run import StaffChoice, StaffList
from expresso_desktop.ui.common.widgets import plain_label

TOUCH_PX = 56
DIGIT_PX = 68  # the PIN pad's keys: thumbs, not fingertips (theme.qss: min-height + padding)
STAFF_COLUMNS = 3


@dataclass(frozen=True, slots=True)
class LoginRequest:
    """Someone typed a PIN: check it and make them the barista."""

    person: StaffChoice
    pin: str


class LoginBox(QWidget):
    """The PIN page.

    Signals:
        login_requested(LoginRequest) — a PIN was entered for the person picked
    """

    login_requested = Signal(LoginRequest)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("loginBox")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # digits typed on a keyboard or bump bar
        self._people: dict[int, StaffChoice] = {}
        self._pin = ""
        self._busy = False

        self.title = plain_label("Who is on the bar?", object_name="title")
        self.station_label = plain_label(object_name="subtitle")
        self.back_button = QPushButton("Back to the queue")
        self.back_button.setObjectName("secondary")
        self.back_button.setMinimumHeight(TOUCH_PX)
        top = QHBoxLayout()
        titles = QVBoxLayout()
        titles.addWidget(self.title)
        titles.addWidget(self.station_label)
        top.addLayout(titles, 1)
        top.addWidget(self.back_button, 0, Qt.AlignmentFlag.AlignTop)

        self.staff_note = plain_label(object_name="subtitle")
        self.staff_group = QButtonGroup(self)
        self.staff_group.setExclusive(True)
        self.staff_area = QWidget()
        self.staff_grid = QGridLayout(self.staff_area)
        self.staff_grid.setContentsMargins(0, 0, 0, 0)
        self.staff_grid.setSpacing(10)
        scroll = QScrollArea()
        scroll.setObjectName("staffList")
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(self.staff_area)
        staff_column = QVBoxLayout()
        staff_column.addWidget(plain_label("1. Tap your name", object_name="section"))
        staff_column.addWidget(scroll, 1)
        staff_column.addWidget(self.staff_note)

        self.who_label = plain_label("2. Your PIN", object_name="section")
        self.dots = plain_label(object_name="pinDots")
        self.dots.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.dots.setAccessibleName("PIN typed so far")
        self.digit_buttons: dict[str, QPushButton] = {}
        self.clear_button = self.backspace_button = QPushButton()
        pad = QGridLayout()
        pad.setSpacing(10)
        keys = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "Clear", "0", "⌫"]
        for index, key in enumerate(keys):
            button = QPushButton(key)
            button.setObjectName("pinKey" if key.isdigit() else "pinEdit")
            button.setMinimumSize(DIGIT_PX + 36, DIGIT_PX)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # typing keeps going to the page
            if key.isdigit():
                button.clicked.connect(lambda _=False, k=key: self.press(k))
                self.digit_buttons[key] = button
            elif key == "Clear":
                button.clicked.connect(self.clear_pin)
                self.clear_button = button
            else:
                button.setAccessibleName("Delete the last digit")
                button.clicked.connect(self.backspace)
                self.backspace_button = button
            pad.addWidget(button, index // 3, index % 3)
        self.login_button = QPushButton("Log in")
        self.login_button.setObjectName("pinSubmit")
        self.login_button.setMinimumHeight(DIGIT_PX)
        self.login_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.message = plain_label(object_name="fieldError")
        pin_column = QVBoxLayout()
        pin_column.setContentsMargins(16, 12, 16, 12)
        pin_column.addWidget(self.who_label)
        pin_column.addWidget(self.dots)
        pin_column.addWidget(self.message)  # beside what was typed: why it was refused
        pin_column.addLayout(pad)
        pin_column.addWidget(self.login_button)
        pin_column.addStretch(1)
        pin_panel = QWidget()
        pin_panel.setObjectName("pinPanel")
        pin_panel.setLayout(pin_column)
        pin_panel.setMaximumWidth(440)

        body = QHBoxLayout()
        body.setSpacing(32)
        body.addLayout(staff_column, 1)
        body.addWidget(pin_panel)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(48, 24, 48, 24)
        layout.addLayout(top)
        layout.addSpacing(16)
        layout.addLayout(body, 1)

        self.staff_group.idClicked.connect(self._picked)
        self.login_button.clicked.connect(self.submit)
        self.show_staff(StaffList((), False, None))

    # -- who -----------------------------------------------------------------------------------
    def show_staff(self, staff: StaffList) -> None:
        """The staff list as the replica has it now (re-read when the sync brings it)."""
        picked = self.picked()
        for button in self.staff_group.buttons():
            self.staff_group.removeButton(button)
            self.staff_grid.removeWidget(button)
            button.deleteLater()
        self._people = {p.id: p for p in staff.people}
        for index, person in enumerate(staff.people):
            button = QPushButton(person.name)
            button.setObjectName("staffButton")
            button.setCheckable(True)
            button.setMinimumHeight(TOUCH_PX + 8)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.setToolTip(person.role)
            self.staff_group.addButton(button, person.id)
            self.staff_grid.addWidget(button, index // STAFF_COLUMNS, index % STAFF_COLUMNS)
            if picked is not None and picked.id == person.id:
                button.setChecked(True)
        self.staff_grid.setRowStretch(self.staff_grid.rowCount(), 1)
        if not staff.people and not staff.downloaded:
            note = "Downloading the staff list from the organiser…"
        elif not staff.people:
            note = (
                "Nobody is on this event's staff list yet: the organiser adds people under "
                "Staff. You can work without logging in meanwhile."
            )
        elif staff.barista is not None:
            note = f"{staff.barista.name} is logged in now. Someone else: tap your name."
        else:
            note = "Your taps are recorded as yours until someone else logs in."
        self.staff_note.setText(note)
        self.back_button.setText(
            "Back to the queue" if staff.barista is not None else "Continue without logging in"
        )
        self._show_who()

    def picked(self) -> StaffChoice | None:
        return self._people.get(self.staff_group.checkedId())

    def pick(self, staff_id: int) -> None:
        button = self.staff_group.button(staff_id)
        if button is not None:
            button.setChecked(True)
            self._picked(staff_id)

    def _picked(self, _staff_id: int) -> None:
        self.message.setText("")
        self.clear_pin()
        self._show_who()
        self.setFocus()

    def _show_who(self) -> None:
        person = self.picked()
        self.who_label.setText(f"2. PIN for {person.name}" if person else "2. Your PIN")
        self._update_pad()

    # -- the PIN -------------------------------------------------------------------------------
    def press(self, digit: str) -> None:
        if len(self._pin) < PIN_MAX and not self._busy:
            self._pin += digit
            self.message.setText("")
            self._update_pad()

    def backspace(self) -> None:
        self._pin = self._pin[:-1]
        self._update_pad()

    def clear_pin(self) -> None:
        self._pin = ""
        self._update_pad()

    def _update_pad(self) -> None:
        self.dots.setText(" ".join("●" * len(self._pin)) or "– – – –")
        ready = self.picked() is not None and len(self._pin) >= PIN_MIN and not self._busy
        self.login_button.setEnabled(ready)
        self.login_button.setText("Checking…" if self._busy else "Log in")

    def submit(self) -> None:
        person = self.picked()
        if person is None:
            self.message.setText("✕ Tap your name first.")
            return
        if len(self._pin) < PIN_MIN:
            self.message.setText(f"✕ A PIN has {PIN_MIN} to {PIN_MAX} digits.")
            return
        if self._busy:
            return
        self._busy = True
        pin, self._pin = self._pin, ""
        self._update_pad()
        self.login_requested.emit(LoginRequest(person, pin))

    def refused(self, line: str) -> None:
        """The PIN was not accepted: why, in words (``sync/login.explain``)."""
        self._busy = False
        self.message.setText(f"✕ {line[:1].upper()}{line[1:]}")
        self._update_pad()

    def reset(self) -> None:
        """Ready for the next person: nobody picked, no digits, no message."""
        self._busy = False
        checked = self.staff_group.checkedButton()
        if checked is not None:
            self.staff_group.setExclusive(False)
            checked.setChecked(False)
            self.staff_group.setExclusive(True)
        self.message.setText("")
        self.clear_pin()
        self._show_who()

    def set_station(self, label: str) -> None:
        self.station_label.setText(f"{label} · Tap your name, then type your PIN.")

    def keyPressEvent(self, event: QKeyEvent) -> None:
        text = event.text()
        if text.isdigit() and len(text) == 1:
            self.press(text)
        elif event.key() == Qt.Key.Key_Backspace:
            self.backspace()
        elif event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.submit()
        elif event.key() == Qt.Key.Key_Escape:
            self.clear_pin()
        else:
            super().keyPressEvent(event)


class BaristaBadge(QWidget):
    """ "Change barista" (the PIN page: a PIN away) and "Log out", beside the window's own
    "Barista: Sam"; just "Log in" while nobody is."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("baristaBadge")
        self.change_button = QPushButton("Change barista")
        self.logout_button = QPushButton("Log out")
        self.logout_button.setObjectName("secondary")
        for button in (self.change_button, self.logout_button):
            button.setMinimumHeight(TOUCH_PX)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.addWidget(self.change_button)
        layout.addWidget(self.logout_button)
        self.show_barista(None)

    def show_barista(self, who: Barista | None) -> None:
        self.change_button.setAccessibleDescription(f"{who.name} is logged in" if who else "")
        self.logout_button.setVisible(who is not None)
        self.change_button.setText("Change barista" if who is not None else "Log in")
