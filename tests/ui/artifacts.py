"""Screenshots of screens in their main state, saved where a person (or CI) can look at them:
the folder named by ``EXPRESSO_TEST_ARTIFACTS`` if set, else the test's ``tmp_path``."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QApplication, QWidget

from expresso_desktop.ui.common.theme import apply_theme

ARTIFACTS_ENV = "EXPRESSO_TEST_ARTIFACTS"
SCREEN_SIZE = (1280, 800)


def artifacts_dir(tmp_path: Path) -> Path:
    folder = Path(os.environ.get(ARTIFACTS_ENV) or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def save_screenshot(
    window: QWidget, name: str, tmp_path: Path, size: tuple[int, int] = SCREEN_SIZE
) -> Path:
    """``window`` at ``size`` (1280x800) with the app's theme, saved as ``<name>.png``; the
    theme is put back as it was (other tests run unthemed)."""
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    before = app.styleSheet()
    apply_theme(app)
    try:
        window.resize(*size)
        settle(app)
        path = artifacts_dir(tmp_path) / f"{name}.png"
        assert window.grab().save(str(path))
    finally:
        app.setStyleSheet(before)
    return path


def settle(app: QApplication, passes: int = 4) -> None:
    """Let layouts finish after a theme or size change: a re-polish posts layout requests
    whose handling (height-for-width text, scroll areas) posts more; one pass grabbed fields
    squeezed to their minimum."""
    for _ in range(passes):
        app.sendPostedEvents(None, QEvent.Type.LayoutRequest)
        app.processEvents()
