"""In-process pieces for sync tests: a real organiser (services + SyncServer on a SQLite file),
real stations (Replica + SyncEngine on their own files) and a fake network between them whose
every drop, duplicate and late delivery is decided by a seeded RNG."""

from __future__ import annotations

import random
import shutil
import sqlite3
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select

from expresso_desktop.core.items import DrinkSpec
from expresso_desktop.core.sync_protocol import (
    HelloAnswer,
    HelloRequest,
    MutationResult,
    PullAnswer,
    PullRequest,
    PushAnswer,
    PushRequest,
    Snapshot,
    SnapshotRequest,
    pull_answer_from_json,
)
from expresso_desktop.services import orders
from expresso_desktop.services.changes import ChangeBus
from expresso_desktop.services.demo import seed_demo
from expresso_desktop.services.organiser import OrganiserServices, build_organiser_services
from expresso_desktop.services.sync import recovery
from expresso_desktop.services.sync.context import Caller
from expresso_desktop.services.sync.journal import Journal
from expresso_desktop.services.sync.reads import head
from expresso_desktop.services.sync.server import SyncServer
from expresso_desktop.services.writer import Writer
from expresso_desktop.settings import AppPaths
from expresso_desktop.sms.outbound.notifications import Texts
from expresso_desktop.sms.outbound.station_texts import StationTexts
from expresso_desktop.store import sync_rows
from expresso_desktop.store.engine import read_session
from expresso_desktop.store.tables import Order, Station, StockItem
from expresso_desktop.store.types import utcnow
from expresso_desktop.sync import outbox
from expresso_desktop.sync.engine import SyncEngine
from expresso_desktop.sync.events import Notice, ReplicaChanged
from expresso_desktop.sync.replica import Replica, get_int, put
from expresso_desktop.sync.transport import TransportError

LATTE = DrinkSpec("latte", "medium", "full cream")


class Organiser:
    """The organiser process: crash() drops everything in memory and reopens the file."""

    def __init__(
        self, root: Path, *, journal: bool = True, clock: Callable[[], float] | None = None
    ):
        self.root = root
        self.journal_path = root / "journal" / "mutations.jsonl" if journal else None
        self.clock = clock
        self.services: OrganiserServices
        self.sync: SyncServer
        self._open()

    def _open(self) -> None:
        self.services = build_organiser_services(AppPaths(self.root / "organiser"))
        self._make_sync()

    def _make_sync(self) -> None:
        journal = Journal(self.journal_path) if self.journal_path else None
        kwargs: dict[str, Any] = {"clock": self.clock} if self.clock else {}
        self.sync = SyncServer(
            self.services.engine,
            self.services.writer,
            event_id=self.services.event_id,
            menu=self.services.menu,
            journal=journal,
            fault="",
            **kwargs,
        )
        # As the composition root does: station texts (re-notify, message) go to the SMS queue.
        self.sync.texts = StationTexts(Texts(self.services.texts, self.services.menu))

    @property
    def db(self) -> Path:
        return self.services.paths.master_db

    def close(self) -> None:
        self.services.close()

    def crash(self, *, reuse_engine: bool = False) -> None:
        """Drop the writer, the sync server and every connection; reopen. ``reuse_engine``
        keeps the Engine object (cheap enough for the simulation's many crashes)."""
        if not reuse_engine:
            self.close()
            self._open()
            return
        services = self.services
        services.writer.close()
        services.engine.dispose()
        services.bus = ChangeBus()
        services.writer = Writer(services.engine, services.bus)
        self._make_sync()

    def backup(self, target: Path) -> None:
        raw = self.services.engine.raw_connection()
        try:
            out = sqlite3.connect(target)
            raw.driver_connection.backup(out)  # type: ignore[union-attr]
            out.close()
        finally:
            raw.close()

    def restore(self, backup: Path) -> None:
        """The organiser's laptop comes back from a backup: rotate the epoch, replay the journal."""
        self.close()
        for suffix in ("", "-wal", "-shm"):
            Path(str(self.db) + suffix).unlink(missing_ok=True)
        shutil.copy(backup, self.db)
        self._open()
        recovery.restore(self.sync)

    # -- helpers ----------------------------------------------------------------------------
    def seed(self) -> None:
        self.services.writer.run_sync(
            partial(seed_demo, event_id=self.services.event_id, menu=self.services.menu)
        )

    def station_ids(self) -> list[int]:
        with read_session(self.services.engine) as s:
            rows = s.exec(select(Station).order_by(col(Station.number))).all()
            return [r.id for r in rows if r.id is not None]

    def stock_items(self, station_id: int) -> list[StockItem]:
        with read_session(self.services.engine) as s:
            return list(s.exec(select(StockItem).where(StockItem.station_id == station_id)).all())

    def add_order(self, station_id: int | None, name: str = "Sam") -> str:
        """A customer's text, routed to ``station_id`` (None: left for whoever claims it).
        Stored as routing stores it (``store_order``): where it goes is the test's choice."""

        def write(tx: Any) -> str:
            order, _ = orders.store_order(
                tx, event_id=self.services.event_id, station_id=station_id, specs=[LATTE],
                customer_name=name, source="sms",
            )  # fmt: skip
            return order.id

        return self.services.writer.run_sync(write)

    def order(self, order_id: str) -> Order:
        with read_session(self.services.engine) as s:
            order = s.get(Order, order_id)
            assert order is not None
            return order

    def state_hash(self) -> str:
        with read_session(self.services.engine) as s:
            return sync_rows.state_hash(s.connection())

    def head(self) -> int:
        with read_session(self.services.engine) as s:
            return head(s.connection())

    def do(self, name: str, **args: Any) -> MutationResult:
        return self.sync.apply_local(name, args)


