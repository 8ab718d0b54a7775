"""The first-run wizard on an empty data folder, through the composition root's real path
(``app.offer_setup`` over the shown organiser window, servers running): the event named and
started from the demo; a second start of the same folder shows no wizard; "Skip" is remembered;
a folder ``--demo`` seeded never asks; choosing Twilio opens the gateway form."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

import keyring
import pytest
from PySide6.QtWidgets import QWizard
from sqlmodel import select

from expresso_desktop.app import OrganiserGui, build_organiser_gui, offer_setup
from expresso_desktop.services.demo import seed_demo
from expresso_desktop.services.organiser import OrganiserServices, build_organiser_services
from expresso_desktop.settings import AppPaths
from expresso_desktop.store.engine import read_session
from expresso_desktop.store.tables import Event, Station
from expresso_desktop.ui.organiser.first_run import FirstRunWizard
from expresso_desktop.ui.organiser.gateway_box import GatewayDialog
from tests.sms.conftest import MemoryKeyring
from tests.ui.artifacts import save_screenshot
from tests.ui.organiser_gui import LOOPBACK


@contextmanager
def started(
    qtbot: Any, folder: Path, seed: Callable[[OrganiserServices], None] | None = None
) -> Iterator[tuple[OrganiserGui, OrganiserServices]]:
    """The organiser on ``folder`` as ``expresso app`` starts it: window shown, servers
    started, then the first-run offer."""
    services = build_organiser_services(AppPaths(folder))
    if seed is not None:
        seed(services)
    gui = build_organiser_gui(services, LOOPBACK)
    qtbot.addWidget(gui.window)
    gui.window.resize(1280, 800)
    gui.window.show()
    try:
        with qtbot.waitSignal(gui.host.started, timeout=15_000):
            gui.host.start()
        offer_setup(gui, services)
        yield gui, services
    finally:
        gui.close()
        services.close()


def wizard_of(gui: OrganiserGui) -> FirstRunWizard | None:
    return gui.window.findChild(FirstRunWizard)


def no_wizard_after_the_offer(qtbot: Any, gui: OrganiserGui) -> bool:
    qtbot.waitUntil(lambda: gui.ops.busy == 0, timeout=10_000)
    return wizard_of(gui) is None


def stored(services: OrganiserServices) -> tuple[str, list[int]]:
    """The event's name and its stations' numbers."""
    with read_session(services.engine) as session:
        event = session.get(Event, services.event_id)
        assert event is not None
        stations = session.exec(select(Station).where(Station.deleted == False)).all()  # noqa: E712
        return event.name, sorted(s.number for s in stations)


@pytest.fixture
def memory() -> Iterator[MemoryKeyring]:
    before = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(before)


def test_an_empty_folder_is_set_up_from_the_demo_and_never_asked_again(
    qtbot: Any, tmp_path: Path
) -> None:
    folder = tmp_path / "organiser"
    with started(qtbot, folder) as (gui, services):
        qtbot.waitUntil(lambda: wizard_of(gui) is not None, timeout=10_000)
        wizard = wizard_of(gui)
        assert wizard is not None and wizard.isVisible() and gui.window.isVisible()
        assert wizard.event_name.text() == "My coffee event"
        wizard.event_name.setText("Harbour Summit 2025")
        wizard.zone.setCurrentText("Australia/Sydney")
        save_screenshot(wizard, "organiser-first-run", tmp_path)
        wizard.next()
        assert wizard.demo.isChecked()  # the demo is the suggested start
        save_screenshot(wizard, "organiser-first-run-start", tmp_path)
        wizard.next()
        assert wizard.simulator.isChecked()
        with qtbot.waitSignal(wizard.setup_finished, timeout=10_000) as finished:
            wizard.button(QWizard.WizardButton.FinishButton).click()
        assert finished.args[0].demo and not finished.args[0].skipped
        assert not wizard.isVisible() and gui.window.nav.current_key() == "live"
        assert stored(services) == ("Harbour Summit 2025", [1, 2, 3])
        with read_session(services.engine) as session:
            event = session.get(Event, services.event_id)
            assert event is not None and event.timezone == "Australia/Sydney"
    with started(qtbot, folder) as (gui, _services):
        assert no_wizard_after_the_offer(qtbot, gui)


def test_a_bad_name_is_shown_on_the_first_page_and_nothing_is_written(
    qtbot: Any, tmp_path: Path
) -> None:
    with started(qtbot, tmp_path / "organiser") as (gui, services):
        qtbot.waitUntil(lambda: wizard_of(gui) is not None, timeout=10_000)
        wizard = wizard_of(gui)
        assert wizard is not None
        wizard.event_name.setText("Bad\u202ename")  # a bidirectional override
        wizard.next()
        wizard.empty.setChecked(True)
        wizard.next()
        wizard.button(QWizard.WizardButton.FinishButton).click()
        qtbot.waitUntil(wizard.error.isVisible, timeout=10_000)
        assert wizard.currentId() == 0 and "control or invisible" in wizard.error.text()
        assert stored(services) == ("My coffee event", [])


def test_skip_is_remembered_and_an_empty_start_keeps_the_folder_empty(
    qtbot: Any, tmp_path: Path
) -> None:
    folder = tmp_path / "organiser"
    with started(qtbot, folder) as (gui, services):
        qtbot.waitUntil(lambda: wizard_of(gui) is not None, timeout=10_000)
        wizard = wizard_of(gui)
        assert wizard is not None
        with qtbot.waitSignal(wizard.setup_finished, timeout=10_000) as finished:
            wizard.button(QWizard.WizardButton.CustomButton1).click()
        assert finished.args[0].skipped and not wizard.isVisible()
        assert stored(services) == ("My coffee event", [])
    with started(qtbot, folder) as (gui, _services):
        assert no_wizard_after_the_offer(qtbot, gui)


def test_a_demo_folder_never_asks(qtbot: Any, tmp_path: Path) -> None:
    def demo(services: OrganiserServices) -> None:
        services.writer.run_sync(partial(seed_demo, event_id=services.event_id, menu=services.menu))

    with started(qtbot, tmp_path / "organiser", demo) as (gui, _services):
        assert no_wizard_after_the_offer(qtbot, gui)


def test_twilio_now_opens_the_gateway_form_once_the_event_is_set_up(
    qtbot: Any, tmp_path: Path, memory: MemoryKeyring
) -> None:
    with started(qtbot, tmp_path / "organiser") as (gui, services):
        qtbot.waitUntil(lambda: wizard_of(gui) is not None, timeout=10_000)
        wizard = wizard_of(gui)
        assert wizard is not None
        wizard.next()
        wizard.empty.setChecked(True)
        wizard.next()
        wizard.twilio.setChecked(True)
        save_screenshot(wizard, "organiser-first-run-sms", tmp_path)
        with qtbot.waitSignal(wizard.setup_finished, timeout=10_000):
            wizard.button(QWizard.WizardButton.FinishButton).click()
        dialog = wizard.gateway_dialog
        assert isinstance(dialog, GatewayDialog) and dialog.isVisible()
        dialog.reject()
        assert stored(services) == ("My coffee event", [])
