"""The one way a screen writes or reads slowly: an op runs on the service thread and its result
comes back on the GUI thread (Anki's ``CollectionOp``/``QueryOp``).

- ``ops.query(fn, on_done=…)``: a blocking read (a snapshot session, the replica) in a worker
  thread of the service loop (``asyncio.to_thread``);
- ``ops.write(writer, fn, initiator="ui:<screen>", on_done=…)``: ``await writer.run(fn, …)``,
  so the single writer does the work and the change set names the screen that asked;
- ``ops.call(make_coro, on_done=…)``: any coroutine (a network call of a service).

Errors: a ``KnownError`` (the environment's) or a ``DomainError`` (a rule refused it) becomes a
``OpFailed`` message for the user — the op's ``on_error``, or else a message box over ``parent``.
Anything else is a bug: it goes to ``sys.excepthook`` (the app's crash handler, which logs the
traceback). Nothing here ever blocks the GUI thread.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import itertools
import logging
import sys
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from expresso_desktop.core.errors import DomainError
from expresso_desktop.errors import KnownError
from expresso_desktop.ui.common.service_host import ServiceHost, ShuttingDown

log = logging.getLogger(__name__)
T = TypeVar("T")


class Writer(Protocol):
    """The single writer as the runner sees it (``services.writer.Writer``; not imported, so
    the station's screens can use this module without loading organiser code)."""

    async def run(self, fn: Callable[[Any], T], *, initiator: str | None = ...) -> T: ...


@dataclass(frozen=True, slots=True)
class OpFailed:
    """What the user is told when an op was refused or the environment failed it."""

    title: str  # the op's label ("Revoke device")
    message: str  # the error, meant for a person
    hint: str | None = None
    code: str | None = None  # a DomainError's stable code, when it was one
    field: str | None = None  # the field a ValidationError names (shown beside that field)

    @property
    def text(self) -> str:
        return f"{self.message}\n{self.hint}" if self.hint else self.message


@dataclass(frozen=True, slots=True)
class _Outcome:
    """An op's end, carried from the service thread to the GUI thread."""

    op_id: int
    value: Any = None
    error: BaseException | None = None


@dataclass(slots=True)
class _Pending:
    label: str
    on_done: Callable[[Any], None] | None
    on_error: Callable[[OpFailed], None] | None
    on_finally: Callable[[], None] | None
    parent: QWidget | None


class OpRunner(QObject):
    """Submits service calls to the service host's loop and delivers their outcome here.

    Signals:
        finished(_Outcome) — internal: an op ended (queued from the loop's thread)
        failed(OpFailed) — an op ended in an error meant for the user (after its handler ran)
    """

    finished = Signal(_Outcome)
    failed = Signal(OpFailed)

    def __init__(self, host: ServiceHost, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._host = host
        self._ids = itertools.count(1)
        self._pending: dict[int, _Pending] = {}
        # Always queued: an op that finished before its callback was attached (its future is
        # done at once) still answers from the event loop, never inside the call that made it.
        self.finished.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    def close(self) -> None:
        """The window is going: outcomes still on their way are dropped, not delivered to
        widgets that may be gone."""
        self._pending.clear()

    @property
    def busy(self) -> int:
        """Ops submitted and not yet delivered (tests wait for 0)."""
        return len(self._pending)

    def query(
        self,
        fn: Callable[[], T],
        *,
        on_done: Callable[[T], None] | None = None,
        on_error: Callable[[OpFailed], None] | None = None,
        on_finally: Callable[[], None] | None = None,
        label: str = "Reading",
        parent: QWidget | None = None,
    ) -> int:
        """Run blocking ``fn`` in a worker thread (a read: a snapshot session, the replica)."""
        return self.call(
            lambda: asyncio.to_thread(fn),
            on_done=on_done,
            on_error=on_error,
            on_finally=on_finally,
            label=label,
            parent=parent,
        )

    def write(
        self,
        writer: Writer,
        fn: Callable[[Any], T],
        *,
        initiator: str,
        on_done: Callable[[T], None] | None = None,
        on_error: Callable[[OpFailed], None] | None = None,
        on_finally: Callable[[], None] | None = None,
        label: str = "Saving",
        parent: QWidget | None = None,
    ) -> int:
        """Run ``fn`` in one transaction of the single writer; ``initiator`` ("ui:<screen>")
        rides on the change set so the screen can skip its own echo."""

        async def run() -> T:
            return await writer.run(fn, initiator=initiator)

        return self.call(
            run,
            on_done=on_done,
            on_error=on_error,
            on_finally=on_finally,
            label=label,
            parent=parent,
        )

    def call(
        self,
        make: Callable[[], Awaitable[T]],
        *,
        on_done: Callable[[T], None] | None = None,
        on_error: Callable[[OpFailed], None] | None = None,
        on_finally: Callable[[], None] | None = None,
        label: str = "Working",
        parent: QWidget | None = None,
    ) -> int:
        """Await ``make()`` on the service loop. Returns the op's id. ``on_finally`` runs after
        any outcome, a bug's included (a screen's "busy" flag is cleared there)."""
        op_id = next(self._ids)
        self._pending[op_id] = _Pending(label, on_done, on_error, on_finally, parent)

        async def run() -> T:
            return await make()

        future = self._host.submit(run())
        future.add_done_callback(lambda f: self.finished.emit(_outcome(op_id, f)))
        return op_id

    def _deliver(self, outcome: _Outcome) -> None:
        pending = self._pending.pop(outcome.op_id, None)
        if pending is None:
            return
        try:
            self._settle(pending, outcome)
        finally:
            if pending.on_finally is not None:
                pending.on_finally()

    def _settle(self, pending: _Pending, outcome: _Outcome) -> None:
        error = outcome.error
        if error is None:
            if pending.on_done is not None:
                pending.on_done(outcome.value)
            return
        if isinstance(error, KnownError | DomainError):
            failure = _failure(pending.label, error)
            log.info("%s refused: %s", pending.label, failure.message)
            if pending.on_error is not None:
                pending.on_error(failure)
            elif not isinstance(error, ShuttingDown):  # no dialog to say the app is closing
                _show(pending.parent, failure)
            self.failed.emit(failure)
            return
        report_bug(error)


K = TypeVar("K")
R = TypeVar("R")


class SerialRead(Generic[K, R]):
    """Re-reads what changed, one read at a time: keys wanted while a read is in flight are
    merged and read next, so an older snapshot never lands after a newer one. ``None`` means
    everything (a full re-read, which absorbs any keys wanted meanwhile).

    ``read(keys)`` runs off the GUI thread; ``apply(keys, result)`` on it."""

    def __init__(
        self,
        ops: OpRunner,
        read: Callable[[frozenset[K] | None], R],
        apply: Callable[[frozenset[K] | None, R], None],
        *,
        label: str = "Reading",
    ) -> None:
        self._ops, self._read, self._apply, self._label = ops, read, apply, label
        self._everything = False
        self._keys: set[K] = set()
        self._busy = False

    @property
    def busy(self) -> bool:
        return self._busy or self._everything or bool(self._keys)

    def want(self, keys: Iterable[K] | None) -> None:
        if keys is None:
            self._everything = True
        else:
            self._keys.update(keys)
        self._pump()

    def _pump(self) -> None:
        if self._busy or not (self._everything or self._keys):
            return
        keys: frozenset[K] | None = None if self._everything else frozenset(self._keys)
        self._everything, self._keys = False, set()
        self._busy = True
        read = self._read
        self._ops.query(
            lambda: read(keys),
            on_done=lambda result: self._apply(keys, result),
            on_finally=self._settled,
            label=self._label,
        )

    def _settled(self) -> None:
        self._busy = False
        self._pump()


def report_bug(error: BaseException) -> None:
    """A bug: the crash handler (``sys.excepthook``, set by the composition root) logs the
    traceback and tells the user briefly."""
    sys.excepthook(type(error), error, error.__traceback__)


def _outcome(op_id: int, future: concurrent.futures.Future[Any]) -> _Outcome:
    if future.cancelled():
        return _Outcome(op_id, error=ShuttingDown("Expresso is shutting down"))
    error = future.exception()
    if error is not None:
        return _Outcome(op_id, error=error)
    return _Outcome(op_id, value=future.result())


def _failure(label: str, error: KnownError | DomainError) -> OpFailed:
    if isinstance(error, KnownError):
        return OpFailed(label, error.message, error.hint)
    return OpFailed(label, error.reason, code=error.code, field=getattr(error, "field", None))


def _show(parent: QWidget | None, failure: OpFailed) -> None:
    box = QMessageBox(parent or QApplication.activeWindow())
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle(failure.title)
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setText(failure.text)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    _shown.add(box)  # a box without a parent would be collected before it is read
    box.finished.connect(lambda _result: _shown.discard(box))
    box.open()  # not exec(): the GUI thread keeps running


_shown: set[QMessageBox] = set()
