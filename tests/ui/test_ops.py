"""The op runner on a real service host: results come back on the GUI thread, refusals and the
environment's errors become a message, bugs reach the crash handler with their traceback, and a
write through the single writer carries the screen's initiator to the change bridge."""

from __future__ import annotations

import asyncio
import logging
import sys
import threading
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication, QMessageBox

from expresso_desktop import app
from expresso_desktop.core.errors import ValidationError
from expresso_desktop.errors import KnownError
from expresso_desktop.services.demo import seed_demo
from expresso_desktop.services.organiser import build_organiser_services
from expresso_desktop.services.station_admin import get_station, list_stations, update_station
from expresso_desktop.services.writer import Tx
from expresso_desktop.settings import AppPaths
from expresso_desktop.ui.common.bridge import ChangeBridge, ChangesCommitted
from expresso_desktop.ui.common.ops import OpFailed, OpRunner, SerialRead
from expresso_desktop.ui.common.service_host import ServiceHost


@pytest.fixture
def host() -> Iterator[ServiceHost]:
    service_host = ServiceHost()
    service_host.start()
    yield service_host
    service_host.stop()


@pytest.fixture
def ops(host: ServiceHost) -> Iterator[OpRunner]:
    runner = OpRunner(host)
    yield runner
    runner.close()


def test_a_query_runs_off_the_gui_thread_and_answers_on_it(qtbot: Any, ops: OpRunner) -> None:
    gui = threading.current_thread()
    seen: dict[str, Any] = {}

    def read() -> int:
        seen["read_on"] = threading.current_thread()
        return 42

    def done(value: int) -> None:
        seen["value"], seen["done_on"] = value, threading.current_thread()

    ops.query(read, on_done=done)
    assert "value" not in seen  # nothing waited for it
    qtbot.waitUntil(lambda: "value" in seen)
    assert seen["value"] == 42
    assert seen["read_on"] is not gui and seen["done_on"] is gui
    assert ops.busy == 0


def test_a_coroutine_runs_on_the_service_loop(qtbot: Any, ops: OpRunner) -> None:
    got: list[str] = []

    async def work() -> str:
        return threading.current_thread().name

    ops.call(work, on_done=got.append)
    qtbot.waitUntil(lambda: bool(got))
    assert got == ["expresso-services"]


def test_known_and_domain_errors_become_messages(qtbot: Any, ops: OpRunner) -> None:
    failures: list[OpFailed] = []
    finished: list[bool] = []

    def environment() -> None:
        raise KnownError("port 8443 is in use", hint="Stop the other program.")

    def refused() -> None:
        raise ValidationError("there is no station with id 9", field="station")

    with qtbot.waitSignal(ops.failed) as signal:
        ops.query(environment, label="Start", on_error=failures.append)
    assert signal.args == [failures[0]]
    assert failures[0] == OpFailed("Start", "port 8443 is in use", "Stop the other program.")
    assert failures[0].text == "port 8443 is in use\nStop the other program."

    ops.query(
        refused,
        label="Pair",
        on_error=failures.append,
        on_finally=lambda: finished.append(True),
    )
    qtbot.waitUntil(lambda: len(failures) == 2)
    assert failures[1] == OpFailed(
        "Pair", "there is no station with id 9", code="invalid", field="station"
    )  # shown beside the field it names
    assert finished == [True]


def test_without_a_handler_the_message_is_shown(qtbot: Any, ops: OpRunner) -> None:
    def environment() -> None:
        raise KnownError("the organiser is unreachable")

    ops.query(environment, label="Sync")

    def shown() -> QMessageBox | None:
        boxes = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox)]
        return next((b for b in boxes if b.isVisible()), None)

    qtbot.waitUntil(lambda: shown() is not None)
    box = shown()
    assert box is not None
    assert (box.windowTitle(), box.text()) == ("Sync", "the organiser is unreachable")
    box.close()


