"""The spoken call-out: a station says "Order A042, Sam" when one of its orders becomes ready
(optional per station, off by default; the Display dialog turns it on).

The voice is the operating system's: Qt's text-to-speech when PySide6-Addons is installed and
has a real engine (Windows, macOS; on Linux it needs speech-dispatcher), else ``espeak-ng``
when it is on the PATH, else none — ``find_speaker`` says which, or why none, in words the
Display dialog shows. What is said comes from ``core.ready_board.callout_text`` (number and
first name, never a digit of a phone number).

Which orders *became* ready is judged against the ready orders this station last saw: the
first read after turning it on (or starting) only takes note, so a restart does not read out
every order already waiting on the counter.
"""

from __future__ import annotations

import logging
import shutil
from collections import deque
from dataclasses import dataclass
from typing import Any, Protocol

from PySide6.QtCore import QObject, QProcess

from expresso_desktop.sync.board_queries import BoardReads, ReadyTile, concerns_board
from expresso_desktop.sync.events import ReplicaChanged
from expresso_desktop.ui.barista.main_window import SyncSignals
from expresso_desktop.ui.common.ops import OpRunner, SerialRead

log = logging.getLogger(__name__)

ESPEAK = "espeak-ng"
NO_SPEECH = (
    "No voice on this computer: install espeak-ng (or PySide6-Addons for the system's "
    "text-to-speech) and restart the station."
)


class Speaker(Protocol):
    """Something that says a line aloud, queued after what it is saying now."""

    def say(self, text: str) -> None: ...


@dataclass(frozen=True, slots=True)
class SpeechChoice:
    """The voice found (None: none) and, in words, which one or why none."""

    speaker: Speaker | None
    how: str


def find_speaker() -> SpeechChoice:
    qt = _qt_speaker()
    if qt is not None:
        return qt
    exe = shutil.which(ESPEAK)
    if exe is not None:
        return SpeechChoice(EspeakSpeaker(exe), "Speaks through espeak-ng.")
    return SpeechChoice(None, NO_SPEECH)


def _qt_speaker() -> SpeechChoice | None:
    try:
        from PySide6.QtTextToSpeech import QTextToSpeech
    except ImportError as exc:  # PySide6-Addons absent, or its libraries (Linux: libpulse)
        log.debug("no Qt text-to-speech: %s", exc)
        return None
    engines = [e for e in QTextToSpeech.availableEngines() if e != "mock"]
    if not engines:
        return None
    engine = QTextToSpeech(engines[0])
    if engine.state() == QTextToSpeech.State.Error:
        log.info("Qt text-to-speech %s failed: %s", engines[0], engine.errorString())
        return None
    return SpeechChoice(QtSpeaker(engine), f"Speaks through the system voice ({engines[0]}).")


class QtSpeaker:
    def __init__(self, engine: Any) -> None:
        self._engine = engine  # a QTextToSpeech

    def say(self, text: str) -> None:
        self._engine.enqueue(text)


class EspeakSpeaker(QObject):
    """``espeak-ng`` in a child process, one line at a time (two orders ready together are
    said one after the other, not over each other). The text goes on standard input: never
    read as an option, whatever a customer's name is."""

    def __init__(self, exe: str) -> None:
        super().__init__()
        self._exe = exe
        self._waiting: deque[str] = deque()
        self._process: QProcess | None = None

    def say(self, text: str) -> None:
        self._waiting.append(text)
        if self._process is None:
            self._next()

    def _next(self) -> None:
        if self._process is not None:
            self._process.deleteLater()  # not now: this may run inside its own signal
            self._process = None
        if not self._waiting:
            return
        process = QProcess(self)
        process.finished.connect(lambda *_: self._next())
        process.errorOccurred.connect(self._failed)
        self._process = process
        process.start(self._exe, ["--stdin"])
        process.write(self._waiting.popleft().encode("utf-8") + b"\n")
        process.closeWriteChannel()

    def _failed(self, error: QProcess.ProcessError) -> None:
        log.warning("espeak-ng: %s", error.name)
        if error == QProcess.ProcessError.FailedToStart:  # no "finished" will follow
            self._next()


class CallOut(QObject):
    """Says each order of this station that becomes ready (``reads``: the station's ready
    orders). Follows ``replica_changed`` while on; off, it reads nothing."""

    def __init__(
        self,
        reads: BoardReads,
        ops: OpRunner,
        signals: SyncSignals,
        speaker: Speaker | None,
        *,
        enabled: bool = False,
    ) -> None:
        super().__init__()
        self._speaker = speaker
        self._seen: frozenset[str] | None = None  # None: the next read only takes note
        self.enabled = False
        self.serial: SerialRead[str, tuple[ReadyTile, ...]] = SerialRead(
            ops, lambda _keys: reads.tiles(), self._apply, label="Ready orders to call out"
        )
        signals.replica_changed.connect(self.on_replica_changed)
        self.set_enabled(enabled)

    @property
    def available(self) -> bool:
        return self._speaker is not None

    def set_enabled(self, on: bool) -> None:
        on = on and self._speaker is not None
        if on and not self.enabled:
            self._seen = None
            self.serial.want(None)
        self.enabled = on

    def on_replica_changed(self, changed: ReplicaChanged) -> None:
        if self.enabled and concerns_board(changed):
            self.serial.want(None)

    def _apply(self, _keys: frozenset[str] | None, tiles: tuple[ReadyTile, ...]) -> None:
        seen, self._seen = self._seen, frozenset(t.order_id for t in tiles)
        if seen is None or not self.enabled or self._speaker is None:
            return
        for tile in reversed(tiles):  # the oldest of the new ones first
            if tile.order_id not in seen:
                self._speaker.say(tile.spoken)
