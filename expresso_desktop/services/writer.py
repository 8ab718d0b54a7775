"""The single writer: every write to the organiser's master runs on one thread, in one
``BEGIN IMMEDIATE`` transaction per unit of work, and its change set is published after commit.

One thread means the change log is allocated in commit order without lock contention (sync.md
4.1); callers on the asyncio loop ``await writer.run(fn)``, the GUI may call ``run_sync``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
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


class Writer:
    def __init__(self, engine: Engine, bus: ChangeBus) -> None:
        self.engine = engine
        self.bus = bus
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="expresso-writer")

    def _execute(self, fn: Callable[[Tx], T]) -> T:
        changes = ChangeSet()
        with write_session(self.engine) as session:
            event.listen(session, "before_flush", partial(_note_touched, changes))
            result = fn(Tx(session, changes))
        self.bus.publish(changes)  # after COMMIT only
        return result

    async def run(self, fn: Callable[[Tx], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._pool, self._execute, fn)

    def run_sync(self, fn: Callable[[Tx], T]) -> T:
        """Blocking variant. Never call it from inside ``fn``: that would wait on itself."""
        return self._pool.submit(self._execute, fn).result()

    def close(self) -> None:
        self._pool.shutdown(wait=True)


def _note_touched(changes: ChangeSet, session: Session, *_: Any) -> None:
    for row in (*session.new, *session.dirty, *session.deleted):
        changes.touched.add(getattr(row, "__tablename__", type(row).__name__))
