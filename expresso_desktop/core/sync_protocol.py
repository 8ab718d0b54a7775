"""The station ↔ organiser sync protocol (design/sync.md 4.3), typed, for both ends.

Plain Python: the organiser (``services/sync``, ``server/api_sync.py``) and the station
(``sync/``) import it, and nothing else of each other. Every message is a frozen dataclass
with ``to_json()`` (a JSON-able dict: the wire format) and ``from_json()``, which checks types
and raises ``ValidationError`` naming the offending field (the LAN API answers 422 with it;
a station treats an answer it cannot read as "try again later").

Wire shapes (all JSON objects):

- hello ``{proto, client_id, epoch, schema_version, app_version, station_id, last_seq}`` →
  ``{proto, epoch, boot_id, server_time, schema_min, schema_max, head, last_mutation_seq,
  min_retained_version}``
- push ``{proto, client_id, epoch, schema_version, mutations: [{seq, name, args, client_ts}]}``
  → ``{[error, message, expected, seq,] epoch, last_mutation_seq, results: [{seq, status,
  version, reason, message, original}], head}`` (a refused request: ``error`` and no results)
- pull (query) ``client_id, epoch, cursor, limit, since_seq`` → ``{epoch, changes: [{v,
  entity, id, op, data}], next_cursor, head, has_more, last_mutation_seq, rejected: [[seq,
  reason]]}`` or ``{reset: true, reason, epoch, head}``
- snapshot (query) ``client_id`` → ``{epoch, head, last_mutation_seq, rejected, tables:
  {name: {columns, rows}}}``
- poke socket: ``{type: "hello", epoch, boot_id, head}`` then ``{type: "poke", head}``
- PIN check ``{staff_id, pin}`` → ``{verdict, staff_id, name, role, offline_until,
  retry_after}``
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from enum import Enum, StrEnum
from typing import Any

from expresso_desktop.core.errors import ValidationError
from expresso_desktop.core.json_fields import Fields

JSON = dict[str, Any]

PROTO = 1  # the envelope (these message shapes); a request naming another is refused
SCHEMA_VERSION = 1  # mutation argument shapes this build speaks
SCHEMA_MIN = 1  # the oldest an organiser of this build still accepts
MAX_BATCH = 100  # mutations per push
PAGE_DEFAULT, PAGE_MAX = 500, 2000  # changes per pulled page
MAX_CLIENT_ID = 64
MAX_NAME = 64
MAX_MESSAGE = 480  # an order.message body, and any text a person writes: three SMS segments


class MutationName(StrEnum):
    """Every mutation a station may send (``name@N`` addresses schema N of one)."""

    ORDER_CREATE = "order.create"
    ORDER_START = "order.start"
    ORDER_READY = "order.ready"
    ORDER_COLLECT = "order.collect"
    ORDER_CANCEL = "order.cancel"
    ORDER_REASSIGN = "order.reassign"
    ORDER_UNDO = "order.undo"  # take back the last tap (a mis-tap on Done)
    ORDER_RENOTIFY = "order.renotify"  # {order_id}: the "ready" text again
    ORDER_MESSAGE = "order.message"  # {order_id, body}: a text to the order's customer
    STOCK_CONSUME = "stock.consume"
    STOCK_RESTOCK = "stock.restock"
    STOCK_RESET = "stock.reset"
    STOCK_MARK_OUT = "stock.mark_out"  # {item_id, out: bool}
    SETTINGS_SET = "settings.set"
    CHAT_POST = "chat.post"


def split_name(name: str) -> tuple[str, int | None]:
    """``"order.start@2"`` → ``("order.start", 2)``; a bad version suffix → version -1."""
    base, at, version = name.partition("@")
    if not at:
        return base, None
    return base, int(version) if version.isdigit() else -1


def schema_supported(version: int | None) -> bool:
    """Whether this build speaks schema ``version`` (None: the current one)."""
    return version is None or SCHEMA_MIN <= version <= SCHEMA_VERSION


class ErrorCode(StrEnum):
    """Why the organiser refused a whole request (not one mutation)."""

    EPOCH_MISMATCH = "EpochMismatch"  # another history: recover (4.7)
    CLIENT_STATE_NOT_FOUND = "ClientStateNotFound"  # the organiser forgot us: recover
    GAP = "Gap"  # a seq is missing: re-send from ``expected``
    UNAVAILABLE = "Unavailable"  # the database could not commit: retry later
    DEFERRED = "Deferred"  # an entity is not back yet after a restore: retry later
    # Refused for good (403): this client id is bound to another device, or two replicas
    # share it (a copied data folder). Nothing ran; the station must be paired again.
    CLIENT_ID_TAKEN = "ClientIdTaken"
    REPLICA_CLONED = "ReplicaCloned"


CONFLICTS = frozenset({ErrorCode.EPOCH_MISMATCH, ErrorCode.CLIENT_STATE_NOT_FOUND, ErrorCode.GAP})
RETRY_LATER = frozenset({ErrorCode.UNAVAILABLE, ErrorCode.DEFERRED})
REFUSED = frozenset({ErrorCode.CLIENT_ID_TAKEN, ErrorCode.REPLICA_CLONED})


class ResultStatus(StrEnum):
    APPLIED = "applied"
    DUPLICATE = "duplicate"  # seen before: ``original`` says how it went then
    REJECTED = "rejected"  # refused for good: ``reason`` says why


class Reason(StrEnum):
    """Why one mutation was rejected (the codes a station shows or acts on)."""

    SUPERSEDED = "superseded"  # the order already moved further on
    CONFLICT_TERMINAL = "conflict_terminal"  # a second terminal state (the organiser is alerted)
    TAKEN_BY = "taken_by"  # another station has it: ``taken_by:<number>``
    NOT_YOUR_STATION = "not_your_station"
    FORBIDDEN = "forbidden"  # this role may not do that
    STALE = "stale"  # compare-and-set lost: the organiser's value stands
    UNSUPPORTED_MUTATION = "unsupported_mutation"  # unknown name or schema
    UNKNOWN_ENTITY = "unknown_entity"
    INVALID_ARGS = "invalid_args"
    INVALID = "invalid"  # the handler failed on it (a poison mutation)
    CANNOT_MAKE = "cannot_make"  # the station can't make a drink now (capabilities, stock)


def taken_by(station_number: str) -> str:
    return f"{Reason.TAKEN_BY}:{station_number}"


def reason_kind(reason: str | None) -> Reason | None:
    """The ``Reason`` of a rejection text (``taken_by:2`` → TAKEN_BY); None if unknown."""
    if reason is None:
        return None
    try:
        return Reason(reason.partition(":")[0])
    except ValueError:
        return None


class ResetReason(StrEnum):
    EPOCH = "epoch"
    CURSOR_AHEAD = "cursor_ahead"  # the organiser's history went backwards
    BELOW_RETENTION = "below_retention"  # too far behind: download the event again


# Stock movement ids derive from the mutation that made them: the station's optimistic row and
# the organiser's are the same row, and a re-run can never make a second one.
MOVEMENT_NS = uuid.UUID("6f1c8f4e-7d1a-4f55-9a52-5be1c0ffee00")


def movement_id(client_id: str, seq: int, item_id: int) -> str:
    return str(uuid.uuid5(MOVEMENT_NS, f"{client_id}/{seq}/{item_id}"))


# -- checks shared by the messages ------------------------------------------------------


def _proto(f: Fields) -> int:
    proto = int(f.number("proto", default=PROTO))
    if proto != PROTO:
        raise f.fail("proto", f"{proto} is not spoken here (this organiser speaks {PROTO})")
    return proto


def _client_id(f: Fields) -> str:
    return str(f.text("client_id", max_len=MAX_CLIENT_ID))


def _present(out: JSON, **values: Any) -> JSON:
    out.update((k, v) for k, v in values.items() if v is not None)
    return out


# -- hello -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HelloRequest:
    """A station says who it is and which history it has (``epoch`` None: none yet)."""

    client_id: str
    epoch: str | None = None
    schema_version: int | None = None
    app_version: str | None = None
    station_id: int | None = None
    # The highest seq this replica ever numbered (None: an older station). The organiser
    # holding more of this client than that means another replica uses the same id.
    last_seq: int | None = None
    proto: int = PROTO

    def to_json(self) -> JSON:
        return _fields(self)

    @classmethod
    def from_json(cls, data: Any) -> HelloRequest:
        f = Fields(data)
        return cls(
            client_id=_client_id(f),
            epoch=f.text("epoch", optional=True),
            schema_version=f.number("schema_version", default=None),
            app_version=f.text("app_version", optional=True),
            station_id=f.number("station_id", default=None),
            last_seq=f.number("last_seq", minimum=0, default=None),
            proto=_proto(f),
        )


@dataclass(frozen=True, slots=True)
class HelloAnswer:
    """Where the organiser stands: its history, its head, what it has of this client."""

    epoch: str
    boot_id: str
    server_time: str
    schema_min: int
    schema_max: int
    head: int
    last_mutation_seq: int
    min_retained_version: int
    proto: int = PROTO

    def to_json(self) -> JSON:
        return _fields(self)

    @classmethod
    def from_json(cls, data: Any) -> HelloAnswer:
        f = Fields(data)
        return cls(
            epoch=f.text("epoch"),
            boot_id=f.text("boot_id"),
            server_time=f.text("server_time"),
            schema_min=f.number("schema_min"),
            schema_max=f.number("schema_max"),
            head=f.number("head"),
            last_mutation_seq=f.number("last_mutation_seq"),
            min_retained_version=f.number("min_retained_version"),
            proto=_proto(f),
        )


# -- push --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Mutation:
    """One intent (never a row set), numbered gaplessly per client from 1."""

    seq: int
    name: str
    args: Mapping[str, Any] = field(default_factory=dict)
    client_ts: str | None = None  # the station's clock when tapped: display only (I6)

    def to_json(self) -> JSON:
        return _fields(self) | {"args": dict(self.args)}

    @classmethod
    def from_json(cls, data: Any) -> Mutation:
        f = Fields(data, "mutations")
        return cls(
            seq=f.number("seq", minimum=1),
            name=f.text("name", max_len=MAX_NAME),
            args=f.mapping("args", optional=True) or {},
            client_ts=f.text("client_ts", optional=True),
        )


@dataclass(frozen=True, slots=True)
class PushRequest:
    """Up to ``MAX_BATCH`` mutations of one client, for the organiser's ``epoch``."""

    client_id: str
    epoch: str
    mutations: tuple[Mutation, ...]
    schema_version: int | None = SCHEMA_VERSION
    proto: int = PROTO

    def to_json(self) -> JSON:
        return _fields(self) | {"mutations": [m.to_json() for m in self.mutations]}

    @classmethod
    def from_json(cls, data: Any) -> PushRequest:
        f = Fields(data)
        raw = f.array("mutations")
        if len(raw) > MAX_BATCH:
            raise f.fail("mutations", f"must hold at most {MAX_BATCH} mutations per push")
        return cls(
            client_id=_client_id(f),
            epoch=f.text("epoch"),
            mutations=tuple(Mutation.from_json(m) for m in raw),
            schema_version=f.number("schema_version", default=None),
            proto=_proto(f),
        )


