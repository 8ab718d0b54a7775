"""The sync protocol's messages: the wire format both ends rely on, round trips through real
JSON, and malformed input refused with a ValidationError naming the field."""

from __future__ import annotations

import json
from typing import Any

import pytest

from expresso_desktop.core.errors import ValidationError
from expresso_desktop.core.sync_protocol import (
    MAX_BATCH,
    PROTO,
    SCHEMA_VERSION,
    Change,
    ErrorCode,
    HelloAnswer,
    HelloRequest,
    Mutation,
    MutationResult,
    Poke,
    PokeKind,
    PullPage,
    PullRequest,
    PullReset,
    PushAnswer,
    PushRequest,
    Reason,
    Rejection,
    ResetReason,
    ResultStatus,
    Snapshot,
    SnapshotRequest,
    SnapshotTable,
    movement_id,
    pull_answer_from_json,
    reason_kind,
    schema_supported,
    split_name,
    taken_by,
)

MUTATION = Mutation(3, "order.start", {"order_id": "o-1"}, "2026-03-01T09:00:00+00:00")
UPSERT = Change(11, "orders", "o-1", "upsert", {"id": "o-1"})
MESSAGES: list[Any] = [
    HelloRequest("c1", "e1", SCHEMA_VERSION, "1.2.3", 4),
    HelloRequest("c1"),
    HelloAnswer("e1", "boot", "2026-03-01T09:00:00+00:00", 1, 1, 42, 7, 0),
    MUTATION,
    PushRequest("c1", "e1", (MUTATION, Mutation(4, "chat.post"))),
    MutationResult(3, ResultStatus.APPLIED, 40),
    MutationResult(4, ResultStatus.REJECTED, 41, "taken_by:2", "another station's"),
    MutationResult(3, ResultStatus.DUPLICATE, 40, original=ResultStatus.APPLIED),
    PushAnswer((MutationResult(3, ResultStatus.APPLIED, 40),), "e1", 3, 40),
    PushAnswer(error=ErrorCode.EPOCH_MISMATCH, epoch="e2"),
    PushAnswer(error=ErrorCode.CLIENT_STATE_NOT_FOUND),
    PushAnswer(error=ErrorCode.UNAVAILABLE, message="disk I/O error"),
    PushAnswer((), "e1", 5, 40, error=ErrorCode.GAP, expected=6),
    PushAnswer((), "e1", 5, 40, error=ErrorCode.DEFERRED, message="waiting", seq=6),
    PullRequest("c1", "e1", 10, 500, 2),
    PullPage(
        "e1",
        (UPSERT, Change(12, "orders", "o-2", "delete")),
        12,
        12,
        False,
        3,
        (Rejection(2, "stale"),),
    ),
    PullReset(ResetReason.BELOW_RETENTION, "e1", 99),
    SnapshotRequest("c1"),
    Snapshot("e1", 12, 3, {"orders": SnapshotTable(["id", "status"], [["o-1", "new"]])}),
    Poke(12),
    Poke(12, PokeKind.HELLO, "e1", "boot"),
]


@pytest.mark.parametrize("message", MESSAGES, ids=lambda m: type(m).__name__)
def test_every_message_survives_the_wire(message: Any) -> None:
    wire = json.loads(json.dumps(message.to_json()))
    if isinstance(message, PullPage | PullReset):
        assert pull_answer_from_json(wire) == message
    else:
        assert type(message).from_json(wire) == message


def test_the_wire_format_is_what_stations_already_speak() -> None:
    """Shapes of sync.md 4.3, as older stations and the benchmark send and read them."""
    assert PushRequest("c1", "e1", (MUTATION,)).to_json() == {
        "proto": PROTO,
        "client_id": "c1",
        "epoch": "e1",
        "schema_version": SCHEMA_VERSION,
        "mutations": [
            {
                "seq": 3,
                "name": "order.start",
                "args": {"order_id": "o-1"},
                "client_ts": "2026-03-01T09:00:00+00:00",
            }
        ],
    }
    assert PushAnswer(error=ErrorCode.EPOCH_MISMATCH, epoch="e2").to_json() == {
        "error": "EpochMismatch",
        "epoch": "e2",
    }
    gap = PushAnswer(
        (MutationResult(5, ResultStatus.APPLIED, 9),), "e1", 5, 9, ErrorCode.GAP, expected=6
    )
    assert gap.to_json() == {
        "error": "Gap",
        "expected": 6,
        "epoch": "e1",
        "last_mutation_seq": 5,
        "results": [{"seq": 5, "status": "applied", "version": 9}],
        "head": 9,
    }
    assert PullReset(ResetReason.EPOCH, "e2", 4).to_json() == {
        "reset": True,
        "reason": "epoch",
        "epoch": "e2",
        "head": 4,
    }
    assert PullPage("e1", (), 4, 4, False, 0, (Rejection(2, "stale"),)).to_json()["rejected"] == [
        [2, "stale"]
    ]
    assert Poke(7).to_json() == {"type": "poke", "head": 7}


