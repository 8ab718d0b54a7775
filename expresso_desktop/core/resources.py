"""Where bundled resources live: ``expresso_desktop/resources`` (package data, found through
importlib.resources, so a wheel install has them), or inside a frozen bundle."""

from __future__ import annotations

import os
import sys
from importlib.resources import files
from pathlib import Path


def resources_dir() -> Path:
    override = os.environ.get("EXPRESSO_RESOURCES")
    if override:
        return Path(override)
    frozen = getattr(sys, "_MEIPASS", None)  # PyInstaller one-folder bundle
    if frozen:
        return Path(frozen) / "expresso_desktop" / "resources"
    return Path(str(files("expresso_desktop") / "resources"))


def resource_path(name: str) -> Path:
    return resources_dir() / name