@dataclass(frozen=True, slots=True)
class MutationResult:
    """How the organiser took one mutation. ``version``: the change_log version its effects
    end at (or the head then); ``original``: for a duplicate, how it went the first time."""

    seq: int
    status: ResultStatus
    version: int | None = None
    reason: str | None = None
    message: str | None = None
    original: ResultStatus | None = None

    @property
    def outcome(self) -> ResultStatus:
        """Applied or rejected, looking through a duplicate to its first answer."""
        if self.status is ResultStatus.DUPLICATE:
            return self.original or ResultStatus.APPLIED
        return self.status

    def to_json(self) -> JSON:
        return _present({}, **_fields(self))

    @classmethod
    def from_json(cls, data: Any) -> MutationResult:
        f = Fields(data, "results")
        return cls(
            seq=f.number("seq", minimum=1),
            status=f.choice(ResultStatus, "status"),
            version=f.number("version", default=None),
            reason=f.text("reason", optional=True),
            message=f.text("message", optional=True),
            original=f.choice(ResultStatus, "original", optional=True),
        )


@dataclass(frozen=True, slots=True)
class PushAnswer:
    """The results of the mutations processed (in seq order), and where that left the client.

    ``error`` set: the request was refused (EpochMismatch, ClientStateNotFound, Unavailable:
    nothing ran and ``results`` is empty) or stopped early (Gap at ``expected``, Deferred at
    ``seq``: the results so far stand). ``head`` is None when the batch never ran."""

    results: tuple[MutationResult, ...] = ()
    epoch: str | None = None
    last_mutation_seq: int | None = None
    head: int | None = None
    error: ErrorCode | None = None
    message: str | None = None
    expected: int | None = None  # Gap: the seq the organiser waits for
    seq: int | None = None  # Deferred: the seq that has to wait

    @property
    def ran(self) -> bool:
        return self.head is not None

    def to_json(self) -> JSON:
        out = _present(
            {},
            error=self.error,
            message=self.message,
            expected=self.expected,
            seq=self.seq,
            epoch=self.epoch,
        )
        if self.ran:
            out["last_mutation_seq"] = self.last_mutation_seq
            out["results"] = [r.to_json() for r in self.results]
            out["head"] = self.head
        return out

    @classmethod
    def from_json(cls, data: Any) -> PushAnswer:
        f = Fields(data)
        error = f.choice(ErrorCode, "error", optional=True)
        ran = f.has("head") or f.has("results")
        if error is None and not ran:
            raise f.fail("results", "are missing from a push answer")
        return cls(
            results=tuple(MutationResult.from_json(r) for r in f.array("results", optional=True)),
            epoch=f.text("epoch", optional=True),
            last_mutation_seq=f.number("last_mutation_seq", **_maybe(not ran)),
            head=f.number("head", **_maybe(not ran)),
            error=error,
            message=f.text("message", optional=True),
            expected=f.number("expected", minimum=1, **_maybe(error is not ErrorCode.GAP)),
            seq=f.number("seq", minimum=1, default=None),
        )


