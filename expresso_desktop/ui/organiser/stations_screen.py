"""The organiser's Stations screen: every station as a table (number, name, location, open /
paused / closed, what it makes, whether its paired device is online, its measured make time
and the drinks waiting there) and a form to add a station or change one — its name, location,
map link and what it makes, chosen from the event's menu — to open, pause or close it (at once)
and to remove it (asked first). "Pair a device…" shows a one-time code and its QR for that
station (the Setup screen's pairing box).

Rules are ``services.station_admin``'s, through ``services.station_admin_views``; the form's
draft is checked as it is typed, and a refusal the rule finds on saving (a number another
window took meanwhile) is shown next to its field. The table follows the change feed: stations
when ``station_ids`` names them, every row's queue a moment after orders commit (one read per
burst), connection state when paired devices are written (the LAN server marks them seen), the
lists of drinks, milks and extras when the menu changes.
"""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from expresso_desktop.services import station_admin_views as views
from expresso_desktop.services.pairing import PairingReads, StationChoice
from expresso_desktop.services.station_admin_views import (
    STATUS_WORDS,
    MenuChoices,
    StationAdminReads,
    StationDraft,
    StationRow,
)
from expresso_desktop.services.writer import Writer
from expresso_desktop.store.types import utcnow
from expresso_desktop.ui.common.bridge import ChangeBridge, ChangesCommitted
from expresso_desktop.ui.common.keyed_table import Index, KeyedTableModel
from expresso_desktop.ui.common.ops import OpFailed, OpRunner, SerialRead
from expresso_desktop.ui.common.service_host import ServersStarted, ServiceFailure, ServiceHost
from expresso_desktop.ui.common.widgets import plain_label
from expresso_desktop.ui.organiser.editing import (
    ERROR_STYLE,
    OK_STYLE,
    ask,
    capital,
    read_only_table,
    select_row,
    single_shot,
)
from expresso_desktop.ui.organiser.pairing_box import PairingBox
from expresso_desktop.ui.organiser.staff_screen import make_time

INITIATOR = "ui:stations"
QUEUE_DELAY_MS = 500  # orders come in bursts: one read of the queues per burst
CONNECTION_TICK_MS = 15_000  # "online" turns "offline 2 min" with time alone
EMPTY_TEXT = (
    "No stations yet — fill in the form on the right to add the first one, or start Expresso "
    "with --demo to explore a sample event."
)
KINDS = ("drinks", "milks", "extras")
KIND_TITLES = {"drinks": "Drinks", "milks": "Milks", "extras": "Extras"}
SCREEN_STYLE = """
QPushButton { min-height: 28px; }
QSpinBox, QLineEdit { min-height: 30px; }
QPushButton#secondary { background: #efe6dc; color: #4a2c1a; border: 1px solid #cdbba8; }
QPushButton#secondary:hover { background: #e6d9cb; }
QPushButton#secondary:checked { background: #6b3f24; color: #ffffff; border-color: #6b3f24; }
QPushButton#secondary:disabled { color: #a89484; }
QPushButton#danger { background: #9b1c1c; }
QPushButton#danger:hover { background: #b02323; }
QGroupBox { font-weight: 600; border: 1px solid #e4d8cb; border-radius: 10px; margin-top: 14px;
  padding: 14px 10px 8px 10px; background: #ffffff; }
QGroupBox::title { subcontrol-origin: margin; left: 12px; padding: 0 4px; color: #4a2c1a; }
QListWidget { background: #faf6f0; border: 1px solid #e4d8cb; border-radius: 6px; }
"""
MILK_WORDS = {"none": "no milk (black)"}


