"""A walk-in order taken at the station by touch: drink → size → milk → extras, a quantity and
an optional name, one drink after another; or typed words read by the same parser customers'
texts go through, with the event's menu.

Only what this station can make now is offered (``sync.station_menu``: the routing rule over
the replica's capabilities and stock). A choice it could make but whose stock is out is left
out with a note ("Soy: out") so the barista knows why. The dialog follows the replica while it
is open (stock marked out elsewhere disappears) and places the order through the station
service — the outbox, online or offline; a local refusal is shown here and nothing is lost.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from expresso_desktop.core.items import DrinkSpec
from expresso_desktop.core.menu import NO_MILK
from expresso_desktop.core.sms.parser import SmsParser
from expresso_desktop.sync.events import ReplicaChanged
from expresso_desktop.sync.station_menu import Options, StationMenu, read_station_menu
from expresso_desktop.sync.station_service import StationService
from expresso_desktop.sync.station_stock import STOCK_ENTITIES
from expresso_desktop.ui.barista.main_window import SyncSignals
from expresso_desktop.ui.common.ops import OpFailed, OpRunner, SerialRead
from expresso_desktop.ui.common.widgets import plain_label

TOUCH_PX = 56  # a walk-in is tapped fast, at arm's length
COLUMNS = 5
NAME_MAX = 40

# What changes what the station can make: its stock (a Done takes a recipe: any order), its
# row (capabilities) and the event's menu.
MENU_ENTITIES = STOCK_ENTITIES | {"stations", "menu_configs"}

STYLE = """
QScrollArea, QWidget#walkInChoices { background: transparent; }
QDialog#walkInDialog QPushButton { min-height: 36px; }
QPushButton[choice="true"] { background: #efe6dc; color: #4a2c1a; border: 1px solid #cdbba8;
    font-size: 17px; }
