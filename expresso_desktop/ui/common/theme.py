"""The look: a calm light theme with large touch targets, from
expresso_desktop/resources/theme.qss."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication

from expresso_desktop.core.resources import resource_path


def apply_theme(app: QApplication) -> None:
    path = resource_path("theme.qss")
    if path.exists():
        app.setStyleSheet(path.read_text(encoding="utf-8"))
