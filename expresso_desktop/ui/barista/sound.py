"""The new-order chime: ``resources/new_order.wav`` (a short two-tone, 15 kB) through Qt
Multimedia's ``QSoundEffect`` when that module is installed (it ships in PySide6-Addons, not
in PySide6-Essentials), else the platform's beep. ``requested`` counts what was asked for, so
a headless test can check the chime was rung without hearing it."""

from __future__ import annotations

import importlib
import logging
from typing import Any

from PySide6.QtCore import QObject, QUrl
from PySide6.QtWidgets import QApplication

from expresso_desktop.core.resources import resource_path

log = logging.getLogger(__name__)
CHIME = "new_order.wav"


class Chime(QObject):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.requested = 0
        self._effect = _sound_effect(self)

    def ring(self) -> None:
        self.requested += 1
        if self._effect is not None:
            self._effect.play()
        else:
            QApplication.beep()


def _sound_effect(parent: QObject) -> Any:
    try:
        multimedia = importlib.import_module("PySide6.QtMultimedia")
    except ImportError:
        log.info("Qt Multimedia is not installed: the new-order sound is the system beep")
        return None
    effect = multimedia.QSoundEffect(parent)
    effect.setSource(QUrl.fromLocalFile(str(resource_path(CHIME))))
    effect.setVolume(0.8)
    return effect
