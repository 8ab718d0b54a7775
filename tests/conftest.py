"""Suite-wide set-up: Qt renders offscreen (CI has no display) and data stays in tmp_path."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


@pytest.fixture(autouse=True)
def _isolated_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Nothing a test does may land in the developer's real data folder.
    monkeypatch.setenv("EXPRESSO_DATA_DIR", str(tmp_path / "data"))
    # `serve` started by any test (a subprocess inherits these): the LAN API on loopback, on a
    # free port, and mDNS on loopback only — never multicast off this machine (platform.md).
    monkeypatch.setenv("EXPRESSO_LAN_HOST", "127.0.0.1")
    monkeypatch.setenv("EXPRESSO_LAN_PORT", "0")
    monkeypatch.setenv("EXPRESSO_MDNS_INTERFACES", "127.0.0.1")


@pytest.fixture(autouse=True)
def _no_real_twilio(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # No test may read the developer's keyring or reach their Twilio account: Twilio settings
    # come only from what a test sets, and subprocesses get keyring's null backend.
    import keyring
    from keyring.backends import null

    from expresso_desktop.sms.android_config import ENV_NAMES as ANDROID_ENV_NAMES
    from expresso_desktop.sms.credentials import API_BASE_ENV, ENV_NAMES, GATEWAY_ENV

    for name in (*ENV_NAMES.values(), API_BASE_ENV, *ANDROID_ENV_NAMES.values(), GATEWAY_ENV):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
    previous = keyring.get_keyring()
    keyring.set_keyring(null.Keyring())
    yield
    keyring.set_keyring(previous)


@pytest.fixture(scope="session")
def menu():  # type: ignore[no-untyped-def]
    from expresso_desktop.core.menu import load_default_menu

    return load_default_menu()


@pytest.fixture(autouse=True)
def _gc_on_the_gui_thread(request: pytest.FixtureRequest) -> Iterator[None]:
    """Qt tests run as the app does: Python's garbage collector only on the GUI thread
    (``ui/common/collector.py``), so a widget left in a reference cycle is never destroyed on
    a service thread. After the test: one full collection here, then automatic again."""
    if "qtbot" not in request.fixturenames and "qapp" not in request.fixturenames:
        yield
        return
    from expresso_desktop.ui.common.collector import GuiThreadCollector

    collector = GuiThreadCollector(request.getfixturevalue("qapp"))
    yield
    collector.stop()
    collector.deleteLater()