def test_a_bug_goes_to_the_crash_handler_with_its_traceback(
    qtbot: Any, ops: OpRunner, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    shown: list[str] = []
    monkeypatch.setattr(sys, "excepthook", app._crash_handler)
    monkeypatch.setattr(QMessageBox, "critical", lambda _p, _title, text: shown.append(text))
    failures: list[OpFailed] = []
    finished: list[bool] = []

    def broken() -> None:
        raise ZeroDivisionError("a bug")

    with caplog.at_level(logging.CRITICAL, logger="expresso_desktop.app"):
        ops.query(
            broken,
            on_error=failures.append,  # not for bugs
            on_finally=lambda: finished.append(True),
        )
        qtbot.waitUntil(lambda: bool(shown))
    assert shown == ["ZeroDivisionError: a bug\n\nDetails are in the log. Your data is safe."]
    assert failures == [] and finished == [True]
    record = next(r for r in caplog.records if r.message == "unhandled error")
    assert record.exc_info is not None and record.exc_info[0] is ZeroDivisionError
    assert "in broken" in caplog.text  # the traceback reaches the log


def test_a_write_carries_its_initiator_to_the_bridge(qtbot: Any, tmp_path: Path) -> None:
    services = build_organiser_services(AppPaths(tmp_path))
    services.writer.run_sync(partial(seed_demo, event_id=services.event_id, menu=services.menu))
    bridge = ChangeBridge(services.bus)
    host = ServiceHost()
    host.start()
    ops = OpRunner(host)
    try:

        def rename(tx: Tx) -> int:
            station = list_stations(tx.session, services.event_id)[0]
            update_station(tx, get_station(tx.session, station.id or 0), {"name": "Foyer"})
            return station.id or 0

        results: list[int] = []
        with qtbot.waitSignal(bridge.committed) as committed:
            ops.write(services.writer, rename, initiator="ui:stations", on_done=results.append)
        event = committed.args[0]
        assert isinstance(event, ChangesCommitted)
        assert event.initiator == "ui:stations" and event.by("ui:stations")
        qtbot.waitUntil(lambda: bool(results))
        assert event.station_ids == frozenset(results)
        assert event.order_ids == frozenset() and not event.messages_touched
    finally:
        ops.close()
        host.stop()
        bridge.close()
        services.close()


def test_after_shutdown_an_op_is_refused_not_lost(qtbot: Any) -> None:
    host = ServiceHost()
    host.start()
    host.stop()
    ops = OpRunner(host)
    failures: list[OpFailed] = []
    ops.query(lambda: 1, on_error=failures.append)
    qtbot.waitUntil(lambda: bool(failures))
    assert failures[0].message == "Expresso is shutting down"


def test_serial_reads_merge_what_is_wanted_meanwhile(qtbot: Any, ops: OpRunner) -> None:
    release = threading.Event()
    reads: list[frozenset[str] | None] = []
    applied: list[frozenset[str] | None] = []

    def read(keys: frozenset[str] | None) -> None:
        reads.append(keys)
        release.wait(5)

    serial: SerialRead[str, None] = SerialRead(ops, read, lambda keys, _: applied.append(keys))
    serial.want({"a"})
    qtbot.waitUntil(lambda: len(reads) == 1)
    serial.want({"b"})
    serial.want({"c"})  # both wait for the first read, then go in one
    release.set()
    qtbot.waitUntil(lambda: len(applied) == 2)
    assert reads == [frozenset({"a"}), frozenset({"b", "c"})]
    assert not serial.busy
    serial.want({"d"})
    serial.want(None)  # everything absorbs the keys wanted before it
    qtbot.waitUntil(lambda: len(applied) == 4)
    assert applied[2:] == [frozenset({"d"}), None]


def test_an_op_cut_short_by_closing_shows_no_message(qtbot: Any) -> None:
    host = ServiceHost()
    host.start()
    runner = OpRunner(host)
    finished: list[str] = []

    async def forever() -> None:
        await asyncio.Event().wait()

    runner.call(
        forever, on_finally=lambda: finished.append("done"), label="Reading the live figures"
    )
    host.stop(timeout=2.0)  # the app closing: the op is cancelled
    qtbot.waitUntil(lambda: finished == ["done"])  # it still settles (a screen's busy flag)
    runner.query(lambda: 1, on_finally=lambda: finished.append("late"), label="A late read")
    qtbot.waitUntil(lambda: finished == ["done", "late"])  # asked after the loop closed
    boxes = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox)]
    assert not [b for b in boxes if b.isVisible() and "shutting down" in b.text()]
    runner.close()