def test_query_strings_are_read_as_numbers() -> None:
    query = {"client_id": "c1", "epoch": "e1", "cursor": "10", "limit": "50", "since_seq": "3"}
    assert PullRequest.from_json(query) == PullRequest("c1", "e1", 10, 50, 3)
    assert PullRequest.from_json({"client_id": "c1", "epoch": "e1"}).limit == 500


@pytest.mark.parametrize(
    ("kind", "data", "field"),
    [
        (HelloRequest, [], "body"),
        (HelloRequest, {}, "client_id"),
        (HelloRequest, {"client_id": "x" * 65}, "client_id"),
        (HelloRequest, {"client_id": "c1", "station_id": "two"}, "station_id"),
        (HelloRequest, {"client_id": "c1", "schema_version": True}, "schema_version"),
        (PushRequest, {"client_id": "c1", "mutations": []}, "epoch"),
        (PushRequest, {"client_id": "c1", "epoch": "e", "mutations": "no"}, "mutations"),
        (PushRequest, {"client_id": "c1", "epoch": "e", "mutations": [1]}, "mutations"),
        (
            PushRequest,
            {"client_id": "c1", "epoch": "e", "mutations": [{"seq": 0, "name": "a"}]},
            "mutations.seq",
        ),
        (
            PushRequest,
            {"client_id": "c1", "epoch": "e", "mutations": [{"seq": 1}]},
            "mutations.name",
        ),
        (
            PushRequest,
            {"client_id": "c1", "epoch": "e", "mutations": [{"seq": 1, "name": "a", "args": [1]}]},
            "mutations.args",
        ),
        (
            PushRequest,
            {
                "client_id": "c1",
                "epoch": "e",
                "mutations": [{"seq": n, "name": "a"} for n in range(1, MAX_BATCH + 2)],
            },
            "mutations",
        ),
        (PullRequest, {"client_id": "c1", "epoch": "e", "cursor": "ten"}, "cursor"),
        (PullRequest, {"client_id": "c1", "epoch": "e", "cursor": "-1"}, "cursor"),
        (MutationResult, {"seq": 1, "status": "maybe"}, "results.status"),
        (PushAnswer, {"error": "Gap", "epoch": "e1"}, "expected"),
        (PushAnswer, {"error": "Teapot"}, "error"),
        (PushAnswer, {"epoch": "e1"}, "results"),
        (
            PullPage,
            {"epoch": "e", "changes": [{"v": 1, "entity": "orders", "id": 5, "op": "x"}]},
            "changes.id",
        ),
        (
            PullPage,
            {"epoch": "e", "changes": [], "next_cursor": 1, "head": 1, "has_more": "no"},
            "has_more",
        ),
        (
            Snapshot,
            {
                "epoch": "e",
                "head": 1,
                "last_mutation_seq": 0,
                "tables": {"orders": {"columns": ["id"], "rows": [["a", "b"]]}},
            },
            "tables.orders.rows",
        ),
        (Poke, {"type": "pong"}, "head"),
    ],
)
def test_bad_input_names_the_field(kind: Any, data: Any, field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        kind.from_json(data)
    assert caught.value.field == field


def test_an_unknown_protocol_version_is_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        HelloRequest.from_json({"client_id": "c1", "proto": PROTO + 1})
    assert caught.value.field == "proto"
    with pytest.raises(ValidationError):
        PushRequest.from_json({"proto": 0, "client_id": "c1", "epoch": "e", "mutations": []})


def test_schema_versions_of_mutation_names() -> None:
    assert split_name("order.start") == ("order.start", None)
    assert split_name("order.start@1") == ("order.start", 1)
    assert split_name("order.start@x") == ("order.start", -1)
    assert schema_supported(None) and schema_supported(SCHEMA_VERSION)
    assert not schema_supported(0) and not schema_supported(SCHEMA_VERSION + 1)
    assert not schema_supported(-1)


def test_refusal_reasons_and_outcomes() -> None:
    assert taken_by("2") == "taken_by:2" and reason_kind("taken_by:2") is Reason.TAKEN_BY
    assert reason_kind("superseded") is Reason.SUPERSEDED
    assert reason_kind("what") is None and reason_kind(None) is None
    dup = MutationResult(1, ResultStatus.DUPLICATE, original=ResultStatus.REJECTED)
    assert dup.outcome is ResultStatus.REJECTED
    assert MutationResult(1, ResultStatus.DUPLICATE).outcome is ResultStatus.APPLIED


def test_movement_ids_are_the_same_on_both_ends_and_differ_by_mutation() -> None:
    assert movement_id("c1", 3, 7) == movement_id("c1", 3, 7)
    assert len({movement_id("c1", 3, 7), movement_id("c1", 4, 7), movement_id("c2", 3, 7)}) == 3
