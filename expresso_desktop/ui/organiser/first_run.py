"""The first-run wizard, shown over the organiser's window on an empty data folder: the event's
name and time zone; start from the demo event (three stations, stock, staff) or empty; SMS
through the simulator for now or Twilio set up at once (the Setup screen's gateway dialog).

``offer_first_run`` asks ``services.first_run`` whether the folder still needs setting up (off
the GUI thread) and opens the wizard window-modal, without blocking: the window is already up
and its servers start behind it. Finish writes the answer in one transaction; "Skip" only marks
the folder as set up. Either way the wizard never shows again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QCompleter,
    QFormLayout,
    QLineEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from expresso_desktop.services.event_admin import time_zones
from expresso_desktop.services.first_run import FirstRun, SetupChoice, SetupState
from expresso_desktop.services.writer import Writer
from expresso_desktop.sms.gateway_setup import GatewaySetup
from expresso_desktop.ui.common.ops import OpFailed, OpRunner
from expresso_desktop.ui.common.widgets import plain_label
from expresso_desktop.ui.organiser.editing import ERROR_STYLE
from expresso_desktop.ui.organiser.gateway_box import GatewayDialog

INITIATOR = "ui:first-run"
FIELD_HEIGHT = 44  # touch targets


@dataclass(frozen=True, slots=True)
class SetupFinished:
    """The wizard is over: ``skipped`` without an answer, else whether the demo was seeded."""

    skipped: bool
    demo: bool


def _choice(text: str, detail: str, group: QButtonGroup, layout: QVBoxLayout) -> QRadioButton:
    button = QRadioButton(text)
    button.setMinimumHeight(FIELD_HEIGHT)
    group.addButton(button)
    layout.addWidget(button)
    note = plain_label(detail, object_name="subtitle")
    note.setContentsMargins(28, 0, 0, 8)
    layout.addWidget(note)
    return button


def _choice_page(
    title: str, subtitle: str, *choices: tuple[str, str]
) -> tuple[QWizardPage, list[QRadioButton]]:
    """A page of ``choices`` (text, detail), one of which is picked: the first at first."""
    page = QWizardPage()
    page.setTitle(title)
    page.setSubTitle(subtitle)
    layout = QVBoxLayout(page)
    group = QButtonGroup(page)
    buttons = [_choice(text, detail, group, layout) for text, detail in choices]
    buttons[0].setChecked(True)
    layout.addStretch(1)
    return page, buttons


class FirstRunWizard(QWizard):
    """Signals:
    setup_finished(SetupFinished): the answer was written, or Skip marked the folder set up.
    """

    setup_finished = Signal(SetupFinished)

    def __init__(
        self,
        ops: OpRunner,
        writer: Writer,
        first_run: FirstRun,
        state: SetupState,
        gateway_setup: GatewaySetup | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._ops, self._writer, self._first_run = ops, writer, first_run
        self._gateway_setup = gateway_setup or GatewaySetup()
        self._writing = False
        self.gateway_dialog: GatewayDialog | None = None
        self.setWindowTitle("Set up your coffee event")
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setMinimumSize(720, 520)
        self.setOption(QWizard.WizardOption.HaveCustomButton1, True)
        self.setOption(QWizard.WizardOption.NoCancelButton, True)  # "Skip" says what it does
        self.setButtonText(QWizard.WizardButton.CustomButton1, "Skip")
        self.setButtonText(QWizard.WizardButton.FinishButton, "Start the event")
        self.customButtonClicked.connect(lambda _which: self.skip())
        self.addPage(self._event_page(state))
        self.addPage(self._start_page())
        self.addPage(self._sms_page())

    # -- pages ----------------------------------------------------------------------------------
    def _event_page(self, state: SetupState) -> QWizardPage:
        page = QWizardPage()
        page.setTitle("Your event")
        page.setSubTitle("What customers see in their texts. You can change it later in Settings.")
        self.event_name = QLineEdit(state.event_name)
        self.event_name.setAccessibleName("Event name")
        self.event_name.setMinimumHeight(FIELD_HEIGHT)
        self.zone = QComboBox()
        self.zone.setEditable(True)
        self.zone.addItems(time_zones())
        self.zone.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.zone.setCompleter(QCompleter(time_zones(), self.zone))
        self.zone.setCurrentText(state.timezone)
        self.zone.setAccessibleName("Time zone")
        self.zone.setMinimumHeight(FIELD_HEIGHT)
        self.error = plain_label("")
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setVisible(False)
        form = QFormLayout(page)
        form.addRow("Event name", self.event_name)
        form.addRow("Time zone", self.zone)
        form.addRow(
            "", plain_label("Shifts and opening hours use this zone.", object_name="subtitle")
        )
        form.addRow("", self.error)
        page.registerField("event_name*", self.event_name)
        return page

    def _start_page(self) -> QWizardPage:
        page, (self.demo, self.empty) = _choice_page(
            "Start from",
            "Pick one; everything can be edited afterwards.",
            (
                "Start with the demo event",
                "Three stations with their menus, stock and staff, and shifts covering now: "
                "explore every screen, then edit or remove what you don't need.",
            ),
            (
                "Start empty",
                "No stations yet: add them on the Stations screen, then stock and staff.",
            ),
        )
        return page

    def _sms_page(self) -> QWizardPage:
        page, (self.simulator, self.twilio) = _choice_page(
            "Customers' texts",
            "How Expresso sends and receives SMS.",
            (
                "Use the simulator for now",
                "Try ordering from the phone on the Messages screen; nothing leaves this "
                "computer. Set up Twilio on the Setup screen when you are ready.",
            ),
            (
                "Set up Twilio now",
                "Opens the SMS gateway form (account SID, auth token, number) once the event is "
                "set up. The simulator runs until you restart Expresso with it saved.",
            ),
        )
        return page

    # -- the answer -----------------------------------------------------------------------------
    def choice(self) -> SetupChoice:
        return SetupChoice(
            event_name=self.event_name.text(),
            timezone=self.zone.currentText().strip(),
            demo=self.demo.isChecked(),
        )

    def accept(self) -> None:
        """Finish: write the answer; the wizard closes once it is stored."""
        if self._writing:
            return
        self._writing = True
        self.button(QWizard.WizardButton.FinishButton).setEnabled(False)
        choice = self.choice()
        first_run = self._first_run
        self._ops.write(
            self._writer,
            lambda tx: first_run.finish(tx, choice),
            initiator=INITIATOR,
            on_done=lambda _none: self._done(SetupFinished(skipped=False, demo=choice.demo)),
            on_error=self._refused,
            on_finally=self._settled,
            label="Setting up the event",
            parent=self,
        )

    def skip(self) -> None:
        if self._writing:
            return
        self._writing = True
        self._ops.write(
            self._writer,
            self._first_run.skip,
            initiator=INITIATOR,
            on_done=lambda _none: self._done(SetupFinished(skipped=True, demo=False)),
            on_finally=self._settled,
            label="Skipping the set-up",
            parent=self,
        )

    def _done(self, finished: SetupFinished) -> None:
        twilio = not finished.skipped and self.twilio.isChecked()
        if finished.skipped:
            self.reject()
        else:
            super().accept()
        self.setup_finished.emit(finished)
        if twilio:
            parent = self.parentWidget()
            self.gateway_dialog = GatewayDialog(self._ops, self._gateway_setup, parent)
            self.gateway_dialog.open()

    def _refused(self, failure: OpFailed) -> None:
        """A bad name or zone: back to the first page, the reason beside the fields."""
        self.error.setText(f"✕ {failure.message[:1].upper()}{failure.message[1:]}")
        self.error.setVisible(True)
        while self.currentId() > 0:
            self.back()

    def _settled(self) -> None:
        self._writing = False
        self.button(QWizard.WizardButton.FinishButton).setEnabled(True)


def offer_first_run(
    parent: QWidget,
    ops: OpRunner,
    writer: Writer,
    first_run: FirstRun,
    then: Callable[[SetupFinished], None],
    gateway_setup: GatewaySetup | None = None,
) -> None:
    """Open the wizard over ``parent`` if the data folder still needs setting up."""

    def shown(state: SetupState) -> None:
        if not state.needed:
            return
        wizard = FirstRunWizard(ops, writer, first_run, state, gateway_setup, parent)
        wizard.setup_finished.connect(then)
        wizard.open()

    ops.query(first_run.state, on_done=shown, label="Reading the event")
