"""The domain core runs as plain Python: importing all of it loads no outer library.

(The static rules for every layer, the core's included, are in ``tests/test_layers.py``.)
"""

from __future__ import annotations

import subprocess
import sys

FORBIDDEN = ("PySide6", "aiohttp", "sqlmodel", "sqlalchemy", "twilio", "zeroconf", "alembic")


def test_core_runs_without_outer_packages_loaded() -> None:
    code = (
        "import pkgutil, importlib, sys, expresso_desktop.core as c\n"
        "names = [m.name for m in pkgutil.walk_packages(c.__path__, 'expresso_desktop.core.')]\n"
        "for name in names:\n"
        "    importlib.import_module(name)\n"
        "assert any(n.startswith('expresso_desktop.core.sms.') for n in names), names\n"
        f"bad = [n for n in sys.modules if n.split('.')[0] in {FORBIDDEN!r}]\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
