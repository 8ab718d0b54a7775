"""A non-editable install works: the wheel carries the resources and the migrations, and its
``expresso`` console script runs from anywhere (what ``pip install .`` and ``pipx install .``
give a user).

Offline and quick: the wheel is built without build isolation (setuptools comes with the test
extras) from a copy of the sources, and installed without its dependencies into a fresh virtual
environment that sees this one's installed packages through a ``.pth`` file — but not this
checkout, nor its editable install (a path in a ``.pth`` is added as it is; the ``.pth`` files
inside it, such as the editable install's finder, are not run).
"""

from __future__ import annotations

import json
import os
import shutil
import site
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from expresso_desktop import __version__
from tests.paths import REPO

pytestmark = pytest.mark.slow

SHIPPED = (
    "expresso_desktop/py.typed",
    "expresso_desktop/resources/menu.json",
    "expresso_desktop/resources/templates.json",
    "expresso_desktop/resources/theme.qss",
    "expresso_desktop/resources/openapi.json",
    "expresso_desktop/store/migrations/env.py",
    "expresso_desktop/store/migrations/script.py.mako",
    "expresso_desktop/store/migrations/versions/0001_initial.py",
)


def sh(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, f"{args}: {done.stdout}\n{done.stderr}"
    return done.stdout


def build_wheel(tmp: Path) -> Path:
    source = tmp / "src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, source / name)
    # A copy, so the build's own files (build/, *.egg-info) never land in the checkout.
    shutil.copytree(
        REPO / "expresso_desktop",
        source / "expresso_desktop",
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
    )
    pip = (sys.executable, "-m", "pip")
    sh(*pip, "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-w", tmp, source, cwd=tmp)
    (wheel,) = tmp.glob("expresso_desktop-*.whl")
    return wheel


def fresh_venv(tmp: Path, wheel: Path) -> Path:
    venv = tmp / "venv"
    sh(sys.executable, "-m", "venv", "--without-pip", venv, cwd=tmp)
    python = venv / "bin" / "python"
    purelib = sh(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))", cwd=tmp)
    deps = [p for p in site.getsitepackages() if Path(p).is_dir()]
    (Path(purelib.strip()) / "dependencies.pth").write_text("\n".join(deps) + "\n")
    pip = (sys.executable, "-m", "pip", "--python", python)
    sh(*pip, "install", "--no-deps", "--no-index", wheel, cwd=tmp)
    return venv


def test_the_wheel_installs_and_runs_from_anywhere(tmp_path: Path) -> None:
    wheel = build_wheel(tmp_path)
    assert wheel.name == f"expresso_desktop-{__version__}-py3-none-any.whl"
    names = set(zipfile.ZipFile(wheel).namelist())
    assert set(SHIPPED) <= names
    entry_points = zipfile.ZipFile(wheel).read(
        f"expresso_desktop-{__version__}.dist-info/entry_points.txt"
    )
    assert b"expresso = expresso_desktop.cli.main:main" in entry_points

    venv = fresh_venv(tmp_path, wheel)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PYTHONPATH", "EXPRESSO_RESOURCES", "EXPRESSO_DATA_DIR")
    }
    expresso = venv / "bin" / "expresso"
    where = sh(
        venv / "bin" / "python",
        "-c",
        "import expresso_desktop.core.resources as r; print(r.__file__); print(r.resources_dir())",
        cwd=elsewhere,
        env=env,
    ).split()
    assert all(Path(p).is_relative_to(venv) for p in where), where  # not the checkout
    assert sh(expresso, "--version", cwd=elsewhere, env=env) == f"Expresso {__version__}\n"
    parsed = json.loads(sh(expresso, "parse-sms", "latte", cwd=elsewhere, env=env))
    assert parsed["intent"] == "order" and parsed["items"][0]["drink"] == "latte"

    data = tmp_path / "data"
    add = ("devices", "add", "--name", "board", "--role", "display")
    sh(expresso, "--data-dir", data, *add, cwd=elsewhere, env=env)
    listed = sh(expresso, "devices", "list", "--data-dir", data, cwd=elsewhere, env=env)
    assert json.loads(listed)["name"] == "board"  # migrations ran; the database works
