"""Settings › Menu: the drinks and milks this event serves and the words customers may use for
them. Each action saves at once (the order language uses it from the next text) and says so
in place; "Try a text" shows how a customer's text is read with the menu as it is now."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QItemSelection, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QTableView,
)

from expresso_desktop.core.menu import NO_MILK, Menu
from expresso_desktop.services.event_admin import EventAdmin, SettingsPage
from expresso_desktop.services.menu_admin import MAX_SHOTS, Kind, NewEntry
from expresso_desktop.services.writer import Tx, Writer
from expresso_desktop.ui.common.cells_model import CellsTableModel
from expresso_desktop.ui.common.ops import OpFailed, OpRunner
from expresso_desktop.ui.common.widgets import plain_label
from expresso_desktop.ui.organiser.settings_widgets import (
    INITIATOR,
    SectionPage,
    error_line,
    narrow,
    show_error,
    stacked,
)

TRY_EXAMPLE = "large oat flat white for Sam"
NOTHING_SELECTED = "Pick a drink or milk in the list to change its words or take it off."


@dataclass(frozen=True, slots=True)
class MenuEntry:
    id: tuple[str, str]  # (kind, name)
    kind: Kind
    name: str
    synonyms: tuple[str, ...]
    note: str  # "no milk unless asked", "2 shots"…


def menu_entries(menu: Menu) -> list[MenuEntry]:
    rows = [
        MenuEntry(
            ("drink", d.name),
            "drink",
            d.name,
            d.synonyms,
            ", ".join(
                [f"{d.shots:g} shot{'s' if d.shots != 1 else ''}"]
                + (["no milk unless asked"] if d.black else [])
            ),
        )
        for d in menu.drinks
    ]
    rows += [
        MenuEntry(("milk", m.name), "milk", m.name, m.synonyms, _milk_note(m.name, menu))
        for m in menu.milks
        if m.name != NO_MILK
    ]
    return rows


def _milk_note(name: str, menu: Menu) -> str:
    return "the default milk" if name == menu.default_milk else ""


class MenuEntriesModel(CellsTableModel[MenuEntry]):
    HEADERS = ("Kind", "Name", "Customers may also write", "Notes")

    def cells(self, row: MenuEntry) -> tuple[Any, ...]:
        return (row.kind.capitalize(), row.name, ", ".join(row.synonyms) or "—", row.note)

    def cell(self, row: MenuEntry, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.ToolTipRole and column == 2:
            return ", ".join(row.synonyms)
        return super().cell(row, column, role)


class MenuSection(SectionPage):
    def __init__(self, ops: OpRunner, writer: Writer, admin: EventAdmin) -> None:
        super().__init__(
            "Menu",
            "What customers can order, and the other words they may write for it. A new drink "
            "is made only by stations that list it (Stations).",
            ops,
            writer,
            buttons=False,
        )
        self._admin = admin
        self.model = MenuEntriesModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(40)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.setMinimumHeight(260)
        self.table.setAccessibleName("Drinks and milks")
        self.selected_title = plain_label(NOTHING_SELECTED)
        self.synonyms = QPlainTextEdit()
        self.synonyms.setFixedHeight(76)
        self.synonyms.setPlaceholderText("other words, separated by commas")
        self.synonyms.setAccessibleName("Other words for the selected entry")
        self.synonyms_error = error_line()
        self.save_synonyms = QPushButton("Save words")
        self.remove = QPushButton("Take off the menu…")
        self.remove.setObjectName("danger")
        self.confirm: QMessageBox | None = None
        self.add_kind = QComboBox()
        self.add_kind.addItem("Drink", "drink")
        self.add_kind.addItem("Milk", "milk")
        narrow(self.add_kind, 200)
        self.add_name = QLineEdit()
        self.add_name.setPlaceholderText("e.g. cold brew")
        self.add_name.setAccessibleName("New entry's name")
        self.add_synonyms = QLineEdit()
        self.add_synonyms.setPlaceholderText("e.g. nitro, iced coffee")
        self.add_synonyms.setAccessibleName("New entry's other words")
        self.add_shots = QDoubleSpinBox()
        self.add_shots.setRange(0, MAX_SHOTS)
        self.add_shots.setDecimals(0)
        self.add_shots.setValue(1)
        self.add_shots.setSuffix(" shots")
        narrow(self.add_shots, 160)
        self.add_black = QCheckBox("Served without milk unless asked (like a long black)")
        self.add_button = QPushButton("Add to the menu")
        self.add_result = plain_label(object_name="sectionResult")
        self.add_errors = {"name": error_line(), "synonyms": error_line(), "shots": error_line()}
        self.try_text = QLineEdit(TRY_EXAMPLE)
        self.try_text.setAccessibleName("A customer's text to try")
        self.try_result = plain_label(object_name="card")
        self._asked: str | None = None  # the text being read now
        self._build()
        self.table.selectionModel().selectionChanged.connect(self._selected)
        self.save_synonyms.clicked.connect(self._save_synonyms)
        self.remove.clicked.connect(self.ask_remove)
        self.add_button.clicked.connect(self._add)
        self.add_kind.currentIndexChanged.connect(self._kind_changed)
        self.try_text.textChanged.connect(lambda _text: self.run_try())
        self._show_selected(None)

    def _build(self) -> None:
        self.body.addWidget(self.table)
        edit = QGroupBox("Selected")
        edit_form = QFormLayout(edit)
        edit_form.addRow(self.selected_title)
        buttons = QHBoxLayout()
        buttons.addWidget(self.save_synonyms)
        buttons.addWidget(self.remove)
        buttons.addStretch(1)
        edit_form.addRow("Other words:", stacked(self.synonyms, self.synonyms_error))
        edit_form.addRow(buttons)
        edit_form.addRow(self.result)
        self.body.addWidget(edit)
        trial = QGroupBox("Try a text")
        trial_form = QFormLayout(trial)
        trial_form.addRow("Customer's text:", self.try_text)
        trial_form.addRow(self.try_result)
        self.body.addWidget(trial)
        add = QGroupBox("Add a drink or milk")
        add_form = QFormLayout(add)
        add_form.addRow("Kind:", self.add_kind)
        add_form.addRow("Name:", stacked(self.add_name, self.add_errors["name"]))
        add_form.addRow("Other words:", stacked(self.add_synonyms, self.add_errors["synonyms"]))
        add_form.addRow("Coffee:", stacked(self.add_shots, self.add_errors["shots"]))
        add_form.addRow(self.add_black)
        add_form.addRow(self.add_button)
        add_form.addRow(self.add_result)
        self.body.addWidget(add)

    # -- the page ------------------------------------------------------------------------------
    def fill(self, page: SettingsPage) -> None:
        self.model.set_rows(menu_entries(page.menu))
        self._show_selected(self.selected())
        self.run_try()

    def offer(self, page: SettingsPage, *, elsewhere: bool = True) -> None:
        self.load(page)  # nothing here waits for a Save: the list always follows

    def selected(self) -> MenuEntry | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row_at(rows[0].row()) if rows else None

    def select(self, kind: str, name: str) -> None:
        at = self.model.row_of((kind, name))
        if at is not None:
            self.table.selectRow(at)

    def _selected(self, _now: QItemSelection, _before: QItemSelection) -> None:
        self._show_selected(self.selected())

    def _show_selected(self, entry: MenuEntry | None) -> None:
        show_error(self.synonyms_error, None)
        for widget in (self.synonyms, self.save_synonyms, self.remove):
            widget.setEnabled(entry is not None)
        if entry is None:
            self.selected_title.setText(NOTHING_SELECTED)
            self.synonyms.clear()
            return
        self.selected_title.setText(f"{entry.kind.capitalize()}: {entry.name}")
        self.synonyms.setPlainText(", ".join(entry.synonyms))

    def _kind_changed(self) -> None:
        drink = self.add_kind.currentData() == "drink"
        self.add_shots.setEnabled(drink)
        self.add_black.setEnabled(drink)

    # -- actions -------------------------------------------------------------------------------
    def _save_synonyms(self) -> None:
        entry = self.selected()
        if entry is None:
            return
        words = _words(self.synonyms.toPlainText())
        self._act(
            lambda tx: self._admin.set_synonyms(tx, entry.kind, entry.name, words),
            f"Words for {entry.name} saved — texts use them now",
            {"synonyms": self.synonyms_error, "name": self.synonyms_error},
            "Save the words",
        )

    def ask_remove(self) -> None:
        entry = self.selected()
        if entry is None:
            return
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("Take off the menu")
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setText(
            f"Take {entry.name} off the menu? Customers who text it will be told we don't serve it."
        )
        box.setStandardButtons(QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.accepted.connect(lambda: self._remove(entry))
        self.confirm = box
        box.open()

    def _remove(self, entry: MenuEntry) -> None:
        self._act(
            lambda tx: self._admin.remove_entry(tx, entry.kind, entry.name),
            f"{entry.name.capitalize()} is off the menu",
            {"name": self.synonyms_error},
            "Take off the menu",
        )

    def _add(self) -> None:
        entry = NewEntry(
            kind=self.add_kind.currentData(),
            name=self.add_name.text(),
            synonyms=tuple(_words(self.add_synonyms.text())),
            black=self.add_black.isChecked(),
            shots=self.add_shots.value(),
        )
        self._act(
            lambda tx: self._admin.add_entry(tx, entry),
            f"{' '.join(entry.name.split()).lower()} is on the menu — texts can order it now",
            self.add_errors,
            "Add to the menu",
            then=self._added,
            into=self.add_result,
        )

    def _added(self) -> None:
        self.add_name.clear()
        self.add_synonyms.clear()

    def _act(
        self,
        write: Callable[[Tx], SettingsPage],
        done: str,
        errors: dict[str, QLabel],
        label: str,
        *,
        then: Callable[[], None] | None = None,
        into: QLabel | None = None,
    ) -> None:
        """Run one menu edit; its outcome in ``into`` (else under the selected entry), the
        reason for a refusal also beside the field it names."""
        for line in {*errors.values(), self.synonyms_error}:
            show_error(line, None)
        for result in (self.result, self.add_result):
            result.clear()

        def saved(page: SettingsPage) -> None:
            self.saved(page, done, into=into)
            if then is not None:
                then()

        def refused(failure: OpFailed) -> None:
            line = errors.get(failure.field or "")
            if line is not None:
                show_error(line, failure.message)
            self.say(f"Not saved: {failure.message}", ok=False, into=into)

        self.ops.write(
            self.writer, write, initiator=INITIATOR, on_done=saved, on_error=refused, label=label
        )

    # -- trying a text -------------------------------------------------------------------------
    def run_try(self) -> None:
        """Read the text with the menu now (the first read after an edit builds the parser, in
        a worker thread); one read at a time, and the text as typed last is read last."""
        if self._asked is not None:
            return
        text = self.try_text.text()
        if not text.strip():
            self.try_result.setText("Type a text as a customer would send it.")
            return
        self._asked = text
        self.ops.query(
            lambda: self._admin.try_text(text),
            on_done=self.try_result.setText,
            on_finally=self._try_settled,
            label="Try a text",
        )

    def _try_settled(self) -> None:
        asked, self._asked = self._asked, None
        if asked != self.try_text.text():
            self.run_try()


def _words(text: str) -> list[str]:
    return [w.strip() for w in text.split(",") if w.strip()]
