"""The journal: every processed mutation once, fsynced, readable back; a torn line skipped."""

from __future__ import annotations

from pathlib import Path

from expresso_desktop.core.sync_protocol import Mutation, MutationResult, ResultStatus
from expresso_desktop.services.sync.context import Caller
from expresso_desktop.services.sync.journal import Journal

CALLER = Caller("dev-1", "barista", 2, "Till")


def test_processed_mutations_are_journaled_once(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal" / "mutations.jsonl")
    mutations = [
        Mutation(1, "chat.post", {"body": "hi"}, "2026-03-01T09:00:00+00:00"),
        Mutation(2, "order.start", {"order_id": "o"}),
    ]
    results = [
        MutationResult(1, ResultStatus.APPLIED, 10),
        MutationResult(2, ResultStatus.REJECTED, 10, "superseded"),
    ]
    journal.append_results("e1", CALLER, mutations, results)
    journal.append_results("e1", CALLER, mutations, [MutationResult(1, ResultStatus.DUPLICATE)])
    entries = list(journal.entries())
    assert [(e.mutation, e.status, e.epoch) for e in entries] == [
        (mutations[0], "applied", "e1"),
        (mutations[1], "rejected", "e1"),
    ]
    assert all(e.caller == CALLER for e in entries)


def test_a_torn_last_line_is_skipped(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "mutations.jsonl")
    journal.append_results(
        None, CALLER, [Mutation(1, "chat.post")], [MutationResult(1, ResultStatus.APPLIED, 1)]
    )
    with open(journal.path, "a", encoding="utf-8") as fh:
        fh.write('{"epoch": "e1", "client_')
    assert [e.mutation.seq for e in journal.entries()] == [1]
    assert list(Journal(tmp_path / "none.jsonl").entries()) == []
