"""The look: a calm light theme with large touch targets, from
expresso_desktop/resources/theme.qss; for a station, a high-contrast variant laid over it
(theme-high-contrast.qss) and every font size scaled (100–200 %). Widgets that paint
themselves (the barista's cards) take the scale from the station's display settings."""

from __future__ import annotations

import re

from PySide6.QtWidgets import QApplication

from expresso_desktop.core.resources import resource_path

THEME, HIGH_CONTRAST = "theme.qss", "theme-high-contrast.qss"
_FONT_SIZE = re.compile(r"(font-size:\s*)(\d+)px")
_COLOURS = re.compile(
    r"(?<![\w-])(?:color|background(?:-color)?|selection-(?:background-)?color|gridline-color)"
    r"\s*:[^;}]*;?"
)
_BORDER = re.compile(r"border(?:-\w+)*\s*:[^;}]*")
_HEX = re.compile(r"#[0-9a-fA-F]{3,8}\b")


def apply_theme(app: QApplication, *, scale: int = 100, high_contrast: bool = False) -> None:
    """The app's stylesheet: the theme (with the high-contrast variant over it when asked),
    every ``font-size`` scaled to ``scale`` per cent."""
    sheet = _read(THEME)
    if high_contrast:
        # The theme's colours out (its screen-specific rules would outrank the layer's), its
        # sizes and spacing kept; then the high-contrast colours over every widget.
        sheet = f"{without_colours(sheet)}\n{_read(HIGH_CONTRAST)}"
    sheet = scale_font_sizes(sheet, scale)
    if app.styleSheet() != sheet:  # the same again would still restyle every widget
        app.setStyleSheet(sheet)


def scale_font_sizes(qss: str, scale: int) -> str:
    """``font-size: 15px`` → ``font-size: 23px`` at 150 %."""
    if scale == 100:
        return qss
    return _FONT_SIZE.sub(lambda m: f"{m.group(1)}{(int(m.group(2)) * scale + 50) // 100}px", qss)


def without_colours(qss: str) -> str:
    """``qss`` with its text and background colours dropped and its borders white."""
    qss = _COLOURS.sub("", qss)
    return _BORDER.sub(lambda m: _HEX.sub("#ffffff", m.group(0)), qss)


def _read(name: str) -> str:
    path = resource_path(name)
    return path.read_text(encoding="utf-8") if path.exists() else ""
