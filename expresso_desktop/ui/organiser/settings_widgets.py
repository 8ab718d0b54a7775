"""Pieces the Settings screen's sections share: a section page (title, what it is for, its
fields in a scroll area, and a footer saying "Saved" or why not, with Revert and Save), an error
line under a field, and a colour field (a swatch that opens a colour picker, and the hex code).

Errors and results are a word and a mark, never colour alone ("✓ Saved", "⚠ …")."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import Signal, SignalInstance
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QColorDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from expresso_desktop.services.event_admin import SettingsPage
from expresso_desktop.services.writer import Tx, Writer
from expresso_desktop.ui.common.ops import OpFailed, OpRunner
from expresso_desktop.ui.common.widgets import plain_label

INITIATOR = "ui:settings"
HEX = re.compile(r"^#[0-9a-fA-F]{6}$")
FORM_WIDTH = 760  # a form wider than this is hard to read across
NOT_A_COLOUR = (  # the swatch of a code that is no colour: a "?" on a dashed outline
    "QPushButton#swatch { background: #ffffff; color: #9b1c1c; border: 2px dashed #9b1c1c; }"
)


def error_line() -> QLabel:
    """An error line under a field: hidden while the field is right."""
    label = plain_label(object_name="fieldError")
    label.setVisible(False)
    return label


def show_error(label: QLabel, reason: str | None) -> None:
    label.setText(f"⚠ {reason}" if reason else "")
    label.setVisible(bool(reason))


def field_matches(field: str, key: str) -> bool:
    """Does the error's ``field`` ("milk_colours.oat", "vip_codes[2]") belong to ``key``?"""
    return field == key or field.startswith((f"{key}.", f"{key}["))


class SectionPage(QScrollArea):
    """One section: ``body`` (a vertical layout) takes its fields; the footer has the result
    line and Revert/Save. ``fill(page)`` shows a page's values; ``errors`` maps a field (as a
    ValidationError names it) to the error line under it. A section that saves per action (the
    menu) has no footer buttons."""

    def __init__(
        self, title: str, about: str, ops: OpRunner, writer: Writer, *, buttons: bool = True
    ) -> None:
        super().__init__()
        self.title = title
        self.ops, self.writer = ops, writer
        self.errors: dict[str, QLabel] = {}
        self.page: SettingsPage | None = None
        # Set by the screen: the page after this section's save goes to the other sections.
        self.share: Callable[[SettingsPage], None] | None = None
        self._loading = False
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        inner = QWidget()
        inner.setObjectName("settingsSection")
        outer = QVBoxLayout(inner)
        outer.setContentsMargins(24, 16, 24, 16)
        column = QWidget()
        column.setMaximumWidth(FORM_WIDTH)
        self.body = QVBoxLayout(column)
        self.body.setContentsMargins(0, 0, 0, 0)
        self.body.setSpacing(10)
        self.body.addWidget(plain_label(title, object_name="title"))
        self.body.addWidget(plain_label(about, object_name="subtitle"))
        outer.addWidget(column)
        outer.addStretch(1)
        self.setWidget(inner)
        self.result = plain_label(object_name="sectionResult")
        self.result.setAccessibleName(f"{title}: result")
        self.save_button = QPushButton("Save")
        self.revert_button = QPushButton("Revert")
        self.revert_button.setObjectName("secondary")
        self.revert_button.setToolTip("Forget the edits not saved yet")
        self.footer = QHBoxLayout()
        if buttons:  # else the section puts ``result`` where its actions are
            self.footer.addWidget(self.result, 1)
            self.footer.addWidget(self.revert_button)
            self.footer.addWidget(self.save_button)
        self.dirty = False
        self.set_dirty(False)
        self.save_button.clicked.connect(self.save)
        self.revert_button.clicked.connect(self.revert)

    def finish(self) -> None:
        """Put the footer under the fields (call once the fields are in)."""
        self.body.addSpacing(8)
        self.body.addLayout(self.footer)

    # -- showing a page ------------------------------------------------------------------------
    def load(self, page: SettingsPage) -> None:
        """Show ``page`` (the fields' edits are replaced)."""
        self.page = page
        self._loading = True
        try:
            self.fill(page)
        finally:
            self._loading = False
        for label in self.errors.values():
            show_error(label, None)
        self.set_dirty(False)

    def offer(self, page: SettingsPage, *, elsewhere: bool = True) -> None:
        """A newer ``page``: shown at once unless edits here are not saved (then Revert shows
        it; ``elsewhere``: it was changed outside this screen, which is said)."""
        if not self.dirty:
            self.load(page)
            return
        self.page = page
        if elsewhere:
            self.say(
                "Changed elsewhere meanwhile — Save keeps yours, Revert shows theirs", ok=False
            )

    def fill(self, page: SettingsPage) -> None:
        raise NotImplementedError

    def revert(self) -> None:
        if self.page is not None:
            self.load(self.page)
            self.result.clear()

    def edited(self) -> None:
        if not self._loading:
            self.set_dirty(True)

    def set_dirty(self, dirty: bool) -> None:
        self.dirty = dirty
        self.save_button.setEnabled(dirty)
        self.revert_button.setEnabled(dirty)

    # -- saving --------------------------------------------------------------------------------
    def save(self) -> None:
        raise NotImplementedError

    def submit(self, write: Callable[[Tx], SettingsPage], label: str) -> None:
        """Run ``write`` in the single writer; the page after it is shown, or why not."""
        self.save_button.setEnabled(False)
        self.ops.write(
            self.writer,
            write,
            initiator=INITIATOR,
            on_done=self.saved,
            on_error=self.refused,
            label=label,
        )

    def saved(
        self, page: SettingsPage, message: str = "Saved", *, into: QLabel | None = None
    ) -> None:
        self.load(page)
        self.say(message, ok=True, into=into)
        if self.share is not None:
            self.share(page)

    def refused(self, failure: OpFailed) -> None:
        self.set_dirty(True)
        for key, label in self.errors.items():
            if failure.field and field_matches(failure.field, key):
                show_error(label, failure.message)
        self.say(f"Not saved: {failure.message}", ok=False)

    def say(self, text: str, *, ok: bool, into: QLabel | None = None) -> None:
        """The outcome, as a mark and words, in ``into`` (the section's result line)."""
        label = into or self.result
        label.setText(f"✓ {text}" if ok else f"⚠ {text}")
        label.setProperty("ok", ok)
        label.style().unpolish(label)
        label.style().polish(label)


