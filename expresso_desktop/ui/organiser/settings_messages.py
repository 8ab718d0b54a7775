"""Settings › Messages: the texts customers receive. Pick a message, edit its words, and see
at once what a customer would get for a sample order and what it costs in SMS (GSM-7, or UCS-2
as soon as one character such as an emoji is outside it); the sponsor line and when a ready
order not collected is reminded. Save stores the edited messages as the event's overrides."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
)

from expresso_desktop.core.errors import ValidationError
from expresso_desktop.core.templates import placeholders_in
from expresso_desktop.services.event_admin import EventAdmin, SettingsPage
from expresso_desktop.services.event_settings import MAX_SPONSOR_CHARS
from expresso_desktop.services.writer import Writer
from expresso_desktop.sms.template_preview import preview
from expresso_desktop.ui.common.ops import OpFailed, OpRunner
from expresso_desktop.ui.common.widgets import plain_label
from expresso_desktop.ui.organiser.settings_widgets import (
    SectionPage,
    connect_dirty,
    error_line,
    field_matches,
    narrow,
    show_error,
    stacked,
)

EDITED = " — edited"
UCS2_NOTE = (
    "⚠ A character outside the GSM alphabet (an emoji, a curly quote) makes this a UCS-2 text: "
    "70 characters per SMS instead of 160."
)
SPONSOR_DROPPED = "The sponsor line is left off here: it would cost one more SMS."


def title_of(name: str) -> str:
    return name.replace("_", " ").capitalize()


class MessagesSection(SectionPage):
    def __init__(self, ops: OpRunner, writer: Writer, admin: EventAdmin) -> None:
        super().__init__(
            "Messages",
            "What customers receive. The preview is a sample order as a customer would get it.",
            ops,
            writer,
        )
        self._admin = admin
        self._drafts: dict[str, str] = {}
        self.template = QComboBox()
        self.template.setAccessibleName("Message")
        self.editor = QPlainTextEdit()
        self.editor.setAccessibleName("Message text")
        self.editor.setFixedHeight(110)
        self.placeholders = plain_label(object_name="subtitle")
        self.template_error = error_line()
        self.reset = QPushButton("Back to the original")
        self.reset.setObjectName("secondary")
        self.preview = QPlainTextEdit()  # plain text: a customer's name is never markup
        self.preview.setReadOnly(True)
        self.preview.setObjectName("preview")
        self.preview.setFixedHeight(96)
        self.preview.setAccessibleName("Preview")
        self.cost = plain_label(object_name="cost")
        self.cost_note = plain_label(object_name="subtitle")
        self.sponsor = QLineEdit()
        self.sponsor.setMaxLength(MAX_SPONSOR_CHARS)
        self.sponsor.setPlaceholderText("e.g. Coffee thanks to Bean Co.")
        self.sponsor.setAccessibleName("Sponsor line")
        self.reminder = QSpinBox()
        self.reminder.setRange(1, 120)
        self.reminder.setSuffix(" min")
        self.reminder.setAccessibleName("Reminder after")
        narrow(self.reminder, 160)
        self.errors = {
            "templates": self.template_error,
            "sponsor_line": error_line(),
            "reminder_minutes": error_line(),
        }
        self._build()
        self.template.currentIndexChanged.connect(self._show_template)
        self.editor.textChanged.connect(self._typed)
        self.sponsor.textChanged.connect(lambda _text: self._render())
        self.reset.clicked.connect(self._reset_template)
        connect_dirty(self.edited, self.sponsor.textEdited, self.reminder.valueChanged)

    def _build(self) -> None:
        picker = QHBoxLayout()
        picker.addWidget(self.template, 1)
        picker.addWidget(self.reset)
        form = QFormLayout()
        form.setVerticalSpacing(10)
        form.addRow("Message:", picker)
        form.addRow("Text:", stacked(self.editor, self.template_error, self.placeholders))
        form.addRow("Preview:", stacked(self.preview, self.cost, self.cost_note))
        form.addRow(
            "Sponsor line:",
            stacked(
                self.sponsor,
                self.errors["sponsor_line"],
                hint="Added to a confirmation only when it costs no extra SMS.",
            ),
        )
        form.addRow(
            "Remind after:",
            stacked(
                self.reminder,
                self.errors["reminder_minutes"],
                hint="A ready order not collected after this long gets one reminder text.",
            ),
        )
        self.body.addLayout(form)
        self.finish()

    # -- the page ------------------------------------------------------------------------------
    def fill(self, page: SettingsPage) -> None:
        overrides = page.values.get("templates", {})
        bundled = page.bundled.templates
        self._drafts = {name: overrides.get(name, text) for name, text in bundled.items()}
        current = self.template.currentData() or "confirmation"
        self.template.blockSignals(True)
        self.template.clear()
        for name in bundled:
            self.template.addItem(self._label(name), name)
        self.template.setCurrentIndex(max(0, self.template.findData(current)))
        self.template.blockSignals(False)
        self.sponsor.setText(str(page.values.get("sponsor_line", "")))
        self.reminder.setValue(int(page.values.get("reminder_minutes", 10)))
        self._show_template()

    def changes(self) -> dict[str, Any]:
        bundled = self.page.bundled.templates if self.page else {}
        return {
            "templates": {n: t for n, t in self._drafts.items() if t != bundled.get(n)},
            "sponsor_line": self.sponsor.text().strip(),
            "reminder_minutes": self.reminder.value(),
        }

    def save(self) -> None:
        changes = self.changes()
        self.submit(lambda tx: self._admin.save_settings(tx, changes), "Save the messages")

    def refused(self, failure: OpFailed) -> None:
        if failure.field and field_matches(failure.field, "templates"):
            name = failure.field.partition(".")[2]
            index = self.template.findData(name)
            if index >= 0:
                self.template.setCurrentIndex(index)
        super().refused(failure)

    def select(self, name: str) -> None:
        self.template.setCurrentIndex(self.template.findData(name))

    # -- editing and the preview ---------------------------------------------------------------
    def _show_template(self) -> None:
        name = self.current_name()
        if name is None:
            return
        self.editor.blockSignals(True)
        self.editor.setPlainText(self._drafts[name])
        self.editor.blockSignals(False)
        self._render()

    def _typed(self) -> None:
        name = self.current_name()
        if name is None:
            return
        self._drafts[name] = self.editor.toPlainText()
        self.template.setItemText(self.template.currentIndex(), self._label(name))
        self.edited()
        self._render()

    def _reset_template(self) -> None:
        name = self.current_name()
        if name is not None and self.page is not None:
            self.editor.setPlainText(self.page.bundled.get(name))

    def _render(self) -> None:
        name, page = self.current_name(), self.page
        if name is None or page is None:
            return
        original = page.bundled.get(name)
        self.reset.setEnabled(self._drafts[name] != original)
        names = sorted(placeholders_in(original) | {"event"})
        self.placeholders.setText("You can use: " + " ".join(f"{{{n}}}" for n in names))
        try:
            shown = preview(
                name,
                self._drafts[name],
                bundled=page.bundled,
                menu=page.menu,
                event=page.event.name,
                sponsor=self.sponsor.text(),
            )
        except ValidationError as exc:
            show_error(self.template_error, exc.reason)
            self.preview.clear()
            self.cost.setText("⚠ Not a message yet: fix the text above")
            self.cost_note.setVisible(False)
            return
        show_error(self.template_error, None)
        self.preview.setPlainText(shown.text)
        self.cost.setText(shown.cost)
        notes = [UCS2_NOTE] if shown.segments.encoding == "UCS-2" else []
        if shown.sponsor_dropped:
            notes.append(SPONSOR_DROPPED)
        self.cost_note.setText("\n".join(notes))
        self.cost_note.setVisible(bool(notes))

    def current_name(self) -> str | None:
        name = self.template.currentData()
        return name if isinstance(name, str) and name in self._drafts else None

    def _label(self, name: str) -> str:
        original = self.page.bundled.templates.get(name) if self.page else None
        return title_of(name) + (EDITED if self._drafts.get(name) != original else "")
