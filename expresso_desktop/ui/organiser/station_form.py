"""The Stations screen's form: a station's number, name, location and map link, its status as
three buttons (a word and a mark each), what it makes as three checkable lists built from the
event's menu (drinks, milks, extras), an error line beside each field, and the buttons the
screen acts on (save, pair a device, delete).

It holds no state beyond its widgets and asks nothing of the services: the screen fills it
from a ``StationRow`` and reads a ``StationDraft`` back."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from expresso_desktop.services import station_admin_views as views
from expresso_desktop.services.station_admin_views import (
    STATUS_WORDS,
    MenuChoices,
    StationDraft,
    StationRow,
)
from expresso_desktop.ui.common.widgets import plain_label
from expresso_desktop.ui.organiser.editing import ERROR_STYLE, OK_STYLE, capital
from expresso_desktop.ui.organiser.form_parts import error_label

KINDS = ("drinks", "milks", "extras")
KIND_TITLES = {"drinks": "Drinks", "milks": "Milks", "extras": "Extras"}
MILK_WORDS = {"none": "no milk (black)"}
FIELDS = ("number", "name", "location", "map_url", "capabilities")
FIELDS_WIDTH = 470
NOTHING = MenuChoices((), (), ())


def _button(text: str, name: str) -> QPushButton:
    button = QPushButton(text)
    button.setObjectName(name)
    return button


def _as_dict(choices: MenuChoices) -> dict[str, tuple[str, ...]]:
    return dict(zip(KINDS, (choices.drinks, choices.milks, choices.extras), strict=True))


class MenuLists(QWidget):
    """What a station makes: the menu's drinks, milks and extras side by side, ticked."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.lists: dict[str, QListWidget] = {}
        self.titles: dict[str, QLabel] = {}
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        for kind in KINDS:
            column = QVBoxLayout()
            self.titles[kind] = plain_label(KIND_TITLES[kind])
            self.lists[kind] = QListWidget()
            self.lists[kind].setAccessibleName(f"{KIND_TITLES[kind]} it makes")
            self.lists[kind].itemChanged.connect(self._count)
            column.addWidget(self.titles[kind])
            column.addWidget(self.lists[kind], 1)
            row.addLayout(column)

    def set_menu(self, menu: MenuChoices) -> None:
        """The menu's names as the lists, keeping what was ticked."""
        ticked = _as_dict(self.checked())
        for kind, names in _as_dict(menu).items():
            widget = self.lists[kind]
            widget.blockSignals(True)
            widget.clear()
            for name in names:
                item = QListWidgetItem(MILK_WORDS.get(name, name) if kind == "milks" else name)
                item.setData(Qt.ItemDataRole.UserRole, name)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                on = name in ticked[kind]
                item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)
                widget.addItem(item)
            widget.blockSignals(False)
        self._count()

    def set_checked(self, chosen: MenuChoices) -> None:
        wanted = _as_dict(chosen)
        for kind, widget in self.lists.items():
            widget.blockSignals(True)
            for i in range(widget.count()):
                item = widget.item(i)
                on = item.data(Qt.ItemDataRole.UserRole) in wanted[kind]
                item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)
            widget.blockSignals(False)
        self._count()

    def check(self, kind: str, *names: str) -> None:
        """Tick ``names`` in the ``kind`` list (as a click on each would)."""
        widget = self.lists[kind]
        for i in range(widget.count()):
            item = widget.item(i)
            if item.data(Qt.ItemDataRole.UserRole) in names:
                item.setCheckState(Qt.CheckState.Checked)

    def checked(self) -> MenuChoices:
        drinks, milks, extras = (
            tuple(
                str(widget.item(i).data(Qt.ItemDataRole.UserRole))
                for i in range(widget.count())
                if widget.item(i).checkState() == Qt.CheckState.Checked
            )
            for widget in (self.lists[kind] for kind in KINDS)
        )
        return MenuChoices(drinks, milks, extras)

    def _count(self) -> None:
        for kind, names in _as_dict(self.checked()).items():
            self.titles[kind].setText(
                f"{KIND_TITLES[kind]} {len(names)}/{self.lists[kind].count()}"
            )


