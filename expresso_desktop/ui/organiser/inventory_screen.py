"""The organiser's Inventory screen: pick a station (each listed with its warnings: "✕ 1 out ·
▲ 2 low"), see its stock items as bars (level against par, a tick at the low mark, OK / LOW /
OUT in words), and act on the selected item: restock (by default back to par), a physical count
(a new count generation: the organiser's reset), mark it out or back in, change its unit and
thresholds; or start tracking one of the menu's stock items.

Every action is ``services.stock_views`` (over the one stock rulebook, ``services.stock``) run
by the single writer. The screen follows the change feed: a drink made at a station, a
barista's restock or mark out arrive as ``stock_item_ids`` and re-read just those items, so a
bar drops as the drink is marked Done, without a refresh.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from PySide6.QtCore import (
    QItemSelection,
    QItemSelectionModel,
    QModelIndex,
    QRegularExpression,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDoubleSpinBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from expresso_desktop.core.menu import StockItemSpec
from expresso_desktop.services import stock_views
from expresso_desktop.services.pairing import StationChoice
from expresso_desktop.services.stock_views import ItemLimits, StockReads, StockRow, quantity
from expresso_desktop.services.writer import Writer
from expresso_desktop.ui.common.bridge import ChangeBridge, ChangesCommitted
from expresso_desktop.ui.common.keyed_table import Index, KeyedTableModel
from expresso_desktop.ui.common.ops import OpFailed, OpRunner, SerialRead
from expresso_desktop.ui.common.widgets import plain_label
from expresso_desktop.ui.organiser.editing import ERROR_STYLE, OK_STYLE, ROW_HEIGHT, capital
from expresso_desktop.ui.organiser.stock_bar import BAR_ROLE, Bar, StockBarDelegate

INITIATOR = "ui:inventory"
AMOUNT_MAX = stock_views.AMOUNT_MAX
NO_STATIONS = "No stations yet — add one on the Stations screen, then give it stock here."
NO_ITEMS = "{station} tracks no stock yet — add one from the menu's stock list with “Add an item”."
NOTHING_PICKED = "Select an item on the left to restock, count or mark it out."
SCREEN_STYLE = """
QPushButton { min-height: 28px; }
QDoubleSpinBox, QComboBox { min-height: 36px; }
QLineEdit { min-height: 20px; }
QPushButton#secondary { background: #efe6dc; color: #4a2c1a; border: 1px solid #cdbba8; }
QPushButton#secondary:hover { background: #e6d9cb; }
QGroupBox { font-weight: 600; border: 1px solid #e4d8cb; border-radius: 10px; margin-top: 14px;
  padding: 14px 10px 8px 10px; background: #ffffff; }
QGroupBox::title { subcontrol-origin: margin; left: 12px; padding: 0 4px; color: #4a2c1a; }
QLabel#itemTitle { font-size: 18px; font-weight: 600; color: #4a2c1a; }
QListWidget#stations { background: #faf6f0; border: 1px solid #e4d8cb; border-radius: 8px; }
QListWidget#stations::item { padding: 6px 10px; border-bottom: 1px solid #eee4d9; }
QListWidget#stations::item:selected { background: #ffffff; color: #2b1d14;
  border-left: 4px solid #6b3f24; }
"""


class StockTableModel(KeyedTableModel[StockRow]):
    """Every item of every station; a proxy shows one station's."""

    HEADERS = ("Item", "Level", "Status", "On hand")
    STATION_ROLE = Qt.ItemDataRole.UserRole + 2

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        column = index.column()
        if role == self.ID_ROLE:
            return row.id
        if role == self.STATION_ROLE:
            return str(row.station_id)
        if role == BAR_ROLE and column == 1:
            return Bar.of(row.level, row.par, row.low_threshold, row.state)
        if role in (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleTextRole):
            return _spoken(row) if column == 1 else None
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        return (row.label, "", row.state_word, row.amount)[column]


def _spoken(row: StockRow) -> str:
    low = f"; low at {quantity(row.low_threshold)} {row.unit}" if row.low_threshold else ""
    return f"{row.label}: {row.amount}{low} — {row.state_word}"


def _amount_box(name: str) -> QDoubleSpinBox:
    box = QDoubleSpinBox()
    box.setRange(0, AMOUNT_MAX)
    box.setDecimals(0)
    box.setGroupSeparatorShown(True)
    box.setAccessibleName(name)
    return box


def _error_label() -> QLabel:
    label = plain_label("")
    label.setStyleSheet(ERROR_STYLE)
    label.setVisible(False)
    return label


def _secondary(text: str) -> QPushButton:
    button = QPushButton(text)
    button.setObjectName("secondary")
    return button


class InventoryScreen(QWidget):
    def __init__(
        self,
        ops: OpRunner,
        writer: Writer,
        reads: StockReads,
        bridge: ChangeBridge,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setStyleSheet(SCREEN_STYLE)
        self._ops, self._writer, self._reads = ops, writer, reads
        self.station_id: int | None = None  # the station shown
        self.current: int | None = None  # the item the panel acts on
        self._stations: list[StationChoice] = []
        self._menu_items: tuple[StockItemSpec, ...] = ()
        self._touched: set[str] = set()  # amount boxes the user typed in since the last default

        self.stations = QListWidget()
        self.stations.setObjectName("stations")
        self.stations.setAccessibleName("Stations")
        self.stations.setFixedWidth(205)
        self.stations.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.model = StockTableModel()
        self.proxy = QSortFilterProxyModel()
        self.proxy.setSourceModel(self.model)
        self.proxy.setFilterRole(StockTableModel.STATION_ROLE)
        self.proxy.setFilterKeyColumn(0)
        self.proxy.setFilterRegularExpression(QRegularExpression("^$"))
        self.proxy.sort(0)
        self.table = self._table()
        self.empty = plain_label(NO_STATIONS, object_name="subtitle")

        middle = QVBoxLayout()
        middle.addWidget(self.table, 1)
        middle.addWidget(self.empty)
        right = QVBoxLayout()
        right.addWidget(self._item_panel())
        right.addWidget(self._add_panel())
        right.addStretch(1)
        right_widget = QWidget()
        right_widget.setLayout(right)
        right_widget.setFixedWidth(330)
        right.setContentsMargins(0, 0, 0, 0)
        columns = QHBoxLayout()
        columns.addWidget(self.stations)
        columns.addLayout(middle, 1)
        columns.addWidget(right_widget)
        layout = QVBoxLayout(self)
        layout.addWidget(plain_label("Inventory", object_name="title"))
        layout.addWidget(
            plain_label(
                "Each station's stock against its par level; the tick is the low mark. Marking "
                "an item out sends drinks that need it to another station.",
                object_name="subtitle",
            )
        )
        layout.addLayout(columns, 1)

        self.item_reads: SerialRead[int, list[StockRow]] = SerialRead(
            ops, reads.items, self._apply_items, label="Reading stock"
        )
        self.station_reads: SerialRead[int, list[StationChoice]] = SerialRead(
            ops, lambda _keys: reads.stations(), self._apply_stations, label="Reading stations"
        )
        self.stations.currentItemChanged.connect(self._on_station)
        bridge.committed.connect(self._on_committed)
        self.station_reads.want(None)
        self.item_reads.want(None)
        self._read_menu()
        self._show_item(None)

    # -- layout -----------------------------------------------------------------------------------
    def _table(self) -> QTableView:
        table = QTableView()
        table.setModel(self.proxy)
        table.setItemDelegateForColumn(1, StockBarDelegate(table))
        table.verticalHeader().setVisible(False)
        table.verticalHeader().setDefaultSectionSize(ROW_HEIGHT + 8)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setWordWrap(False)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setStretchLastSection(False)
        table.clicked.connect(self._on_pick)
        table.activated.connect(self._on_pick)
        return table

    def _item_panel(self) -> QGroupBox:
        self.item_title = plain_label("", object_name="itemTitle")
        self.item_state = plain_label("")
        self.restock_qty = _amount_box("Restock amount")
        self.restock_unit = plain_label("")
        self.restock_button = QPushButton("Restock")
        self.restock_hint = plain_label("", object_name="subtitle")
        self.count_value = _amount_box("Counted amount")
        self.count_unit = plain_label("")
        self.count_button = _secondary("Record count")
        self.out_button = _secondary("Mark out")
        self.out_hint = plain_label("", object_name="subtitle")
        self.unit = QLineEdit()
        self.unit.setMaxLength(stock_views.UNIT_MAX)
        self.unit.setAccessibleName("Unit")
        self.low = _amount_box("Low mark")
        self.par = _amount_box("Par level")
        self.limits_button = _secondary("Save limits")
        self.message = plain_label("")
        self.errors = {
            "qty": _error_label(),
            "count": _error_label(),
            "unit": _error_label(),
            "low_threshold": _error_label(),
            "par": _error_label(),
        }

        restock = QHBoxLayout()
        restock.addWidget(self.restock_qty, 1)
        restock.addWidget(self.restock_unit)
        restock.addWidget(self.restock_button)
        count = QHBoxLayout()
        count.addWidget(self.count_value, 1)
        count.addWidget(self.count_unit)
        count.addWidget(self.count_button)
        out = QHBoxLayout()
        out.addWidget(self.out_button)
        out.addWidget(self.out_hint, 1)
        limits = QGridLayout()
        for column, (title, field) in enumerate(
            (("Low at", self.low), ("Par", self.par), ("Unit", self.unit))
        ):
            limits.addWidget(plain_label(title, object_name="subtitle"), 0, column)
            limits.addWidget(field, 1, column)
        limits.setColumnStretch(0, 3)
        limits.setColumnStretch(1, 3)
        limits.setColumnStretch(2, 2)
        save = QHBoxLayout()
        save.addWidget(self.message, 1)
        save.addWidget(self.limits_button, 0, Qt.AlignmentFlag.AlignTop)
        self.item_box = QGroupBox("Item")
        box = QVBoxLayout(self.item_box)
        box.addWidget(self.item_title)
        box.addWidget(self.item_state)
        box.addLayout(restock)
        box.addWidget(self.restock_hint)
        box.addWidget(self.errors["qty"])
        box.addLayout(count)
        box.addWidget(self.errors["count"])
        box.addLayout(out)
        box.addLayout(limits)
        for key in ("low_threshold", "par", "unit"):
            box.addWidget(self.errors[key])
        box.addLayout(save)

        self.restock_qty.valueChanged.connect(lambda _v: self._touched.add("qty"))
        self.count_value.valueChanged.connect(lambda _v: self._touched.add("count"))
        self.restock_button.clicked.connect(self.restock)
        self.count_button.clicked.connect(self.count)
        self.out_button.clicked.connect(self.toggle_out)
        self.limits_button.clicked.connect(self.save_limits)
        return self.item_box

    def _add_panel(self) -> QGroupBox:
        self.add_choice = QComboBox()
        self.add_choice.setAccessibleName("Item to add")
        self.add_level = _amount_box("Amount on hand")
        self.add_unit = plain_label("")
        self.add_button = _secondary("Add")
        self.add_error = _error_label()
        self.add_box = QGroupBox("Add an item")
        level = QHBoxLayout()
        level.addWidget(QLabel("On hand"))
        level.addWidget(self.add_level, 1)
        level.addWidget(self.add_unit)
        level.addWidget(self.add_button)
        box = QVBoxLayout(self.add_box)
        box.addWidget(self.add_choice)
        box.addLayout(level)
        box.addWidget(self.add_error)
        self.add_choice.currentIndexChanged.connect(self._on_add_choice)
        self.add_button.clicked.connect(self.add_item)
        return self.add_box

    # -- reading ----------------------------------------------------------------------------------
    def _on_committed(self, event: ChangesCommitted) -> None:
        if event.by(INITIATOR):
            return  # our own action: its result is already shown
        if event.stock_item_ids:
            self.item_reads.want(event.stock_item_ids)
        if event.station_ids:
            self.station_reads.want(None)
        if event.touches(("menu_configs",)):
            self._read_menu()

    def _read_menu(self) -> None:
        self._ops.query(self._reads.menu_items, on_done=self._apply_menu, label="Reading the menu")

    def _apply_menu(self, specs: tuple[StockItemSpec, ...]) -> None:
        self._menu_items = specs
        self._fill_addable()

    def _apply_stations(self, _keys: frozenset[int] | None, stations: list[StationChoice]) -> None:
        self._stations = stations
        wanted = [s.id for s in stations]
        shown = [
            self.stations.item(i).data(Qt.ItemDataRole.UserRole)
            for i in range(self.stations.count())
        ]
        if shown != wanted:
            keep = self.station_id
            self.stations.blockSignals(True)
            self.stations.clear()
            for station in stations:
                item = QListWidgetItem()
                item.setData(Qt.ItemDataRole.UserRole, station.id)
                self.stations.addItem(item)
            self.stations.blockSignals(False)
            at = wanted.index(keep) if keep in wanted else (0 if wanted else -1)
            self.stations.setCurrentRow(at)
            if at < 0:
                self._on_station(None)
        self._label_stations()

    def _apply_items(self, ids: frozenset[int] | None, rows: list[StockRow]) -> None:
        if ids is None:
            self.model.set_rows(rows)
        else:
            fresh = {r.id: r for r in rows}
            current = [self.model.row_at(i) for i in range(self.model.rowCount())]
            kept = [fresh.pop(r.id, r) for r in current if r.id not in ids or r.id in fresh]
            self.model.set_rows([*kept, *fresh.values()])
        self._after_items()

    def _after_items(self) -> None:
        self._label_stations()
        self._fill_addable()
        self._show_empty()
        at = self.model.row_of(self.current) if self.current is not None else None
        if self.current is not None and at is None:
            self.message.setText("That item is no longer tracked.")
            self.message.setStyleSheet("")
        self._show_item(self.model.row_at(at) if at is not None else None, fresh=False)

    def _rows(self) -> list[StockRow]:
        return [self.model.row_at(i) for i in range(self.model.rowCount())]

    def _label_stations(self) -> None:
        warned = stock_views.warnings(self._rows())
        for i in range(self.stations.count()):
            item = self.stations.item(i)
            station = self._stations[i]
            stock = warned.get(station.id)
            item.setText(f"{station.label}\n{stock.text if stock else '— no stock tracked'}")
            item.setToolTip(station.label)

    def _show_empty(self) -> None:
        if not self._stations:
            text = NO_STATIONS
        elif self.proxy.rowCount() == 0:
            text = NO_ITEMS.format(station=self._station_label())
        else:
            text = ""
        self.empty.setText(text)
        self.empty.setVisible(bool(text))

    # -- choosing ---------------------------------------------------------------------------------
    def show_station(self, station_id: int) -> None:
        """Show ``station_id``'s stock (as if picked in the list)."""
        for i in range(self.stations.count()):
            if self.stations.item(i).data(Qt.ItemDataRole.UserRole) == station_id:
                self.stations.setCurrentRow(i)

    def _on_station(self, item: QListWidgetItem | None, _previous: object = None) -> None:
        self.station_id = None if item is None else int(item.data(Qt.ItemDataRole.UserRole))
        key = "" if self.station_id is None else str(self.station_id)
        self.proxy.setFilterRegularExpression(QRegularExpression(f"^{key}$"))
        self.current = None
        self.table.clearSelection()
        self.message.setText("")
        self._show_item(None)
        self._fill_addable()
        self._show_empty()

    def select_item(self, item_id: int) -> None:
        """Act on ``item_id`` (shown if it is the station's)."""
        at = self.model.row_of(item_id)
        if at is None:
            return
        source = self.model.index(at, 0)
        index = self.proxy.mapFromSource(source)
        if index.isValid():
            self.table.selectionModel().select(
                QItemSelection(index, index.siblingAtColumn(self.proxy.columnCount() - 1)),
                QItemSelectionModel.SelectionFlag.ClearAndSelect,
            )
        self._pick(self.model.row_at(at))

    def _on_pick(self, index: QModelIndex) -> None:
        if index.isValid():
            source = self.proxy.mapToSource(index)
            self._pick(self.model.row_at(source.row()))

    def _pick(self, row: StockRow) -> None:
        if row.id != self.current:
            self.current = row.id
            self.message.setText("")
            self._show_item(row)

    # -- the item panel ---------------------------------------------------------------------------
    def _show_item(self, row: StockRow | None, *, fresh: bool = True) -> None:
        """The panel for ``row`` (None: nothing picked). ``fresh``: a new pick or after our own
        action, so the amount boxes take their defaults again; else only what the user has
        not typed in follows the row."""
        picked = row is not None
        for widget in (
            self.restock_qty,
            self.restock_button,
            self.count_value,
            self.count_button,
            self.out_button,
            self.unit,
            self.low,
            self.par,
            self.limits_button,
        ):
            widget.setEnabled(picked)
        if row is None:
            self.item_box.setTitle("Item")
            self.item_title.setText("")
            self.item_state.setText(NOTHING_PICKED)
            self.restock_hint.setText("")
            self.out_hint.setText("")
            for label in (self.restock_unit, self.count_unit):
                label.setText("")
            self._clear_errors()
            return
        if fresh:
            self._touched.clear()
            self._clear_errors()
            self.unit.setText(row.unit)
            self.low.setValue(row.low_threshold)
            self.par.setValue(row.par)
        self.item_box.setTitle(self._station_label())
        self.item_title.setText(row.label)
        low = f" · low at {quantity(row.low_threshold)} {row.unit}" if row.low_threshold else ""
        self.item_state.setText(f"{row.state_word} — {row.amount}{low}")
        self.restock_unit.setText(row.unit)
        self.count_unit.setText(row.unit)
        self._set_default(self.restock_qty, "qty", row.to_par or row.par or 1)
        self._set_default(self.count_value, "count", max(0.0, row.level))
        self.restock_hint.setText(
            f"Back to par: +{quantity(row.to_par)} {row.unit}"
            if row.to_par
            else "At or over par: type how much arrived"
        )
        counted = f"Counted {row.generation} times. " if row.generation else ""
        self.count_button.setToolTip(
            f"{counted}A physical count sets the level to what you counted; uses recorded "
            "before it are not taken off again."
        )
        self.out_button.setText("Back in stock" if row.marked_out else "Mark out")
        self.out_hint.setText(
            "Marked out: drinks that need it go to other stations."
            if row.marked_out
            else "Ran out? Drinks that need it then go to other stations."
        )

    def _set_default(self, box: QDoubleSpinBox, key: str, value: float) -> None:
        if key in self._touched:
            return
        box.blockSignals(True)
        box.setValue(value)
        box.blockSignals(False)

    def _clear_errors(self) -> None:
        for label in self.errors.values():
            label.setVisible(False)
        self.add_error.setVisible(False)

    def _station_label(self) -> str:
        return next((s.label for s in self._stations if s.id == self.station_id), "")

    def _picked(self) -> StockRow | None:
        at = self.model.row_of(self.current) if self.current is not None else None
        return self.model.row_at(at) if at is not None else None

    # -- actions ----------------------------------------------------------------------------------
    def restock(self) -> None:
        row = self._picked()
        if row is None:
            return
        qty = self.restock_qty.value()
        done = f"Restocked {row.label}: +{quantity(qty)} {row.unit}."
        self._act(partial(stock_views.restock_item, item_id=row.id, qty=qty), done, "Restocking")

    def count(self) -> None:
        row = self._picked()
        if row is None:
            return
        counted = self.count_value.value()
        done = f"Counted {row.label}: {quantity(counted)} {row.unit}."
        self._act(
            partial(stock_views.count_item, item_id=row.id, counted=counted),
            done,
            "Recording a count",
        )

    def toggle_out(self) -> None:
        row = self._picked()
        if row is None:
            return
        out = not row.marked_out
        where = self._station_label()
        done = (
            f"{row.label} is marked out at {where}."
            if out
            else f"{row.label} is back in at {where}."
        )
        self._act(partial(stock_views.mark_item, item_id=row.id, out=out), done, "Marking stock")

    def save_limits(self) -> None:
        row = self._picked()
        if row is None:
            return
        limits = ItemLimits(self.unit.text(), self.low.value(), self.par.value())
        done = f"Saved the limits of {row.label}."
        self._act(
            partial(stock_views.set_limits, item_id=row.id, limits=limits), done, "Saving limits"
        )

    def _act(self, fn: Any, done: str, label: str) -> None:
        self._clear_errors()
        self._ops.write(
            self._writer,
            fn,
            initiator=INITIATOR,
            on_done=partial(self._applied, done),
            on_error=self._failed,
            label=label,
        )

    def _applied(self, text: str, row: StockRow) -> None:
        self.model.upsert([row])
        self._label_stations()
        if row.id == self.current:
            self._show_item(row)
        self.message.setText(text)
        self.message.setStyleSheet(OK_STYLE)

    def _failed(self, failure: OpFailed) -> None:
        label = self.errors.get(failure.field or "")
        if label is not None:
            label.setText(f"✕ {capital(failure.message)}")
            label.setVisible(True)
        self.message.setText(f"Not done: {failure.message}")
        self.message.setStyleSheet(ERROR_STYLE)

    # -- adding -----------------------------------------------------------------------------------
    def _fill_addable(self) -> None:
        current = self.add_choice.currentData()
        specs = (
            stock_views.addable(self._menu_items, self._rows(), self.station_id)
            if self.station_id is not None
            else []
        )
        self.add_choice.blockSignals(True)
        self.add_choice.clear()
        for spec in specs:
            self.add_choice.addItem(stock_views.label_of(spec.name), spec.name)
        at = self.add_choice.findData(current)
        self.add_choice.setCurrentIndex(at if at >= 0 else 0 if specs else -1)
        self.add_choice.blockSignals(False)
        self.add_button.setEnabled(bool(specs))
        self.add_level.setEnabled(bool(specs))
        if self.add_choice.currentData() != current:
            self._on_add_choice()

    def _spec(self) -> StockItemSpec | None:
        name = self.add_choice.currentData()
        return next((s for s in self._menu_items if s.name == name), None)

    def _on_add_choice(self) -> None:
        spec = self._spec()
        self.add_level.setValue(spec.par if spec is not None else 0)
        self.add_unit.setText(spec.unit if spec is not None else "")
        self.add_error.setVisible(False)

    def add_item(self) -> None:
        spec = self._spec()
        station = self.station_id
        if spec is None or station is None:
            return
        self.add_error.setVisible(False)
        self._ops.write(
            self._writer,
            partial(
                stock_views.add_item,
                station_id=station,
                name=spec.name,
                limits=ItemLimits(spec.unit or "units", spec.low, spec.par),
                level=self.add_level.value(),
            ),
            initiator=INITIATOR,
            on_done=self._added,
            on_error=self._add_failed,
            label="Adding an item",
        )

    def _added(self, row: StockRow) -> None:
        self.model.upsert([row])
        self._after_items()
        self.select_item(row.id)
        self.message.setText(f"{self._station_label()} now tracks {row.label}.")
        self.message.setStyleSheet(OK_STYLE)

    def _add_failed(self, failure: OpFailed) -> None:
        self.add_error.setText(f"✕ {capital(failure.message)}")
        self.add_error.setVisible(True)