@dataclass(frozen=True, slots=True)
class ColourPicked:
    """A colour field's value changed (typed or picked): its hex code as shown."""

    text: str


class ColourField(QWidget):
    """A swatch button (opens a colour picker) beside the hex code it shows; the code is what
    is saved, so a wrong one is seen as text too, never as a colour alone.

    Signals: changed(ColourPicked) — the user typed or picked a colour."""

    changed = Signal(ColourPicked)

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self.swatch = QPushButton()
        self.swatch.setObjectName("swatch")
        self.swatch.setFixedSize(48, 48)
        self.swatch.setAccessibleName(f"Pick the {name} colour")
        self.swatch.setToolTip(f"Pick the {name} colour")
        self.hex = QLineEdit()
        self.hex.setAccessibleName(f"{name} colour code")
        self.hex.setPlaceholderText("#RRGGBB")
        self.hex.setMaxLength(7)
        self.hex.setFixedWidth(120)
        self.error = error_line()
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.swatch)
        row.addWidget(self.hex)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(row)
        layout.addWidget(self.error)
        self.dialog: QColorDialog | None = None
        self.swatch.clicked.connect(self.pick)
        self.hex.textEdited.connect(self._typed)

    def text(self) -> str:
        return self.hex.text().strip()

    def set_text(self, text: str) -> None:
        self.hex.setText(text)
        self._paint(text)
        show_error(self.error, None)

    def pick(self) -> None:
        """Open the colour picker (not modal: the window keeps running)."""
        dialog = QColorDialog(QColor(self.text()) if HEX.match(self.text()) else QColor(), self)
        dialog.setWindowTitle(f"The {self.name} colour")
        dialog.setOption(QColorDialog.ColorDialogOption.DontUseNativeDialog)
        dialog.colorSelected.connect(self._picked)
        self.dialog = dialog
        dialog.open()

    def _picked(self, colour: QColor) -> None:
        self.set_text(colour.name())
        self.changed.emit(ColourPicked(self.text()))

    def _typed(self, text: str) -> None:
        self._paint(text)
        show_error(self.error, None)
        self.changed.emit(ColourPicked(text))

    def _paint(self, text: str) -> None:
        colour = text.strip() if HEX.match(text.strip()) else None
        self.swatch.setStyleSheet(
            f"QPushButton#swatch {{ background: {colour}; border: 1px solid #8a7564; }}"
            if colour
            else NOT_A_COLOUR
        )
        self.swatch.setText("" if colour else "?")


def connect_dirty(mark: Callable[[], None], *signals: SignalInstance) -> None:
    """Each of ``signals`` marks the section edited."""
    for signal in signals:
        signal.connect(lambda *_: mark())


def narrow(widget: QWidget, width: int = 260) -> QWidget:
    """A field that needs no more room than ``width`` (a number, a choice of a few words)."""
    widget.setMaximumWidth(width)
    return widget


def stacked(*widgets: QWidget, hint: str | None = None) -> QVBoxLayout:
    """Widgets one under the other (a field and its error line), and a hint under them."""
    layout = QVBoxLayout()
    layout.setSpacing(2)
    for widget in widgets:
        layout.addWidget(widget)
    if hint:
        layout.addWidget(plain_label(hint, object_name="subtitle"))
    return layout