def _maybe(optional: bool) -> dict[str, Any]:
    return {"default": None} if optional else {}


# -- pull --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PullRequest:
    """The next page after ``cursor``; rejections of this client's seqs above ``since_seq``."""

    client_id: str
    epoch: str
    cursor: int = 0
    limit: int = PAGE_DEFAULT
    since_seq: int = 0

    def to_json(self) -> JSON:
        return _fields(self)

    @classmethod
    def from_json(cls, data: Any) -> PullRequest:
        """From a JSON object or a query string's values (numbers as text)."""
        f = Fields(data)
        return cls(
            client_id=_client_id(f),
            epoch=f.text("epoch"),
            cursor=f.number("cursor", default=0, text=True),
            limit=f.number("limit", default=PAGE_DEFAULT, text=True),
            since_seq=f.number("since_seq", default=0, text=True),
        )


@dataclass(frozen=True, slots=True)
class Change:
    """One change_log entry: the full row image (``data``), or a delete (``data`` None)."""

    v: int
    entity: str
    id: str
    op: str  # "upsert" | "delete"
    data: Mapping[str, Any] | None = None

    def to_json(self) -> JSON:
        return _fields(self)

    @classmethod
    def from_json(cls, data: Any) -> Change:
        f = Fields(data, "changes")
        return cls(
            v=f.number("v"),
            entity=f.text("entity"),
            id=f.text("id"),
            op=f.text("op"),
            data=f.mapping("data", optional=True),
        )