QPushButton[choice="true"]:checked { background: #6b3f24; color: #ffffff; font-weight: 600;
    border: 2px solid #3d2414; }
QPushButton#secondary { background: #efe6dc; color: #4a2c1a; border: 1px solid #cdbba8; }
QLabel#step { font-size: 17px; font-weight: 600; color: #4a2c1a; margin-top: 6px; }
QLabel#summary { font-size: 20px; font-weight: 600; color: #2b1d14; background: #ffffff;
    border: 1px solid #e4d8cb; border-radius: 8px; padding: 10px; }
QLabel#outNote { color: #9b1c1c; font-weight: 600; }
QLabel#quantity { font-size: 26px; font-weight: 600; min-width: 48px; }
"""


@dataclass(frozen=True, slots=True)
class WalkInPlaced:
    """A walk-in was queued (outbox) and is in the replica: its order's id."""

    order_id: str


class ChoiceRow(QWidget):
    """One step's choices as touch buttons (checkable; one at a time unless ``many``) and a
    line of notes on what is out."""

    def __init__(self, on_change: Callable[[], None], *, many: bool = False) -> None:
        super().__init__()
        self._on_change = on_change
        self._buttons: dict[str, QPushButton] = {}
        self.group = QButtonGroup(self)
        self.group.setExclusive(not many)
        self.grid = QGridLayout()
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setSpacing(8)
        self.notes = plain_label(object_name="outNote")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self.grid)
        layout.addWidget(self.notes)

    def show_options(self, options: Options, chosen: Sequence[str]) -> None:
        """Buttons for ``options.offered`` (``chosen`` checked), its notes below."""
        for button in self._buttons.values():
            self.group.removeButton(button)
            self.grid.removeWidget(button)
            button.hide()
            button.deleteLater()
        self._buttons = {}
        for index, name in enumerate(options.offered):
            button = QPushButton()
            button.setCheckable(True)
            button.setProperty("choice", True)
            button.setMinimumSize(120, TOUCH_PX)
            button.setChecked(name in chosen)
            _label(button, name)
            button.toggled.connect(lambda on, b=button, n=name: self._toggled(b, n, on))
            self.group.addButton(button)
            self.grid.addWidget(button, index // COLUMNS, index % COLUMNS)
            self._buttons[name] = button
        self.notes.setText(" · ".join(options.notes))
        self.notes.setVisible(bool(options.notes))

    def chosen(self) -> tuple[str, ...]:
        return tuple(name for name, b in self._buttons.items() if b.isChecked())

    def offered(self) -> tuple[str, ...]:
        return tuple(self._buttons)

    def button(self, name: str) -> QPushButton:
        return self._buttons[name]

    def _toggled(self, button: QPushButton, name: str, on: bool) -> None:
        _label(button, name)
        if on or not self.group.exclusive():
            self._on_change()


def _label(button: QPushButton, name: str) -> None:
    """The choice's words, with a mark when chosen (never colour alone)."""
    words = "No milk" if name == NO_MILK else name[:1].upper() + name[1:]
    button.setText(f"✓ {words}" if button.isChecked() else words)


class WalkInDialog(QDialog):
    """The walk-in order dialog (open it with ``open()``).

    Signals:
        placed(WalkInPlaced) — the order was queued and is in the replica
    """

    placed = Signal(WalkInPlaced)

    def __init__(
        self,
        *,
        service: StationService,
        ops: OpRunner,
        signals: SyncSignals,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Walk-in order")
        self.setObjectName("walkInDialog")
        self.setStyleSheet(STYLE)
        self.resize(1180, 760)
        self._service, self._ops = service, ops
        self.station_menu: StationMenu | None = None
        self._parser: SmsParser | None = None
        self.lines: list[DrinkSpec] = []
        self.quantity = 1

        self.drinks = ChoiceRow(self._drink_chosen)
        self.sizes = ChoiceRow(self._size_chosen)
        self.milks = ChoiceRow(self._milk_chosen)
        self.extras = ChoiceRow(self._extras_chosen, many=True)
        choices = QWidget()
        choices.setObjectName("walkInChoices")
        steps = QVBoxLayout(choices)
        for title, row in (
            ("1  Drink", self.drinks),
            ("2  Size", self.sizes),
            ("3  Milk", self.milks),
            ("4  Extras", self.extras),
        ):
            steps.addWidget(plain_label(title, object_name="step"))
            steps.addWidget(row)
        steps.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(choices)
        scroll.viewport().setAutoFillBackground(False)

        self.text = QLineEdit()
        self.text.setPlaceholderText("Or type: 2 oat lattes for Sam")
        self.text.setMinimumHeight(TOUCH_PX - 8)
        self.text.returnPressed.connect(self.read_text)
        self.read_button = _button("Add typed", self.read_text, secondary=True)
        typed = QHBoxLayout()
        typed.addWidget(self.text, 1)
        typed.addWidget(self.read_button)

        self.name = QLineEdit()
        self.name.setPlaceholderText("Name (optional)")
        self.name.setMaxLength(NAME_MAX)
        self.name.setMinimumHeight(TOUCH_PX - 8)
        self.name.textChanged.connect(self._update)
        self.less = _button("−", lambda: self._step_quantity(-1), secondary=True)
        self.more = _button("+", lambda: self._step_quantity(1), secondary=True)
        for button in (self.less, self.more):
            button.setFixedWidth(TOUCH_PX + 8)
        self.quantity_label = plain_label("1", object_name="quantity")
        self.quantity_label.setWordWrap(False)
        self.quantity_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        amount = QHBoxLayout()
        amount.addWidget(plain_label("6  How many", object_name="step"))
        amount.addStretch(1)
        amount.addWidget(self.less)
        amount.addWidget(self.quantity_label)
        amount.addWidget(self.more)

        self.lines_label = plain_label(object_name="subtitle")
        self.summary = plain_label(object_name="summary")
        self.notice = plain_label(object_name="outNote")
        self.add_button = _button("Add another drink", self.add_line, secondary=True)
        self.cancel_button = _button("Cancel", self.reject, secondary=True)
        self.place_button = _button("Place order", self.place)
        buttons = QHBoxLayout()
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.place_button, 1)

        side = QVBoxLayout()
        side.addWidget(plain_label("Walk-in order", object_name="title"))
        side.addLayout(typed)
        side.addWidget(plain_label("5  Name", object_name="step"))
        side.addWidget(self.name)
        side.addLayout(amount)
        side.addWidget(self.lines_label)
        side.addWidget(self.summary)
        side.addWidget(self.notice)
        side.addStretch(1)
        side.addLayout(buttons)
        side_box = QWidget()
        side_box.setLayout(side)
        side_box.setFixedWidth(420)

        body = QHBoxLayout(self)
        body.addWidget(scroll, 1)
        body.addWidget(side_box)

        self.reads: SerialRead[str, StationMenu] = SerialRead(
            ops, self._read, self._apply, label="Reading what this station can make"
        )
        self._signals = signals
        signals.replica_changed.connect(self.on_replica_changed)
        self.finished.connect(self._closed)
        self._open = True
        self.summary.setText("Reading what this station can make…")
        self._update()
        self.reads.want(None)

    # -- reading -------------------------------------------------------------------------------
    def on_replica_changed(self, changed: ReplicaChanged) -> None:
        if changed.everything or changed.order_ids or changed.entities & MENU_ENTITIES:
            self.reads.want(None)

    def _closed(self, _result: int) -> None:
        """Done with: no more reads (one still on its way is dropped; the dialog may be gone)."""
        self._open = False
        self._signals.replica_changed.disconnect(self.on_replica_changed)

    def _read(self, _keys: frozenset[str] | None) -> StationMenu:
        return read_station_menu(self._service.replica)

    def _apply(self, _keys: frozenset[str] | None, menu: StationMenu) -> None:
        if not self._open:
            return
        self.station_menu = menu
        if self._parser is None or self._parser.menu is not menu.menu:
            self._parser = SmsParser(menu.menu)
        drink = self._one(self.drinks)
        options = menu.drinks()
        self.drinks.show_options(options, [drink] if drink in options.offered else [])
        self._drink_chosen()

    # -- the steps -----------------------------------------------------------------------------
    def _drink_chosen(self) -> None:
        menu, drink = self.station_menu, self._one(self.drinks)
        if menu is None or drink is None:
            for row in (self.sizes, self.milks, self.extras):
                row.show_options(Options(()), ())
            self._update()
            return
        options = menu.sizes(drink)
        size = self._one(self.sizes)
        size = size if size in options.offered else menu.default_size(options.offered)
        self.sizes.show_options(options, [size] if size else [])
        self._size_chosen()

    def _size_chosen(self) -> None:
        menu, drink, size = self.station_menu, self._one(self.drinks), self._one(self.sizes)
        if menu is None or drink is None or size is None:
            self.milks.show_options(Options(()), ())
            self._milk_chosen()
            return
        options = menu.milks(drink, size)
        milk = self._one(self.milks)
        milk = milk if milk in options.offered else menu.default_milk(drink, options.offered)
        self.milks.show_options(options, [milk] if milk else [])
        self._milk_chosen()

    def _milk_chosen(self) -> None:
        spec = self.current()
        if self.station_menu is None or spec is None:
            self.extras.show_options(Options(()), ())
        else:
            self.extras.show_options(
                self.station_menu.extras(replace(spec, extras=())), spec.extras
            )
        self._extras_chosen()

    def _extras_chosen(self) -> None:
        spec, menu = self.current(), self.station_menu
        if spec is not None and menu is not None:
            self.quantity = max(1, min(self.quantity, menu.max_quantity(spec)))
        self._update()

    def _step_quantity(self, step: int) -> None:
        self.quantity = max(1, self.quantity + step)
        self._extras_chosen()

    def current(self) -> DrinkSpec | None:
        """The drink being chosen (None until drink, size and milk are)."""
        drink, size, milk = self._one(self.drinks), self._one(self.sizes), self._one(self.milks)
        if drink is None or size is None or milk is None:
            return None
        return DrinkSpec(drink, size, milk, quantity=self.quantity, extras=self.extras.chosen())

    @staticmethod
    def _one(row: ChoiceRow) -> str | None:
        chosen = row.chosen()
        return chosen[0] if chosen else None

    # -- the order ---------------------------------------------------------------------------
    def add_line(self) -> None:
        """The drink being chosen joins the order; the steps start again."""
        spec = self.current()
        if spec is None:
            self.notice.setText("Choose a drink first.")
            return
        self.lines.append(spec)
        self.quantity = 1
        if self.station_menu is not None:
            self.drinks.show_options(self.station_menu.drinks(), ())
        self._drink_chosen()

    def read_text(self) -> None:
        """Typed words through the SMS parser (the event's menu); what the station cannot make
        now is said, the rest joins the order."""
        text, menu, parser = self.text.text().strip(), self.station_menu, self._parser
        if not text or menu is None or parser is None:
            return
        parsed = parser.parse(text)
        where = menu.station.name if menu.station is not None else "this station"
        refused = [
            f"{spec.summary(menu.menu)}: {where} {why.why}"
            for spec in parsed.items
            if (why := menu.why_not(spec)) is not None
        ]
        taken = [spec for spec in parsed.items if menu.why_not(spec) is None]
        self.lines.extend(taken)
        if parsed.name and not self.name.text().strip():
            self.name.setText(parsed.name)
        problems = refused + [f"not on the menu: {word}" for word in parsed.unserved]
        if not parsed.items:
            problems.insert(0, f"Could not read a drink in “{text}”.")
        self.notice.setText("\n".join(problems))
        if taken and not refused:
            self.text.clear()
        self._update()

    def order_items(self) -> list[DrinkSpec]:
        """What Place sends: the drinks added, and the one being chosen."""
        spec = self.current()
        return [*self.lines, *([spec] if spec is not None else [])]

    def place(self) -> None:
        items, name = self.order_items(), self.name.text().strip() or None
        if not items:
            self.notice.setText("Choose a drink first.")
            return
        service = self._service
        self.place_button.setEnabled(False)
        self._ops.query(
            lambda: service.walk_in(items, name),
            on_done=self._placed,
            on_error=self._refused,
            on_finally=self._update,
            label="Walk-in order",
        )

    def _placed(self, order_id: str) -> None:
        self.placed.emit(WalkInPlaced(order_id))
        self.accept()

    def _refused(self, failure: OpFailed) -> None:
        self.notice.setText(failure.text)  # a local refusal: nothing was queued

    def _update(self) -> None:
        menu, spec = self.station_menu, self.current()
        most = menu.max_quantity(spec) if menu is not None and spec is not None else 0
        self.quantity_label.setText(str(self.quantity))
        self.less.setEnabled(spec is not None and self.quantity > 1)
        self.more.setEnabled(spec is not None and self.quantity < most)
        self.add_button.setEnabled(spec is not None)
        items = self.order_items()
        self.place_button.setEnabled(bool(items))
        if menu is None:
            return
        self.lines_label.setText(
            "\n".join(f"{i}. {line.summary(menu.menu)}" for i, line in enumerate(self.lines, 1))
        )
        self.lines_label.setVisible(bool(self.lines))
        self.summary.setText(self.summary_line(items) if items else "Choose a drink")

    def summary_line(self, items: Sequence[DrinkSpec]) -> str:
        """``2× large oat latte, extra shot — for Sam``."""
        assert self.station_menu is not None
        what = "; ".join(item.summary(self.station_menu.menu) for item in items)
        name = self.name.text().strip()
        return f"{what} — for {name}" if name else what


def _button(text: str, action: Callable[[], None], *, secondary: bool = False) -> QPushButton:
    button = QPushButton(text)
    button.setMinimumHeight(TOUCH_PX)
    if secondary:
        button.setObjectName("secondary")
    button.clicked.connect(action)
    return button