class StationTableModel(KeyedTableModel[StationRow]):
    HEADERS = ("No.", "Name", "Location", "Status", "Makes", "Device", "Make time", "Waiting")
    CONNECTION = 5

    def __init__(self) -> None:
        super().__init__()
        self.now: datetime = utcnow()  # what "online" is measured against (ticks on)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        column = index.column()
        if role == self.ID_ROLE:
            return row.id
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (0, 6, 7):
            return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(row, column)
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        return (
            str(row.number),
            row.name or f"Station {row.number}",
            row.location or "—",
            row.status_word,
            row.makes,
            row.connection(self.now),
            make_time(row.make_time_s),
            str(row.waiting),
        )[column]

    @staticmethod
    def _tooltip(row: StationRow, column: int) -> str | None:
        if column == 4:
            return "\n".join(
                f"{KIND_TITLES[kind]}: {', '.join(names) or 'none'}"
                for kind, names in zip(KINDS, (row.drinks, row.milks, row.extras), strict=True)
            )
        if column == 5:
            return f"{row.devices} device(s) paired for this station"
        if column == 7:
            return "Drinks not yet made there (new and in progress)"
        return None


class PairingDialog(QDialog):
    """The Setup screen's pairing box for one station, in its own window."""

    def __init__(self, box: PairingBox, station: StationChoice, parent: QWidget) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Pair a device for {station.label}")
        self.setMinimumWidth(560)
        self.box = box
        box.set_stations([station])
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(box, 1)
        layout.addWidget(buttons)


def _error_label() -> QLabel:
    label = plain_label("")
    label.setStyleSheet(ERROR_STYLE)
    label.setVisible(False)
    return label


def _button(text: str, name: str) -> QPushButton:
    button = QPushButton(text)
    button.setObjectName(name)
    return button


