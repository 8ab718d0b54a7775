"""The all-day strip above the queue: drinks still to make (new and in progress) counted by
drink and milk — "5 oat latte · 3 flat white" — so a barista steams milk for a batch. Each
count is a toggle: the ones pressed select their orders' cards, and the batch bar then offers
"Start N" / "Done M" for them (the window applies it, one outbox record per order)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QPushButton, QScrollArea, QWidget

from expresso_desktop.core.menu import NO_MILK, Menu
from expresso_desktop.core.orders import Action
from expresso_desktop.ui.barista.queue_model import DrinkKey
from expresso_desktop.ui.common.widgets import plain_label

TOUCH_PX = 56


@dataclass(frozen=True, slots=True)
class DrinksPicked:
    """The counts pressed now (empty: none)."""

    keys: frozenset[DrinkKey]


@dataclass(frozen=True, slots=True)
class BatchRequested:
    action: Action


def drink_words(key: DrinkKey, menu: Menu) -> str:
    """``oat latte``; the milk left out when it is the drink's usual one (or none)."""
    drink, milk = key
    if milk in (NO_MILK, menu.default_milk_for(drink)):
        return drink
    return f"{milk} {drink}"


class AllDayStrip(QWidget):
    """Signals:
    picked(DrinksPicked) — the counts pressed changed
    batch(BatchRequested) — Start N / Done M was pressed for the selected cards
    """

    picked = Signal(DrinksPicked)
    batch = Signal(BatchRequested)

    def __init__(self, menu: Menu, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("allDay")
        self._menu = menu
        self.buttons: dict[DrinkKey, QPushButton] = {}
        self._counts: Counter[DrinkKey] = Counter()

        self.title = plain_label("All day", object_name="allDayTitle")
        self.title.setWordWrap(False)
        self.empty = plain_label("Nothing to make", object_name="allDayEmpty")
        self._row = QHBoxLayout()
        self._row.setContentsMargins(0, 0, 0, 0)
        self._row.setSpacing(8)
        self._row.addWidget(self.empty)
        self._row.addStretch(1)
        strip = QWidget()
        strip.setLayout(self._row)
        scroll = QScrollArea()
        scroll.setObjectName("allDayScroll")
        scroll.setWidget(strip)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setFixedHeight(TOUCH_PX + 12)

        self.batch_bar = QFrame()
        self.batch_bar.setObjectName("batchBar")
        self.batch_text = plain_label(object_name="batchText")
        self.batch_text.setWordWrap(False)
        self.start_button = QPushButton()
        self.done_button = QPushButton()
        self.clear_button = QPushButton("Clear")
        self.clear_button.setObjectName("secondary")
        for button in (self.start_button, self.done_button, self.clear_button):
            button.setMinimumHeight(TOUCH_PX)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.start_button.clicked.connect(lambda: self.batch.emit(BatchRequested(Action.START)))
        self.done_button.clicked.connect(lambda: self.batch.emit(BatchRequested(Action.READY)))
        self.clear_button.clicked.connect(self.clear)
        bar = QHBoxLayout(self.batch_bar)
        bar.setContentsMargins(12, 4, 4, 4)
        bar.addWidget(self.batch_text, 1)
        bar.addWidget(self.start_button)
        bar.addWidget(self.done_button)
        bar.addWidget(self.clear_button)
        self.batch_bar.hide()

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.batch_bar)

    def selected(self) -> frozenset[DrinkKey]:
        return frozenset(k for k, b in self.buttons.items() if b.isChecked())

    def show_counts(self, counts: Counter[DrinkKey]) -> None:
        """The counts now; buttons kept (and their toggles) for drinks still counted."""
        if counts == self._counts:
            return
        self._counts = Counter(counts)
        before = self.selected()
        for key in [k for k in self.buttons if k not in counts]:
            self.buttons.pop(key).deleteLater()
        ordered = sorted(counts.items(), key=lambda kv: (-kv[1], drink_words(kv[0], self._menu)))
        for place, (key, count) in enumerate(ordered):
            button = self.buttons.get(key)
            if button is None:
                button = QPushButton()
                button.setObjectName("allDayCount")
                button.setCheckable(True)
                button.setMinimumHeight(TOUCH_PX)
                button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
                button.toggled.connect(self._toggled)
                self.buttons[key] = button
            text = f"{count} {drink_words(key, self._menu)}"
            if button.text() != text:  # only what changed: each change relays the strip out
                button.setText(text)
            if self._row.indexOf(button) != place:
                self._row.insertWidget(place, button)
        self.empty.setVisible(not counts)
        if self.selected() != before:
            self.picked.emit(DrinksPicked(self.selected()))

    def show_batch(self, to_start: int, to_finish: int) -> None:
        """The batch bar for the selected cards: how many can start, how many can be done."""
        if not (to_start or to_finish):
            self.batch_bar.hide()
            return
        self.batch_text.setText(f"{to_start + to_finish} selected")
        self.start_button.setText(f"Start {to_start}")
        self.done_button.setText(f"Done {to_finish}")
        self.start_button.setVisible(bool(to_start))
        self.done_button.setVisible(bool(to_finish))
        self.batch_bar.show()

    def clear(self) -> None:
        for button in self.buttons.values():
            button.blockSignals(True)
            button.setChecked(False)
            button.blockSignals(False)
        self.picked.emit(DrinksPicked(frozenset()))

    def _toggled(self, _checked: bool) -> None:
        self.picked.emit(DrinksPicked(self.selected()))
