"""The single writer: every write to the organiser's master runs on one thread, in one
``BEGIN IMMEDIATE`` transaction per unit of work, and its change set is published after commit.

One thread means the change log is allocated in commit order without lock contention (sync.md
4.1); callers on the asyncio loop ``await writer.run(fn)``, the GUI goes through its op runner
(which awaits ``run`` on the service loop), scripts and tests may call ``run_sync``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Engine, event
from sqlmodel import Session

from expresso_desktop.services.changes import ChangeBus, ChangeSet
from expresso_desktop.store.engine import write_session

T = TypeVar("T")


@dataclass
class Tx:
    """A unit of work: the session and the change set it is building."""

    session: Session
    changes: ChangeSet

    @contextlib.contextmanager
    def savepoint(self) -> Iterator[None]:
        """Run a block in a savepoint. If it raises, the savepoint is rolled back, what the
        block emitted leaves the change set (a rolled-back change is never announced), the
        session forgets every object it holds, and the exception propagates.

        Forgetting everything is deliberate: SQLAlchemy expunges only the objects it still
        tracks as new in the savepoint, and tracks them weakly, so a row inserted there whose
        Python object was collected and loaded again stays in the identity map as a ghost that
        ``session.get`` returns although the row is gone (found by the sync simulation: a
        rolled-back setting made the next mutation ``stale``)."""
        marks = len(self.changes.changes), len(self.changes.alerts)
        try:
            with self.session.begin_nested():
                yield
        except BaseException:
            del self.changes.changes[marks[0] :]
            del self.changes.alerts[marks[1] :]
            self.session.expunge_all()
            raise


class Writer:
    def __init__(self, engine: Engine, bus: ChangeBus) -> None:
        self.engine = engine
        self.bus = bus
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="expresso-writer")

    def _execute(self, fn: Callable[[Tx], T], initiator: str | None) -> T:
        changes = ChangeSet(initiator=initiator)
        with write_session(self.engine, _WriterSession) as session:
            session.info[_CHANGES] = changes
            result = fn(Tx(session, changes))
        self.bus.publish(changes)  # after COMMIT only
        return result

    async def run(self, fn: Callable[[Tx], T], *, initiator: str | None = None) -> T:
        return await asyncio.get_running_loop().run_in_executor(
            self._pool, self._execute, fn, initiator
        )

    def run_sync(self, fn: Callable[[Tx], T], *, initiator: str | None = None) -> T:
        """Blocking variant (scripts, tests, start-up). Never call it from inside ``fn`` (it
        would wait on itself) nor from the GUI thread (use the op runner)."""
        return self._pool.submit(self._execute, fn, initiator).result()

    def close(self) -> None:
        self._pool.shutdown(wait=True)


class _WriterSession(Session):
    """The writer's sessions: each flush notes the tables it writes in the unit of work's
    change set (one listener for the class, not one registered per transaction)."""


_CHANGES = "expresso.changes"  # Session.info: the unit of work's ChangeSet


@event.listens_for(_WriterSession, "before_flush")
def _note_touched(session: Session, *_: Any) -> None:
    changes: ChangeSet = session.info[_CHANGES]
    for row in (*session.new, *session.dirty, *session.deleted):
        changes.touched.add(getattr(row, "__tablename__", type(row).__name__))