@dataclass(frozen=True, slots=True)
class Rejection:
    """A mutation of this client the organiser refused (``[seq, reason]`` on the wire)."""

    seq: int
    reason: str | None

    def to_json(self) -> list[Any]:
        return [self.seq, self.reason]

    @classmethod
    def from_json(cls, data: Any) -> Rejection:
        if (
            not isinstance(data, list)
            or len(data) != 2
            or isinstance(data[0], bool)
            or not isinstance(data[0], int)
            or not isinstance(data[1], str | None)
        ):
            raise ValidationError("rejected entries must be [seq, reason]", field="rejected")
        return cls(data[0], data[1])


def _rejections(f: Fields) -> tuple[Rejection, ...]:
    return tuple(Rejection.from_json(r) for r in f.array("rejected", optional=True))


@dataclass(frozen=True, slots=True)
class PullPage:
    """One page, read in one snapshot: ``last_mutation_seq`` is this client's newest mutation
    whose effects are inside the page's state (so exactly those are acknowledged)."""

    epoch: str
    changes: tuple[Change, ...]
    next_cursor: int
    head: int
    has_more: bool
    last_mutation_seq: int
    rejected: tuple[Rejection, ...] = ()

    def to_json(self) -> JSON:
        return _fields(self) | {
            "changes": [c.to_json() for c in self.changes],
            "rejected": [r.to_json() for r in self.rejected],
        }

    @classmethod
    def from_json(cls, data: Any) -> PullPage:
        f = Fields(data)
        return cls(
            epoch=f.text("epoch"),
            changes=tuple(Change.from_json(c) for c in f.array("changes")),
            next_cursor=f.number("next_cursor"),
            head=f.number("head"),
            has_more=f.flag("has_more"),
            last_mutation_seq=f.number("last_mutation_seq"),
            rejected=_rejections(f),
        )