class StationsScreen(QWidget):
    def __init__(
        self,
        ops: OpRunner,
        writer: Writer,
        reads: StationAdminReads,
        pairing: PairingReads,
        host: ServiceHost,
        bridge: ChangeBridge,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setStyleSheet(SCREEN_STYLE)
        self._ops, self._writer, self._reads, self._pairing = ops, writer, reads, pairing
        self.editing: int | None = None  # the station the form edits (None: a new one)
        self.confirm_box: QMessageBox | None = None
        self.pair_dialog: PairingDialog | None = None
        self._lan: tuple[str, str] | None = None  # the LAN URL and fingerprint, once it runs
        self._lan_problem = "the LAN server is starting…"
        self._saving = False
        self._queues_stale = False
        self._menu = MenuChoices((), (), ())

        self.model = StationTableModel()
        self.table = read_only_table(self.model, self._on_pick)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.empty = plain_label(EMPTY_TEXT, object_name="subtitle")
        self.empty.setVisible(False)  # until the first read says so
        self.add_button = QPushButton("Add station")

        left = QVBoxLayout()
        left.addWidget(self.table, 1)
        left.addWidget(self.empty)
        form = self._form()
        form.setFixedWidth(440)
        columns = QHBoxLayout()
        columns.addLayout(left, 1)
        columns.addWidget(form)
        title_row = QHBoxLayout()
        title_row.addWidget(plain_label("Stations", object_name="title"))
        title_row.addStretch(1)
        title_row.addWidget(self.add_button)
        layout = QVBoxLayout(self)
        layout.addLayout(title_row)
        layout.addWidget(
            plain_label(
                "Where drinks are made: what each station makes, whether it is open, its paired "
                "device, and the drinks waiting there. Select a station to change it.",
                object_name="subtitle",
            )
        )
        layout.addLayout(columns, 1)

        self._queue_timer = single_shot(self, QUEUE_DELAY_MS, lambda: self.reads.want(None))
        self._tick = QTimer(self)
        self._tick.setInterval(CONNECTION_TICK_MS)
        self._tick.timeout.connect(self._on_tick)
        self._tick.start()

        self.add_button.clicked.connect(lambda: self.new_station())
        self.reads: SerialRead[int, list[StationRow]] = SerialRead(
            ops, reads.rows, self._apply, label="Reading stations"
        )
        bridge.committed.connect(self._on_committed)
        host.started.connect(self._on_started)
        host.failed.connect(self._on_failed)
        self.reads.want(None)
        self._read_menu()
        self.new_station()

    # -- the form ---------------------------------------------------------------------------------
    def _form(self) -> QGroupBox:
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
        self.lists: dict[str, QListWidget] = {}
        self.list_titles: dict[str, QLabel] = {}
        lists_row = QHBoxLayout()
        for kind in KINDS:
            column = QVBoxLayout()
            self.list_titles[kind] = plain_label(KIND_TITLES[kind])
            self.lists[kind] = QListWidget()
            self.lists[kind].setAccessibleName(f"{KIND_TITLES[kind]} it makes")
            self.lists[kind].itemChanged.connect(self._on_checked)
            column.addWidget(self.list_titles[kind])
            column.addWidget(self.lists[kind], 1)
            lists_row.addLayout(column)
        self.errors = {
            field: _error_label()
            for field in ("number", "name", "location", "map_url", "capabilities")
        }
        self.save_button = QPushButton("Add station")
        self.pair_button = _button("Pair a device…", "secondary")
        self.delete_button = _button("Delete…", "danger")
        self.message = plain_label("")

        form = QFormLayout()
        form.addRow("Number", self.number)
        form.addRow("", self.errors["number"])
        form.addRow("Name", self.name)
        form.addRow("", self.errors["name"])
        form.addRow("Location", self.location)
        form.addRow("", self.errors["location"])
        form.addRow("Map link", self.map_url)
        form.addRow("", self.errors["map_url"])
        form.addRow("Status", status_row)
        form.addRow("", self.status_hint)
        buttons = QHBoxLayout()
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.pair_button)
        buttons.addStretch(1)
        buttons.addWidget(self.delete_button)
        self.form_box = QGroupBox("New station")
        layout = QVBoxLayout(self.form_box)
        layout.addLayout(form)
        layout.addWidget(plain_label("Makes (from the event's menu)"))
        layout.addLayout(lists_row, 1)
        layout.addWidget(self.errors["capabilities"])
        layout.addLayout(buttons)
        layout.addWidget(self.message)

        self.number.valueChanged.connect(self._validate)
        for edit in (self.name, self.location, self.map_url):
            edit.textChanged.connect(self._validate)
        self.status_group.buttonClicked.connect(self._on_status)
        self.save_button.clicked.connect(self.save)
        self.pair_button.clicked.connect(self.pair_device)
        self.delete_button.clicked.connect(self.delete)
        return self.form_box

    def new_station(self, *, keep_message: bool = False) -> None:
        self.editing = None
        select_row(self.table, self.model, None)
        taken = self._taken()
        self.number.setEnabled(True)
        self.number.setValue(next(n for n in range(1, views.NUMBER_MAX + 1) if n not in taken))
        for edit in (self.name, self.location, self.map_url):
            edit.clear()
        self._check_status("open")
        self.status_hint.setText("A new station starts as chosen here.")
        self._check_lists(MenuChoices((), (), ()))
        self.form_box.setTitle("New station")
        self.save_button.setText("Add station")
        self.pair_button.setVisible(False)
        self.delete_button.setVisible(False)
        if not keep_message:
            self.message.setText("")
        self._validate()
        self.name.setFocus()

    def edit_station(self, station_id: int) -> None:
        at = self.model.row_of(station_id)
        if at is None:
            return
        row = self.model.row_at(at)
        self.editing = row.id
        self.number.setValue(row.number)
        self.number.setEnabled(False)  # customers text it: "at station 2"
        self.name.setText(row.name or "")
        self.location.setText(row.location)
        self.map_url.setText(row.map_url or "")
        self._check_lists(MenuChoices(row.drinks, row.milks, row.extras))
        self.form_box.setTitle(row.label)
        self.save_button.setText("Save changes")
        self.pair_button.setVisible(True)
        self.delete_button.setVisible(True)
        self.message.setText("")
        self._show_station(row)
        select_row(self.table, self.model, row.id)
        self._validate()

    def _show_station(self, row: StationRow) -> None:
        """What the form shows about a stored station that its fields don't keep."""
        self._check_status(row.status)
        self.status_hint.setText(
            "Applies at once: a paused or closed station gets no new orders."
            if row.status == "open"
            else f"{row.status.capitalize()} now: new orders go to other stations."
        )
        self.form_box.setTitle(row.label)

    def _check_status(self, status: str) -> None:
        button = self.status_buttons.get(status)
        if button is not None:
            button.setChecked(True)

    def _status(self) -> str:
        return next((s for s, b in self.status_buttons.items() if b.isChecked()), "open")

    def _fill_lists(self) -> None:
        """The menu's names as checkable lists, keeping what was checked."""
        checked = self._checked()
        for kind, names in zip(
            KINDS, (self._menu.drinks, self._menu.milks, self._menu.extras), strict=True
        ):
            widget = self.lists[kind]
            widget.blockSignals(True)
            widget.clear()
            for name in names:
                item = QListWidgetItem(MILK_WORDS.get(name, name) if kind == "milks" else name)
                item.setData(Qt.ItemDataRole.UserRole, name)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(
                    Qt.CheckState.Checked if name in checked[kind] else Qt.CheckState.Unchecked
                )
                widget.addItem(item)
            widget.blockSignals(False)
        self._count_checked()

    def _check_lists(self, chosen: MenuChoices) -> None:
        wanted = dict(zip(KINDS, (chosen.drinks, chosen.milks, chosen.extras), strict=True))
        for kind, widget in self.lists.items():
            widget.blockSignals(True)
            for i in range(widget.count()):
                item = widget.item(i)
                on = item.data(Qt.ItemDataRole.UserRole) in wanted[kind]
                item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)
            widget.blockSignals(False)
        self._count_checked()

    def _checked(self) -> dict[str, tuple[str, ...]]:
        return {
            kind: tuple(
                str(widget.item(i).data(Qt.ItemDataRole.UserRole))
                for i in range(widget.count())
                if widget.item(i).checkState() == Qt.CheckState.Checked
            )
            for kind, widget in self.lists.items()
        }

    def check(self, kind: str, *names: str) -> None:
        """Tick ``names`` in the ``kind`` list (as a click on each would)."""
        widget = self.lists[kind]
        for i in range(widget.count()):
            item = widget.item(i)
            if item.data(Qt.ItemDataRole.UserRole) in names:
                item.setCheckState(Qt.CheckState.Checked)

    def _on_checked(self, _item: QListWidgetItem) -> None:
        self._count_checked()

    def _count_checked(self) -> None:
        checked = self._checked()
        for kind in KINDS:
            self.list_titles[kind].setText(
                f"{KIND_TITLES[kind]} {len(checked[kind])}/{self.lists[kind].count()}"
            )

    def draft(self) -> StationDraft:
        checked = self._checked()
        return StationDraft(
            id=self.editing,
            number=self.number.value(),
            name=self.name.text(),
            location=self.location.text(),
            map_url=self.map_url.text(),
            status=self._status(),
            drinks=checked["drinks"],
            milks=checked["milks"],
            extras=checked["extras"],
        )

    def _taken(self) -> set[int]:
        rows = (self.model.row_at(i) for i in range(self.model.rowCount()))
        return {r.number for r in rows if r.id != self.editing}

    def _validate(self) -> dict[str, str]:
        """The draft's problems shown next to their fields (a pure check, no I/O)."""
        problems = views.draft_problems(self.draft(), self._taken())
        for field, label in self.errors.items():
            reason = problems.get(field)
            label.setText(f"✕ {capital(reason)}" if reason else "")
            label.setVisible(reason is not None)
        self.name.setPlaceholderText(f"Station {self.number.value()}")
        self.save_button.setEnabled(not problems and not self._saving)
        return problems

    # -- saving -----------------------------------------------------------------------------------
    def save(self) -> None:
        problems = self._validate()
        if problems or self._saving:
            if problems:
                self.message.setText("Not saved: " + "; ".join(problems.values()) + ".")
                self.message.setStyleSheet(ERROR_STYLE)
            return
        draft = self.draft()
        self._saving = True
        self.save_button.setEnabled(False)
        self._ops.write(
            self._writer,
            partial(views.save_station, event_id=self._reads.event_id, draft=draft),
            initiator=INITIATOR,
            on_done=partial(self._on_saved, draft.id is None),
            on_error=self._on_failed_save,
            on_finally=self._settled,
            label="Saving a station",
        )

    def _on_saved(self, created: bool, row: StationRow) -> None:
        self._upsert(row)
        self.edit_station(row.id)
        self.message.setText(f"{'Added' if created else 'Saved'} {row.label}.")
        self.message.setStyleSheet(OK_STYLE)

    def _on_failed_save(self, failure: OpFailed) -> None:
        field = (failure.field or "").split(".")[0]
        label = self.errors.get(field)
        if label is not None:
            label.setText(f"✕ {capital(failure.message)}")
            label.setVisible(True)
        self.message.setText(f"Not saved: {failure.message}")
        self.message.setStyleSheet(ERROR_STYLE)

    def _settled(self) -> None:
        self._saving = False
        self.save_button.setEnabled(not views.draft_problems(self.draft(), self._taken()))

    # -- status, deleting -------------------------------------------------------------------------
    def _on_status(self, button: QAbstractButton) -> None:
        status = next(s for s, b in self.status_buttons.items() if b is button)
        at = self.model.row_of(self.editing) if self.editing is not None else None
        if at is None:
            return  # a new station: the status is part of the form
        row = self.model.row_at(at)
        if status == row.status:
            return
        if status != "closed":
            self._set_status(row.id, status)
            return
        self._check_status(row.status)  # until the answer
        self.confirm_box = ask(
            self,
            "Close station",
            f"Close {row.label}? It gets no new orders until it is opened again; the "
            f"{row.waiting} drink(s) waiting there stay in its queue.",
            partial(self._set_status, row.id, "closed"),
        )

    def _set_status(self, station_id: int, status: str) -> None:
        self._ops.write(
            self._writer,
            partial(
                views.set_status,
                event_id=self._reads.event_id,
                station_id=station_id,
                status=status,
            ),
            initiator=INITIATOR,
            on_done=self._on_status_set,
            on_error=self._on_status_refused,
            label="Changing a station's status",
        )

    def _on_status_set(self, row: StationRow) -> None:
        self._upsert(row)
        if self.editing == row.id:
            self._show_station(row)
        self.message.setText(f"{row.label} is {row.status} now.")
        self.message.setStyleSheet(OK_STYLE)

    def _on_status_refused(self, failure: OpFailed) -> None:
        at = self.model.row_of(self.editing) if self.editing is not None else None
        if at is not None:
            self._check_status(self.model.row_at(at).status)
        self.message.setText(f"Not changed: {failure.message}")
        self.message.setStyleSheet(ERROR_STYLE)

    def delete(self) -> None:
        at = self.model.row_of(self.editing) if self.editing is not None else None
        if at is None:
            return
        row = self.model.row_at(at)
        waiting = (
            f" {row.waiting} drink(s) are still waiting there: move them first (Orders)."
            if row.waiting
            else ""
        )
        self.confirm_box = ask(
            self,
            "Delete station",
            f"Delete {row.label}? Routing stops sending orders there and its devices lose "
            f"their station.{waiting} Its number can be used again.",
            partial(self._remove, row.id, row.label),
        )

    def _remove(self, station_id: int, label: str) -> None:
        self._ops.write(
            self._writer,
            partial(views.remove_station, station_id=station_id),
            initiator=INITIATOR,
            on_done=lambda _id: self._on_removed(station_id, label),
            on_error=self._on_failed_save,
            label="Deleting a station",
        )

    def _on_removed(self, station_id: int, label: str) -> None:
        self._drop({station_id})
        if self.editing in (station_id, None):
            self.new_station()
        self.message.setText(f"Deleted {label}.")
        self.message.setStyleSheet(OK_STYLE)

    # -- pairing ----------------------------------------------------------------------------------
    def pair_device(self) -> None:
        at = self.model.row_of(self.editing) if self.editing is not None else None
        if at is None:
            return
        row = self.model.row_at(at)
        box = PairingBox(self._ops, self._writer, self._pairing)
        if self.pair_dialog is not None:
            self.pair_dialog.close()
        self.pair_dialog = PairingDialog(box, StationChoice(row.id, row.number, row.label), self)
        self.pair_dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.pair_dialog.destroyed.connect(self._forget_dialog)
        if self._lan is None:
            box.set_unavailable(self._lan_problem)
        else:
            box.set_lan(*self._lan)
            box.show_code()
        self.pair_dialog.open()

    def _forget_dialog(self) -> None:
        self.pair_dialog = None

    def _on_started(self, started: ServersStarted) -> None:
        if started.lan_url is None or started.fingerprint is None:
            self._lan_problem = "this organiser was started without it"
        else:
            self._lan = (started.lan_url, started.fingerprint)

    def _on_failed(self, failure: ServiceFailure) -> None:
        self._lan_problem = failure.text

    # -- reading ----------------------------------------------------------------------------------
    def _read_menu(self) -> None:
        self._ops.query(
            self._reads.menu_choices, on_done=self._apply_menu, label="Reading the menu"
        )

    def _apply_menu(self, menu: MenuChoices) -> None:
        self._menu = menu
        self._fill_lists()

    def _on_committed(self, event: ChangesCommitted) -> None:
        if event.touches(("menu_configs",)):
            self._read_menu()
            self.reads.want(None)  # "10 of 13 drinks" counts the menu
        elif event.station_ids and not event.by(INITIATOR):
            self.reads.want(event.station_ids)
        if event.devices_touched:
            self.reads.want(None)  # which station a device serves is not in the change set
            if self.pair_dialog is not None:
                self.pair_dialog.box.check_used()
        if event.order_ids:  # drinks were ordered or made: the queues move
            if self.isVisible():
                self._queue_timer.start()
            else:
                self._queues_stale = True

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._on_tick()
        if self._queues_stale:
            self._queues_stale = False
            self.reads.want(None)

    def _on_tick(self) -> None:
        self.model.now = utcnow()
        self.model.repaint_column(StationTableModel.CONNECTION)

    def _apply(self, ids: frozenset[int] | None, rows: list[StationRow]) -> None:
        self.model.now = utcnow()
        if ids is None:
            self.model.set_rows(rows)
        else:
            fresh = {r.id for r in rows}
            self._drop(ids - fresh)
            for row in rows:
                self._upsert(row)
        self.empty.setVisible(self.model.rowCount() == 0)
        if self.editing is not None:
            at = self.model.row_of(self.editing)
            if at is None:
                self.message.setText("That station was removed.")
                self.message.setStyleSheet("")
                self.new_station(keep_message=True)
            else:
                self._show_station(self.model.row_at(at))
        self._validate()

    def _upsert(self, row: StationRow) -> None:
        """In number order (a new station goes to its place, not the end)."""
        if self.model.row_of(row.id) is not None:
            self.model.upsert([row])
            return
        rows = [self.model.row_at(i) for i in range(self.model.rowCount())]
        if all(r.number < row.number for r in rows):
            self.model.upsert([row])
        else:
            self.model.reset_rows(sorted([*rows, row], key=lambda r: r.number))
            select_row(self.table, self.model, self.editing)
        self.empty.setVisible(False)

    def _drop(self, ids: set[int] | frozenset[int]) -> None:
        if ids:
            rows = [self.model.row_at(i) for i in range(self.model.rowCount())]
            self.model.set_rows([r for r in rows if r.id not in ids])
            self.empty.setVisible(self.model.rowCount() == 0)

    def _on_pick(self, row: StationRow) -> None:
        if row.id != self.editing:
            self.edit_station(row.id)
