"""Settings › Limits & VIP: how many drinks one text may order before we ask to confirm, the
wait above which new orders are held (and how: asked to reply YES, or told to try later), and
the VIP codes that put an order first."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QComboBox, QFormLayout, QPlainTextEdit, QSpinBox

from expresso_desktop.core.intake import HARD_LIMIT
from expresso_desktop.services.event_admin import EventAdmin, SettingsPage
from expresso_desktop.services.event_settings import MAX_THROTTLE_MINUTES
from expresso_desktop.services.writer import Writer
from expresso_desktop.ui.common.ops import OpRunner
from expresso_desktop.ui.organiser.settings_widgets import (
    SectionPage,
    connect_dirty,
    error_line,
    narrow,
    stacked,
)

MODES = (
    ("confirm", "Ask them to reply YES to order anyway"),
    ("pause", "Pause ordering: tell them to try again later"),
)


class LimitsSection(SectionPage):
    def __init__(self, ops: OpRunner, writer: Writer, admin: EventAdmin) -> None:
        super().__init__(
            "Limits & VIP",
            "Keep the queue honest at busy times. A text that orders more drinks than the limit, "
            "or arrives while the quoted wait is over the throttle, is held with a question.",
            ops,
            writer,
        )
        self._admin = admin
        self.max_drinks = QSpinBox()
        self.max_drinks.setRange(1, HARD_LIMIT)
        self.max_drinks.setSuffix(" drinks")
        self.max_drinks.setAccessibleName("Drink limit per text")
        narrow(self.max_drinks, 160)
        self.throttle = QSpinBox()
        self.throttle.setRange(0, MAX_THROTTLE_MINUTES)
        self.throttle.setSuffix(" min")
        self.throttle.setSpecialValueText("Off")
        self.throttle.setAccessibleName("Throttle: hold orders when the wait is over")
        narrow(self.throttle, 160)
        self.mode = QComboBox()
        for key, label in MODES:
            self.mode.addItem(label, key)
        self.mode.setAccessibleName("Throttle mode")
        narrow(self.mode, 420)
        self.vip = QPlainTextEdit()
        self.vip.setPlaceholderText("One code per line, e.g. SPEAKER")
        self.vip.setAccessibleName("VIP codes")
        self.vip.setFixedHeight(120)
        narrow(self.vip, 420)
        self.errors = {
            "max_drinks_per_order": error_line(),
            "throttle_wait_minutes": error_line(),
            "throttle_mode": error_line(),
            "vip_codes": error_line(),
        }
        form = QFormLayout()
        form.setVerticalSpacing(10)
        form.addRow(
            "Drink limit per text:",
            stacked(self.max_drinks, self.errors["max_drinks_per_order"]),
        )
        form.addRow(
            "Hold orders when the wait is over:",
            stacked(self.throttle, self.errors["throttle_wait_minutes"]),
        )
        form.addRow("Held orders:", stacked(self.mode, self.errors["throttle_mode"]))
        form.addRow(
            "VIP codes:",
            stacked(
                self.vip,
                self.errors["vip_codes"],
                hint='3–20 letters or digits. A text with a code (e.g. "latte SPEAKER") is '
                "made first; codes are not case-sensitive.",
            ),
        )
        self.body.addLayout(form)
        self.finish()
        connect_dirty(
            self.edited,
            self.max_drinks.valueChanged,
            self.throttle.valueChanged,
            self.mode.currentIndexChanged,
            self.vip.textChanged,
        )

    def fill(self, page: SettingsPage) -> None:
        values = page.values
        self.max_drinks.setValue(int(values["max_drinks_per_order"]))
        self.throttle.setValue(int(values["throttle_wait_minutes"]))
        self.mode.setCurrentIndex(max(0, self.mode.findData(values["throttle_mode"])))
        self.vip.setPlainText("\n".join(values["vip_codes"]))

    def changes(self) -> dict[str, Any]:
        codes = [c for c in self.vip.toPlainText().replace(",", "\n").split() if c]
        return {
            "max_drinks_per_order": self.max_drinks.value(),
            "throttle_wait_minutes": self.throttle.value(),
            "throttle_mode": self.mode.currentData(),
            "vip_codes": codes,
        }

    def save(self) -> None:
        changes = self.changes()
        self.submit(lambda tx: self._admin.save_settings(tx, changes), "Save the limits")
