"""Settings › Milks: the colour each milk on the menu has on the stations' order cards (the
``milk_colours`` setting). Milks are added or taken off in Settings › Menu."""

from __future__ import annotations

from PySide6.QtWidgets import QFormLayout, QWidget

from expresso_desktop.core.menu import NO_MILK
from expresso_desktop.services.event_admin import EventAdmin, SettingsPage
from expresso_desktop.services.writer import Writer
from expresso_desktop.ui.common.ops import OpRunner
from expresso_desktop.ui.organiser.settings_widgets import ColourField, SectionPage

KEY = "milk_colours"


class MilksSection(SectionPage):
    def __init__(self, ops: OpRunner, writer: Writer, admin: EventAdmin) -> None:
        super().__init__(
            "Milks",
            "Each milk's colour marks it on the baristas' order cards, beside its name. Add or "
            "take off milks in Menu.",
            ops,
            writer,
        )
        self._admin = admin
        self.fields: dict[str, ColourField] = {}
        self._holder = QWidget()
        self._form = QFormLayout(self._holder)
        self._form.setContentsMargins(0, 0, 0, 0)
        self._form.setVerticalSpacing(8)
        self.body.addWidget(self._holder)
        self.finish()

    def fill(self, page: SettingsPage) -> None:
        colours = page.values.get(KEY, {})
        milks = [m.name for m in page.menu.milks if m.name != NO_MILK]
        if list(self.fields) != milks:
            self._rebuild(milks)
        for milk, field in self.fields.items():
            field.set_text(str(colours.get(milk, page.menu.milk_colour(milk))))

    def _rebuild(self, milks: list[str]) -> None:
        while self._form.rowCount():
            self._form.removeRow(0)
        self.fields = {}
        for milk in milks:
            field = ColourField(milk)
            field.changed.connect(lambda _picked: self.edited())
            self._form.addRow(f"{milk.capitalize()}:", field)
            self.fields[milk] = field
        self.errors = {f"{KEY}.{milk}": field.error for milk, field in self.fields.items()}

    def save(self) -> None:
        colours = {milk: field.text() for milk, field in self.fields.items()}
        self.submit(
            lambda tx: self._admin.save_settings(tx, {KEY: colours}), "Save the milk colours"
        )
