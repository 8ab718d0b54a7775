"""The domain core stays plain Python: no Qt, aiohttp, sqlmodel/SQLAlchemy, twilio or zeroconf."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import expresso_desktop.core as core

FORBIDDEN = (
    "PySide6",
    "aiohttp",
    "sqlmodel",
    "sqlalchemy",
    "twilio",
    "zeroconf",
    "alembic",
    "keyring",
)
OUTER_LAYERS = (
    "expresso_desktop.store",
    "expresso_desktop.server",
    "expresso_desktop.sync",
    "expresso_desktop.sms",
    "expresso_desktop.ui",
    "expresso_desktop.app",
)


def _imports(path: Path) -> list[str]:
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
    return names


def test_core_sources_import_no_outer_layer() -> None:
    core_dir = Path(core.__file__).parent
    files = sorted(core_dir.rglob("*.py"))
    assert len(files) > 5
    offenders = [
        f"{f.name}: {name}"
        for f in files
        for name in _imports(f)
        if name.split(".")[0] in FORBIDDEN or name.startswith(OUTER_LAYERS)
    ]
    assert offenders == []


def test_core_runs_without_outer_packages_loaded() -> None:
    """Importing every core module pulls in none of the outer libraries, even indirectly."""
    code = (
        "import pkgutil, importlib, sys, expresso_desktop.core as c\n"
        "for m in pkgutil.iter_modules(c.__path__):\n"
        "    importlib.import_module('expresso_desktop.core.' + m.name)\n"
        f"bad = [n for n in sys.modules if n.split('.')[0] in {FORBIDDEN!r}]\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
