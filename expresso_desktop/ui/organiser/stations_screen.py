"""The organiser's Stations screen: every station as a table (number, name, location, open /
paused / closed, what it makes, whether its paired device is online, its measured make time
and the drinks waiting there) and a form (``station_form``) to add a station or change one —
its name, location, map link and what it makes, chosen from the event's menu — to open, pause
or close it (at once) and to remove it (asked first). "Pair a device…" shows a one-time code
and its QR for that station (the Setup screen's pairing box).

Rules are ``services.station_admin``'s, through ``services.station_admin_views``; the form's
draft is checked as it is typed, and a refusal the rule finds on saving (a number another
window took meanwhile) is shown next to its field. The table follows the change feed: stations
when ``station_ids`` names them, every row's queue a moment after orders commit (one read per
burst), connection state when paired devices are written (the LAN server marks them seen), the
lists of drinks, milks and extras when the menu changes.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from expresso_desktop.services import station_admin_views as views
from expresso_desktop.services.pairing import PairingReads, StationChoice
from expresso_desktop.services.station_admin_views import MenuChoices, StationAdminReads, StationRow
from expresso_desktop.services.writer import Writer
from expresso_desktop.ui.common.bridge import ChangeBridge, ChangesCommitted
from expresso_desktop.ui.common.ops import OpFailed, OpRunner, SerialRead
from expresso_desktop.ui.common.service_host import ServersStarted, ServiceFailure, ServiceHost
from expresso_desktop.ui.common.widgets import plain_label
from expresso_desktop.ui.organiser.editing import ask, read_only_table, select_row, single_shot
from expresso_desktop.ui.organiser.form_parts import screen_layout
from expresso_desktop.ui.organiser.pairing_box import PairingBox
from expresso_desktop.ui.organiser.station_form import StationForm
from expresso_desktop.ui.organiser.stations_model import StationTableModel

INITIATOR = "ui:stations"
QUEUE_DELAY_MS = 500  # orders come in bursts: one read of the queues per burst
CONNECTION_TICK_MS = 15_000  # "online" turns "offline 2 min" with time alone
EMPTY_TEXT = (
    "No stations yet — fill in the form on the right to add the first one, or start Expresso "
    "with --demo to explore a sample event."
)
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


class PairingDialog(QDialog):
    """The Setup screen's pairing box for one station, in its own window."""

    def __init__(self, box: PairingBox, station: StationChoice, parent: QWidget) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Pair a device for {station.label}")
        self.setMinimumWidth(680)  # the code at 64 px beside its QR
        self.box = box
        box.set_stations([station])
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(box, 1)
        layout.addWidget(buttons)


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
        self._offered = 1  # the number the new-station form offered
        self.confirm_box: QMessageBox | None = None
        self.pair_dialog: PairingDialog | None = None
        self._lan: tuple[str, str] | None = None  # the LAN URL and fingerprint, once it runs
        self._lan_problem = "the LAN server is starting…"
        self._saving = False
        self._queues_stale = False

        self.model = StationTableModel(self)
        self.table = read_only_table(self.model, self._on_pick)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.empty = plain_label(EMPTY_TEXT, object_name="subtitle")
        self.empty.setVisible(False)  # until the first read says so
        self.add_button = QPushButton("Add station")

        self.form = StationForm()
        self._wire(self.form)
        layout = screen_layout(
            self,
            "Stations",
            "Where drinks are made: what each station makes, whether it is open, its paired "
            "device, and the drinks waiting there. Select a station to change it.",
            self.add_button,
        )
        layout.addWidget(self.table, 2)
        layout.addWidget(self.empty)
        layout.addWidget(self.form, 3)

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
        host.on_started(self._on_started)
        host.failed.connect(self._on_failed)
        self.reads.want(None)
        self._read_menu()
        self.new_station()

    # -- the form ---------------------------------------------------------------------------------
    def _wire(self, form: StationForm) -> None:
        form.number.valueChanged.connect(self._validate)
        for edit in (form.name, form.location, form.map_url):
            edit.textChanged.connect(self._validate)
        form.status_group.buttonClicked.connect(self._on_status)
        form.save_button.clicked.connect(self.save)
        form.pair_button.clicked.connect(self.pair_device)
        form.delete_button.clicked.connect(self.delete)

    def new_station(self, *, keep_message: bool = False) -> None:
        self.editing = None
        select_row(self.table, self.model, None)
        taken = self._taken()
        self._offered = next(n for n in range(1, views.NUMBER_MAX + 1) if n not in taken)
        self.form.clear(self._offered)
        if not keep_message:
            self.form.say("")
        self._validate()
        self.form.name.setFocus()

    def edit_station(self, station_id: int) -> None:
        row = self._row(station_id)
        if row is None:
            return
        self.editing = row.id
        self.form.fill(row)
        self.form.say("")
        select_row(self.table, self.model, row.id)
        self._validate()

    def _row(self, station_id: int | None) -> StationRow | None:
        at = self.model.row_of(station_id) if station_id is not None else None
        return self.model.row_at(at) if at is not None else None

    def _taken(self) -> set[int]:
        rows = (self.model.row_at(i) for i in range(self.model.rowCount()))
        return {r.number for r in rows if r.id != self.editing}

    def _validate(self) -> dict[str, str]:
        """The draft's problems shown next to their fields (a pure check, no I/O)."""
        problems = views.draft_problems(self.form.draft(self.editing), self._taken())
        self.form.show_problems(problems)
        self.form.save_button.setEnabled(not problems and not self._saving)
        return problems

    # -- saving, status, deleting ------------------------------------------------------------------
    def save(self) -> None:
        problems = self._validate()
        if problems or self._saving:
            if problems:
                self.form.say("Not saved: " + "; ".join(problems.values()) + ".", ok=False)
            return
        draft = self.form.draft(self.editing)
        self._saving = True
        self.form.save_button.setEnabled(False)
        self._ops.write(
            self._writer,
            partial(views.save_station, event_id=self._reads.event_id, draft=draft),
            initiator=INITIATOR,
            on_done=partial(self._on_saved, draft.id is None),
            on_error=self._refused,
            on_finally=self._settled,
            label="Saving a station",
        )

    def _on_saved(self, created: bool, row: StationRow) -> None:
        self._upsert(row)
        self.edit_station(row.id)
        self.form.say(f"{'Added' if created else 'Saved'} {row.label}.")

    def _refused(self, failure: OpFailed) -> None:
        self.form.refused(failure.field, failure.message)

    def _settled(self) -> None:
        """The save ended: the button again, leaving a refusal beside its field."""
        self._saving = False
        problems = views.draft_problems(self.form.draft(self.editing), self._taken())
        self.form.save_button.setEnabled(not problems)

    def _on_status(self, button: QAbstractButton) -> None:
        status = self.form.status_of(button)
        row = self._row(self.editing)
        if row is None or status == row.status:
            return  # a new station: the status is part of the form
        if status != "closed":
            self._set_status(row.id, status)
            return
        self.form.check_status(row.status)  # until the answer
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
            self.form.show_status(row)
        self.form.say(f"{row.label} is {row.status} now.")

    def _on_status_refused(self, failure: OpFailed) -> None:
        row = self._row(self.editing)
        if row is not None:
            self.form.check_status(row.status)
        self.form.say(f"Not changed: {failure.message}", ok=False)

    def delete(self) -> None:
        row = self._row(self.editing)
        if row is None:
            return
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
            on_error=self._refused,
            label="Deleting a station",
        )

    def _on_removed(self, station_id: int, label: str) -> None:
        self._drop({station_id})
        if self.editing in (station_id, None):
            self.new_station()
        self.form.say(f"Deleted {label}.")

    # -- pairing ----------------------------------------------------------------------------------
    def pair_device(self) -> None:
        row = self._row(self.editing)
        if row is None:
            return
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
        self.form.makes.set_menu(menu)

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
        self.model.now = datetime.now(UTC)
        self.model.repaint_column(StationTableModel.CONNECTION)

    def _apply(self, ids: frozenset[int] | None, rows: list[StationRow]) -> None:
        self.model.now = datetime.now(UTC)
        if ids is None:
            self.model.set_rows(rows)
        else:
            fresh = {r.id for r in rows}
            self._drop(ids - fresh)
            for row in rows:
                self._upsert(row)
        self.empty.setVisible(self.model.rowCount() == 0)
        if self.editing is not None:
            editing = self._row(self.editing)
            if editing is None:
                self.form.say("That station was removed.", ok=None)
                self.new_station(keep_message=True)
            else:
                self.form.show_status(editing)
        elif self._untouched() and self._offered in self._taken():
            self.new_station(keep_message=True)  # offered before the stations were read
        self._validate()

    def _untouched(self) -> bool:
        """The new-station form as offered: nobody has typed in it or changed its number."""
        form = self.form
        typed = any(edit.text() for edit in (form.name, form.location, form.map_url))
        return not typed and form.number.value() == self._offered

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