@dataclass(frozen=True, slots=True)
class PullReset:
    """The cursor means nothing here any more: recover (``epoch``, ``cursor_ahead``) or
    download the event again (``below_retention``)."""

    reason: ResetReason
    epoch: str | None
    head: int

    def to_json(self) -> JSON:
        return {"reset": True, **_fields(self)}

    @classmethod
    def from_json(cls, data: Any) -> PullReset:
        f = Fields(data)
        if f.data.get("reset") is not True:
            raise f.fail("reset", "must be true")
        return cls(
            reason=f.choice(ResetReason, "reason"),
            epoch=f.text("epoch", optional=True),
            head=f.number("head"),
        )


PullAnswer = PullPage | PullReset


def pull_answer_from_json(data: Any) -> PullAnswer:
    if isinstance(data, Mapping) and data.get("reset"):
        return PullReset.from_json(data)
    return PullPage.from_json(data)


# -- snapshot ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SnapshotRequest:
    client_id: str

    def to_json(self) -> JSON:
        return _fields(self)

    @classmethod
    def from_json(cls, data: Any) -> SnapshotRequest:
        return cls(_client_id(Fields(data)))


@dataclass(frozen=True, slots=True)
class SnapshotTable:
    """A synced table's rows exactly as SQLite stores them (both ends share one schema)."""

    columns: Sequence[str]
    rows: Sequence[Sequence[Any]]

    def to_json(self) -> JSON:
        return {"columns": list(self.columns), "rows": self.rows}

    @classmethod
    def from_json(cls, data: Any, name: str) -> SnapshotTable:
        f = Fields(data, f"tables.{name}")
        columns, rows = f.array("columns"), f.array("rows")
        if not all(isinstance(c, str) for c in columns):
            raise f.fail("columns", "must be text")
        width = len(columns)
        if not all(isinstance(r, list) and len(r) == width for r in rows):
            raise f.fail("rows", f"must each list {width} values")
        return cls(columns, rows)


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Every synced row with the head, this client's last seq and its rejections, all read
    in one transaction (sync.md 4.8)."""

    epoch: str
    head: int
    last_mutation_seq: int
    tables: Mapping[str, SnapshotTable]
    rejected: tuple[Rejection, ...] = ()

    def to_json(self) -> JSON:
        return _fields(self) | {
            "rejected": [r.to_json() for r in self.rejected],
            "tables": {name: t.to_json() for name, t in self.tables.items()},
        }

    @classmethod
    def from_json(cls, data: Any) -> Snapshot:
        f = Fields(data)
        tables = f.mapping("tables")
        return cls(
            epoch=f.text("epoch"),
            head=f.number("head"),
            last_mutation_seq=f.number("last_mutation_seq"),
            tables={str(k): SnapshotTable.from_json(v, str(k)) for k, v in tables.items()},
            rejected=_rejections(f),
        )


# -- the poke socket ---------------------------------------------------------------------


class PokeKind(StrEnum):
    HELLO = "hello"  # first message: which history this is and where it stands
    POKE = "poke"  # something committed: pull (pokes carry no data)


@dataclass(frozen=True, slots=True)
class Poke:
    head: int
    kind: PokeKind = PokeKind.POKE
    epoch: str | None = None
    boot_id: str | None = None

    def to_json(self) -> JSON:
        return _present(
            {"type": self.kind.value}, epoch=self.epoch, boot_id=self.boot_id, head=self.head
        )

    @classmethod
    def from_json(cls, data: Any) -> Poke:
        f = Fields(data)
        return cls(
            head=f.number("head"),
            kind=f.choice(PokeKind, "type"),
            epoch=f.text("epoch", optional=True),
            boot_id=f.text("boot_id", optional=True),
        )


# -- PIN check (staff login on a station) -------------------------------------------------
# PIN hashes never leave the organiser: a station asks it to check a PIN typed at the station.


class PinVerdict(StrEnum):
    OK = "ok"
    WRONG = "wrong"  # wrong PIN, unknown or inactive person, or no PIN set: one answer for all
    LOCKED = "locked"  # too many wrong PINs for this person from this device: ``retry_after``


@dataclass(frozen=True, slots=True)
class PinCheckRequest:
    staff_id: int
    pin: str

    def to_json(self) -> JSON:
        return _fields(self)

    @classmethod
    def from_json(cls, data: Any) -> PinCheckRequest:
        f = Fields(data)
        return cls(staff_id=f.number("staff_id", minimum=1), pin=f.text("pin", max_len=16))


@dataclass(frozen=True, slots=True)
class PinCheckAnswer:
    """``offline_until``: until when the station may check this PIN itself with its own
    salted verifier (it computes it from the PIN it was typed; nothing PIN-derived travels)."""

    verdict: PinVerdict
    staff_id: int
    name: str | None = None
    role: str | None = None
    offline_until: str | None = None
    retry_after: int | None = None

    def to_json(self) -> JSON:
        return _present({}, **_fields(self))

    @classmethod
    def from_json(cls, data: Any) -> PinCheckAnswer:
        f = Fields(data)
        return cls(
            verdict=f.choice(PinVerdict, "verdict"),
            staff_id=f.number("staff_id"),
            name=f.text("name", optional=True),
            role=f.text("role", optional=True),
            offline_until=f.text("offline_until", optional=True),
            retry_after=f.number("retry_after", default=None),
        )


def _fields(message: Any) -> JSON:
    """A message's fields by name, enums as their values (shallow: nested ones are the
    caller's to encode)."""
    return {
        f.name: (value.value if isinstance(value, Enum) else value)
        for f in fields(message)
        for value in (getattr(message, f.name),)
    }
