"""The Inventory screen's panel for one stock item: its state in words, restock (by default back
to par), a physical count (a new count generation: the organiser's reset), mark it out or back
in, and its limits (low mark, par, unit) — each through ``services.stock_views`` on the single
writer, a refusal shown beside its field.

The panel keeps what the user typed: when the item changes elsewhere (a drink made, a
barista's restock) its state follows, and an amount box takes the new default only if the user
has not typed in it."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from expresso_desktop.services import stock_views
from expresso_desktop.services.stock_views import ItemLimits, StockRow, quantity
from expresso_desktop.services.writer import Writer
from expresso_desktop.ui.common.ops import OpFailed, OpRunner
from expresso_desktop.ui.common.widgets import plain_label
from expresso_desktop.ui.organiser.editing import ERROR_STYLE, OK_STYLE, capital
from expresso_desktop.ui.organiser.form_parts import error_label

INITIATOR = "ui:inventory"
NOTHING_PICKED = "Select an item on the left to restock, count or mark it out."
FIELDS = ("qty", "count", "low_threshold", "par", "unit")


def amount_box(name: str) -> QDoubleSpinBox:
    box = QDoubleSpinBox()
    box.setRange(0, stock_views.AMOUNT_MAX)
    box.setDecimals(0)
    box.setGroupSeparatorShown(True)
    box.setAccessibleName(name)
    return box


def secondary_button(text: str) -> QPushButton:
    button = QPushButton(text)
    button.setObjectName("secondary")
    return button


class StockItemPanel(QGroupBox):
    """``applied(row)`` is called with the item as an action left it (the screen's table)."""

    def __init__(
        self,
        ops: OpRunner,
        writer: Writer,
        applied: Callable[[StockRow], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__("Item", parent)
        self._ops, self._writer, self._applied = ops, writer, applied
        self.row: StockRow | None = None
        self._station = ""
        self._touched: set[str] = set()  # amount boxes typed in since their last default

        self.heading = plain_label("", object_name="itemTitle")
        self.state = plain_label("")
        self.restock_qty = amount_box("Restock amount")
        self.restock_unit = plain_label("")
        self.restock_button = QPushButton("Restock")
        self.restock_hint = plain_label("", object_name="subtitle")
        self.count_value = amount_box("Counted amount")
        self.count_unit = plain_label("")
        self.count_button = secondary_button("Record count")
        self.out_button = secondary_button("Mark out")
        self.out_hint = plain_label("", object_name="subtitle")
        self.low = amount_box("Low mark")
        self.par = amount_box("Par level")
        self.unit = QLineEdit()
        self.unit.setMaxLength(stock_views.UNIT_MAX)
        self.unit.setAccessibleName("Unit")
        self.limits_button = secondary_button("Save limits")
        self.message = plain_label("")
        self.errors = {field: error_label() for field in FIELDS}
        self._lay_out()

        self.restock_qty.valueChanged.connect(lambda _v: self._touched.add("qty"))
        self.count_value.valueChanged.connect(lambda _v: self._touched.add("count"))
        self.restock_button.clicked.connect(self.restock)
        self.count_button.clicked.connect(self.count)
        self.out_button.clicked.connect(self.toggle_out)
        self.limits_button.clicked.connect(self.save_limits)
        self.show_item(None, "")

    def _lay_out(self) -> None:
        box = QVBoxLayout(self)
        box.addWidget(self.heading)
        box.addWidget(self.state)
        for amount, unit, button in (
            (self.restock_qty, self.restock_unit, self.restock_button),
            (self.count_value, self.count_unit, self.count_button),
        ):
            row = QHBoxLayout()
            row.addWidget(amount, 1)
            row.addWidget(unit)
            row.addWidget(button)
            box.addLayout(row)
            if amount is self.restock_qty:
                box.addWidget(self.restock_hint)
                box.addWidget(self.errors["qty"])
        box.addWidget(self.errors["count"])
        out = QHBoxLayout()
        out.addWidget(self.out_button)
        out.addWidget(self.out_hint, 1)
        box.addLayout(out)
        limits = QGridLayout()
        for column, (title, field, stretch) in enumerate(
            (("Low at", self.low, 3), ("Par", self.par, 3), ("Unit", self.unit, 2))
        ):
            limits.addWidget(plain_label(title, object_name="subtitle"), 0, column)
            limits.addWidget(field, 1, column)
            limits.setColumnStretch(column, stretch)
        box.addLayout(limits)
        for key in ("low_threshold", "par", "unit"):
            box.addWidget(self.errors[key])
        save = QHBoxLayout()
        save.addWidget(self.message, 1)
        save.addWidget(self.limits_button, 0, Qt.AlignmentFlag.AlignTop)
        box.addLayout(save)

    # -- showing ----------------------------------------------------------------------------------
    def show_item(self, row: StockRow | None, station: str, *, fresh: bool = True) -> None:
        """The panel for ``row`` at ``station`` (None: nothing picked). ``fresh``: a new pick
        or after our own action, so the amount boxes and limits take the row's values again."""
        self.row, self._station = row, station
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
            widget.setEnabled(row is not None)
        if fresh:
            self._touched.clear()
            self.clear_errors()
        if row is None:
            self.setTitle("Item")
            for label in (self.heading, self.restock_hint, self.out_hint):
                label.setText("")
            for label in (self.restock_unit, self.count_unit):
                label.setText("")
            self.state.setText(NOTHING_PICKED)
            return
        if fresh:
            self.unit.setText(row.unit)
            self.low.setValue(row.low_threshold)
            self.par.setValue(row.par)
        self.setTitle(station)
        self.heading.setText(row.label)
        low = f" · low at {quantity(row.low_threshold)} {row.unit}" if row.low_threshold else ""
        self.state.setText(f"{row.state_word} — {row.amount}{low}")
        self.restock_unit.setText(row.unit)
        self.count_unit.setText(row.unit)
        self._default(self.restock_qty, "qty", row.to_par or row.par or 1)
        self._default(self.count_value, "count", max(0.0, row.level))
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

    def _default(self, box: QDoubleSpinBox, key: str, value: float) -> None:
        if key in self._touched:
            return
        box.blockSignals(True)
        box.setValue(value)
        box.blockSignals(False)

    def clear_errors(self) -> None:
        for label in self.errors.values():
            label.setVisible(False)

    def say(self, text: str, *, ok: bool | None = True) -> None:
        self.message.setText(text)
        self.message.setStyleSheet("" if ok is None else OK_STYLE if ok else ERROR_STYLE)

    # -- actions ----------------------------------------------------------------------------------
    def restock(self) -> None:
        row = self.row
        if row is not None:
            qty = self.restock_qty.value()
            done = f"Restocked {row.label}: +{quantity(qty)} {row.unit}."
            self._act(partial(stock_views.restock_item, item_id=row.id, qty=qty), done)

    def count(self) -> None:
        row = self.row
        if row is not None:
            counted = self.count_value.value()
            done = f"Counted {row.label}: {quantity(counted)} {row.unit}."
            self._act(partial(stock_views.count_item, item_id=row.id, counted=counted), done)

    def toggle_out(self) -> None:
        row = self.row
        if row is not None:
            out = not row.marked_out
            state = "marked out" if out else "back in"
            done = f"{row.label} is {state} at {self._station}."
            self._act(partial(stock_views.mark_item, item_id=row.id, out=out), done)

    def save_limits(self) -> None:
        row = self.row
        if row is not None:
            limits = ItemLimits(self.unit.text(), self.low.value(), self.par.value())
            done = f"Saved the limits of {row.label}."
            self._act(partial(stock_views.set_limits, item_id=row.id, limits=limits), done)

    def _act(self, fn: Callable[[Any], StockRow], done: str) -> None:
        self.clear_errors()
        self._ops.write(
            self._writer,
            fn,
            initiator=INITIATOR,
            on_done=partial(self._done, done),
            on_error=self._failed,
            label="Changing stock",
        )

    def _done(self, text: str, row: StockRow) -> None:
        self._applied(row)
        if self.row is not None and row.id == self.row.id:
            self.show_item(row, self._station)
        self.say(text)

    def _failed(self, failure: OpFailed) -> None:
        label = self.errors.get(failure.field or "")
        if label is not None:
            label.setText(f"✕ {capital(failure.message)}")
            label.setVisible(True)
        self.say(f"Not done: {failure.message}", ok=False)
