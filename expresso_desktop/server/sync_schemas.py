"""The ``/sync/*`` wire shapes for the OpenAPI document.

The sync routes decode and encode by hand with ``core.sync_protocol``'s messages (the station
imports those, never pydantic models). These models describe the same shapes for people and
tools (``server/openapi.py`` puts them in ``expresso_desktop/resources/openapi.json``); they
are never used to parse a request. ``tests/server/test_openapi_sync.py`` checks that they
agree: each message's ``to_json()`` validates against its schema here, and every raw JSON
route has an entry in ``RAW_DOCS``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from expresso_desktop.core.sync_protocol import (
    MAX_BATCH,
    MAX_CLIENT_ID,
    MAX_NAME,
    PAGE_MAX,
    ErrorCode,
    PinVerdict,
    ResetReason,
    ResultStatus,
)

INT64_MAX = 2**63 - 1


class _Wire(BaseModel):
    model_config = ConfigDict(extra="allow")  # a newer organiser may add fields


ClientId = Field(min_length=1, max_length=MAX_CLIENT_ID, description="this replica's sync id")
Count = Field(ge=0, le=INT64_MAX)


class SyncHello(_Wire):
    """A station says who it is and which history it has (``epoch`` null: none yet)."""

    client_id: str = ClientId
    epoch: str | None = None
    schema_version: int | None = Field(default=None, ge=0, le=INT64_MAX)
    app_version: str | None = None
    station_id: int | None = Field(default=None, ge=0, le=INT64_MAX)
    proto: int = 1


class SyncHelloAnswer(_Wire):
    epoch: str
    boot_id: str
    server_time: str
    schema_min: int
    schema_max: int
    head: int
    last_mutation_seq: int
    min_retained_version: int
    proto: int


class SyncMutation(_Wire):
    """One intent, numbered gaplessly per client from 1 (``name@N``: schema N of it)."""

    seq: int = Field(ge=1, le=INT64_MAX)
    name: str = Field(
        min_length=1,
        max_length=MAX_NAME,
        description="an intent of core.sync_protocol.MutationName, e.g. order.ready {order_id},"
        " stock.consume {item_id, qty, generation, order_id?}, stock.mark_out {item_id, out},"
        " order.undo {order_id, base_status}",
    )
    args: dict[str, Any] = Field(
        default_factory=dict,
        description="the intent's arguments; any may carry staff_id, the barista logged in "
        "at the station when it was tapped (recorded in the order's history)",
    )
    client_ts: str | None = None


class SyncPush(_Wire):
    client_id: str = ClientId
    epoch: str
    mutations: list[SyncMutation] = Field(max_length=MAX_BATCH)
    schema_version: int | None = Field(default=None, ge=0, le=INT64_MAX)
    proto: int = 1


class SyncMutationResult(_Wire):
    seq: int
    status: ResultStatus
    version: int | None = None
    reason: str | None = None
    message: str | None = None
    original: ResultStatus | None = None


class SyncPushAnswer(_Wire):
    """The results in seq order; ``error`` set when the batch stopped early (``Gap`` at
    ``expected``, ``Deferred`` at ``seq``: the results so far stand)."""

    results: list[SyncMutationResult] = Field(default_factory=list)
    epoch: str | None = None
    last_mutation_seq: int | None = None
    head: int | None = None
    error: ErrorCode | None = None
    message: str | None = None
    expected: int | None = None
    seq: int | None = None


class SyncPullQuery(BaseModel):
    client_id: str = ClientId
    epoch: str
    cursor: int = Field(default=0, ge=0, le=INT64_MAX)
    limit: int = Field(default=500, ge=0, le=PAGE_MAX)
    since_seq: int = Field(default=0, ge=0, le=INT64_MAX)


class SyncChange(_Wire):
    v: int
    entity: str
    id: str
    op: Literal["upsert", "delete"]
    data: dict[str, Any] | None = None


class SyncPullPage(_Wire):
    """One page after ``cursor``; ``rejected``: ``[seq, reason]`` of this client's refused
    mutations in it. Or, when the cursor means nothing here any more, ``reset: true``."""

    epoch: str | None = None
    changes: list[SyncChange] = Field(default_factory=list)
    next_cursor: int | None = None
    head: int
    has_more: bool | None = None
    last_mutation_seq: int | None = None
    rejected: list[tuple[int, str | None]] = Field(default_factory=list)
    reset: bool | None = None
    reason: ResetReason | None = None


class SyncSnapshotQuery(BaseModel):
    client_id: str = ClientId


class SyncTable(_Wire):
    columns: list[str]
    rows: list[list[Any]]


class SyncSnapshot(_Wire):
    epoch: str
    head: int
    last_mutation_seq: int
    rejected: list[tuple[int, str | None]] = Field(default_factory=list)
    tables: dict[str, SyncTable]


class SyncPinCheck(_Wire):
    staff_id: int = Field(ge=1, le=INT64_MAX)
    pin: str = Field(min_length=1, max_length=16)


class SyncPinAnswer(_Wire):
    verdict: PinVerdict
    staff_id: int
    name: str | None = None
    role: str | None = None
    offline_until: str | None = None
    retry_after: int | None = None


class SyncRefusal(_Wire):
    """The whole request was refused: 409 ``EpochMismatch``/``ClientStateNotFound``/``Gap``
    (recover or re-send), 503 ``Unavailable``/``Deferred`` (retry after ``Retry-After``), 403
    ``ClientIdTaken``/``ReplicaCloned`` (pair this station again)."""

    error: ErrorCode
    message: str | None = None
    epoch: str | None = None
    expected: int | None = None
    seq: int | None = None


@dataclass(frozen=True)
class RawDoc:
    """What a hand-decoding route takes and answers, for the document only. ``answers``:
    statuses whose body is not a ``Problem``."""

    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    answers: dict[int, type[BaseModel]] = field(default_factory=dict)


_REFUSALS: dict[int, type[BaseModel]] = {403: SyncRefusal, 409: SyncRefusal, 503: SyncRefusal}

RAW_DOCS: dict[tuple[str, str], RawDoc] = {
    ("POST", "/sync/hello"): RawDoc(SyncHello, None, SyncHelloAnswer, _REFUSALS),
    ("POST", "/sync/push"): RawDoc(
        SyncPush, None, SyncPushAnswer, {403: SyncRefusal, 409: SyncPushAnswer, 503: SyncRefusal}
    ),
    ("GET", "/sync/pull"): RawDoc(None, SyncPullQuery, SyncPullPage, _REFUSALS),
    ("GET", "/sync/snapshot"): RawDoc(None, SyncSnapshotQuery, SyncSnapshot, _REFUSALS),
    ("POST", "/sync/pin"): RawDoc(SyncPinCheck, None, SyncPinAnswer, {429: SyncPinAnswer}),
}