class StationForm(QGroupBox):
    """A station's fields, status buttons, lists of what it makes and the action buttons."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("New station", parent)
        self.number = QSpinBox()
        self.number.setRange(1, views.NUMBER_MAX)
        self.number.setAccessibleName("Number")
        self.name = QLineEdit()
        self.name.setMaxLength(views.NAME_MAX + 10)  # past the limit: the reason shows
        self.name.setAccessibleName("Name")
        self.location = QLineEdit()
        self.location.setPlaceholderText("e.g. near the east doors (goes into the text)")
        self.location.setAccessibleName("Location")
        self.map_url = QLineEdit()
        self.map_url.setPlaceholderText("https://… (optional)")
        self.map_url.setAccessibleName("Map link")
        self.status_group = QButtonGroup(self)
        self.status_buttons: dict[str, QPushButton] = {}
        status_row = QHBoxLayout()
        for status, word in STATUS_WORDS.items():
            button = _button(word, "secondary")
            button.setCheckable(True)
            self.status_group.addButton(button)
            self.status_buttons[status] = button
            status_row.addWidget(button)
        self.status_hint = plain_label("", object_name="subtitle")
        self.makes = MenuLists()
        self.errors = {field: error_label() for field in FIELDS}
        self.save_button = QPushButton("Add station")
        self.pair_button = _button("Pair a device…", "secondary")
        self.delete_button = _button("Delete…", "danger")
        self.message = plain_label("")

        form = QFormLayout()
        form.setContentsMargins(0, 0, 0, 0)
        for title, field, widget in (
            ("Number", "number", self.number),
            ("Name", "name", self.name),
            ("Location", "location", self.location),
            ("Map link", "map_url", self.map_url),
        ):
            form.addRow(title, widget)
            form.addRow("", self.errors[field])
        form.addRow("Status", status_row)
        form.addRow("", self.status_hint)
        fields = QWidget()
        fields.setLayout(form)
        fields.setFixedWidth(FIELDS_WIDTH)
        makes = QVBoxLayout()
        makes.addWidget(plain_label("Makes (ticked from the event's menu)", object_name="subtitle"))
        makes.addWidget(self.makes, 1)
        makes.addWidget(self.errors["capabilities"])
        columns = QHBoxLayout()
        columns.addWidget(fields, 0, Qt.AlignmentFlag.AlignTop)
        columns.addSpacing(12)
        columns.addLayout(makes, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.pair_button)
        buttons.addStretch(1)
        buttons.addWidget(self.delete_button)
        layout = QVBoxLayout(self)
        layout.addLayout(columns, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.message)

    def clear(self, number: int) -> None:
        """Empty, for a new station numbered ``number``."""
        self.number.setEnabled(True)
        self.number.setValue(number)
        for edit in (self.name, self.location, self.map_url):
            edit.clear()
        self.check_status("open")
        self.status_hint.setText("A new station starts as chosen here.")
        self.makes.set_checked(NOTHING)
        self.setTitle("New station")
        self.save_button.setText("Add station")
        self.pair_button.setVisible(False)
        self.delete_button.setVisible(False)

    def fill(self, row: StationRow) -> None:
        """``row``'s fields, to change them (its number stays: customers text it)."""
        self.number.setValue(row.number)
        self.number.setEnabled(False)
        self.name.setText(row.name or "")
        self.location.setText(row.location)
        self.map_url.setText(row.map_url or "")
        self.makes.set_checked(MenuChoices(row.drinks, row.milks, row.extras))
        self.save_button.setText("Save changes")
        self.pair_button.setVisible(True)
        self.delete_button.setVisible(True)
        self.show_status(row)

    def show_status(self, row: StationRow) -> None:
        """What the form shows about a stored station that its fields don't keep."""
        self.check_status(row.status)
        self.status_hint.setText(
            "Applies at once: a paused or closed station gets no new orders."
            if row.status == "open"
            else f"{row.status.capitalize()} now: new orders go to other stations."
        )
        self.setTitle(row.label)

    def check_status(self, status: str) -> None:
        button = self.status_buttons.get(status)
        if button is not None:
            button.setChecked(True)

    def status_of(self, button: object) -> str:
        return next(s for s, b in self.status_buttons.items() if b is button)

    def draft(self, station_id: int | None) -> StationDraft:
        made = self.makes.checked()
        return StationDraft(
            id=station_id,
            number=self.number.value(),
            name=self.name.text(),
            location=self.location.text(),
            map_url=self.map_url.text(),
            status=next((s for s, b in self.status_buttons.items() if b.isChecked()), "open"),
            drinks=made.drinks,
            milks=made.milks,
            extras=made.extras,
        )

    def show_problems(self, problems: dict[str, str]) -> None:
        for field, label in self.errors.items():
            reason = problems.get(field)
            label.setText(f"✕ {capital(reason)}" if reason else "")
            label.setVisible(reason is not None)
        self.name.setPlaceholderText(f"Station {self.number.value()}")

    def refused(self, field: str | None, reason: str) -> None:
        """A refusal from the rules: beside its field when it names one ("capabilities.
        milks[1]" is the lists')."""
        label = self.errors.get((field or "").split(".")[0])
        if label is not None:
            label.setText(f"✕ {capital(reason)}")
            label.setVisible(True)
        self.say(f"Not saved: {reason}", ok=False)

    def say(self, text: str, *, ok: bool | None = True) -> None:
        """A line under the buttons; ``ok`` None: neither good nor bad news."""
        self.message.setText(text)
        self.message.setStyleSheet("" if ok is None else OK_STYLE if ok else ERROR_STYLE)