@dataclass
class Net:
    """The fake network for one station. Probabilities apply per request."""

    rng: random.Random
    up: bool = True
    drop_request: float = 0.0
    drop_response: float = 0.0
    duplicate: float = 0.0
    late: float = 0.0  # a copy of this push is delivered again later (reordering)
    delayed: list[PushRequest] = field(default_factory=list)

    def calm(self) -> None:
        self.up = True
        self.drop_request = self.drop_response = self.duplicate = self.late = 0.0


class FakeTransport:
    """Every request and answer crosses the wire format (``to_json``/``from_json``), as over
    HTTP, so the simulation checks the protocol's codecs too."""

    def __init__(self, organiser: Organiser, caller: Caller, net: Net) -> None:
        self.organiser, self.caller, self.net = organiser, caller, net
        self.calls: list[str] = []

    def _send(self, op: str) -> None:
        net = self.net
        if not net.up or net.rng.random() < net.drop_request:
            raise TransportError(f"{op}: request lost")
        self.calls.append(op)

    def _receive(self, op: str) -> None:
        if self.net.rng.random() < self.net.drop_response:
            raise TransportError(f"{op}: response lost")

    async def hello(self, req: HelloRequest) -> HelloAnswer:
        self._send("hello")
        answer = self.organiser.sync.hello(HelloRequest.from_json(req.to_json()), self.caller)
        self._receive("hello")
        return HelloAnswer.from_json(answer.to_json())

    async def push(self, req: PushRequest) -> PushAnswer:
        net, server = self.net, self.organiser.sync
        self._send("push")
        req = PushRequest.from_json(req.to_json())
        if net.delayed and net.rng.random() < 0.5:
            server.push(net.delayed.pop(0), self.caller)  # an old copy arrives late
        answer = server.push(req, self.caller)
        if net.rng.random() < net.duplicate:
            answer = server.push(req, self.caller)
        if net.rng.random() < net.late:
            net.delayed.append(req)
        self._receive("push")
        return PushAnswer.from_json(answer.to_json())

    async def pull(self, req: PullRequest) -> PullAnswer:
        self._send("pull")
        answer = self.organiser.sync.pull(PullRequest.from_json(req.to_json()), self.caller)
        self._receive("pull")
        return pull_answer_from_json(answer.to_json())

    async def snapshot(self, req: SnapshotRequest) -> Snapshot:
        self._send("snapshot")
        request = SnapshotRequest.from_json(req.to_json())
        answer = self.organiser.sync.snapshot(request, self.caller)
        self._receive("snapshot")
        return Snapshot.from_json(answer.to_json())

    async def pokes(self) -> AsyncIterator[int]:  # the simulation drives rounds itself
        return
        yield 0

    async def close(self) -> None:
        return None


class StationNode:
    """One station: its replica file, engine and network. crash() = dispose + reopen."""

    def __init__(
        self,
        organiser: Organiser,
        path: Path,
        station_id: int | None,
        *,
        rng: random.Random | None = None,
        role: str = "barista",
        name: str = "",
    ) -> None:
        self.organiser, self.path, self.station_id, self.role = organiser, path, station_id, role
        self.net = Net(rng or random.Random(0))
        self.notices: list[Notice] = []
        self.rounds: list[ReplicaChanged] = []  # what each round reported changed
        self.name = name or f"station {station_id}"
        self.fault: Callable[[str], None] | None = None
        self._open()

    def _open(self, engine: Any = None) -> None:
        self.replica = Replica(
            self.path, fault=lambda point: self.fault and self.fault(point), engine=engine
        )
        with self.replica.write() as conn:
            if self.station_id is not None:
                put(conn, "station_id", str(self.station_id))
        caller = Caller("", self.role, self.station_id, self.name)
        self.transport = FakeTransport(self.organiser, caller, self.net)
        self.engine = SyncEngine(
            self.replica,
            self.transport,
            on_notice=self.notices.append,
            on_round=self.rounds.append,
        )

    def crash(self, *, reuse_engine: bool = False) -> None:
        """Every connection to the file is closed (uncommitted work rolls back) and every
        object in memory is dropped. ``reuse_engine`` keeps SQLAlchemy's Engine (and its
        compiled-statement cache): the simulation crashes hundreds of times."""
        engine = self.replica.engine
        self.replica.close()
        self._open(engine if reuse_engine else None)

    def close(self) -> None:
        self.replica.close()

    async def sync(self) -> bool:
        try:
            await self.engine.sync_once()
            return True
        except TransportError:
            self.engine.link_lost()
            return False

    def tap(self, name: str, **args: Any) -> int:
        return outbox.record(self.replica, name, args)

    def force_tap(self, name: str, **args: Any) -> int:
        """Queue a mutation without its local mutator (what an older, laxer app version
        might have queued): only the organiser judges it."""
        with self.replica.write() as conn:
            seq = get_int(conn, "next_seq", 1)
            row = {"seq": seq, "name": name, "args_json": args, "client_ts": utcnow()}
            conn.execute(sa.insert(outbox.OUTBOX).values(**row))
            put(conn, "next_seq", str(seq + 1))
        return seq

    def order(self, order_id: str) -> dict[str, Any] | None:
        with self.replica.read() as conn:
            return sync_rows.read_image(conn, "orders", order_id)

    def image(self, entity: str, entity_id: Any) -> dict[str, Any] | None:
        with self.replica.read() as conn:
            return sync_rows.read_image(conn, entity, str(entity_id))

    def outbox(self) -> list[outbox.Row]:
        with self.replica.read() as conn:
            return outbox.rows(conn)
