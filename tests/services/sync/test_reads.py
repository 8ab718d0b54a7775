"""Pull and snapshot: pages in version order with the client's page-exact last seq and its
rejections; a reset when the cursor means nothing here; a snapshot consistent with its head."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import Session

from expresso_desktop.core.sync_protocol import (
    PullPage,
    PullRequest,
    PullReset,
    ResetReason,
    ResultStatus,
    SnapshotRequest,
)
from expresso_desktop.services.organiser import OrganiserServices
from expresso_desktop.services.sync import reads
from expresso_desktop.store.engine import read_session

from .conftest import Client


def _pull(services: OrganiserServices, req: PullRequest) -> PullPage:
    page = reads.pull(services.engine, req)
    assert isinstance(page, PullPage)
    return page


def test_pages_follow_the_cursor_and_acknowledge_exactly_their_mutations(
    organiser: OrganiserServices, client: Callable[..., Client]
) -> None:
    one = client(1)
    start = reads.pull(organiser.engine, PullRequest(one.caller.client_id, one.epoch)).head
    for n in range(3):
        one.push("chat.post", message_id=f"m-{n}", channel="all", body="hi")
    one.push("chat.post", message_id="bad", channel="kitchen", body="hi")  # rejected: seq 4
    first = _pull(organiser, PullRequest(one.caller.client_id, one.epoch, start, limit=2))
    assert [c.entity for c in first.changes] == ["chat_messages", "chat_messages"]
    assert first.has_more and first.last_mutation_seq == 2 and first.rejected == ()
    rest = _pull(organiser, PullRequest(one.caller.client_id, one.epoch, first.next_cursor))
    assert not rest.has_more and rest.next_cursor == rest.head
    assert rest.last_mutation_seq == 4
    assert [(r.seq, r.reason) for r in rest.rejected] == [(4, "invalid_args")]


def test_a_cursor_that_means_nothing_here_resets(
    organiser: OrganiserServices, client: Callable[..., Client]
) -> None:
    one = client(1)
    cid = one.caller.client_id
    other = reads.pull(organiser.engine, PullRequest(cid, "another-epoch"))
    assert isinstance(other, PullReset) and other.reason is ResetReason.EPOCH
    ahead = reads.pull(organiser.engine, PullRequest(cid, one.epoch, cursor=10**9))
    assert isinstance(ahead, PullReset) and ahead.reason is ResetReason.CURSOR_AHEAD


def test_a_snapshot_holds_every_synced_table_at_its_head(
    organiser: OrganiserServices, client: Callable[..., Client]
) -> None:
    one = client(1)
    one.push("chat.post", message_id="m-1", channel="all", body="hi")
    snap = reads.snapshot(organiser.engine, SnapshotRequest(one.caller.client_id))
    assert snap.epoch == one.epoch and snap.last_mutation_seq == 1
    chat = snap.tables["chat_messages"]
    assert "m-1" in [row[list(chat.columns).index("id")] for row in chat.rows]
    assert snap.head == _pull(organiser, PullRequest("x", one.epoch)).head


def test_a_processed_mutation_is_answered_as_it_was(
    organiser: OrganiserServices, client: Callable[..., Client]
) -> None:
    one = client(1)
    one.push("chat.post", message_id="bad", channel="kitchen", body="hi")
    with Session(organiser.engine) as session:
        stored = reads.stored_result(session, one.caller.client_id, 1)
        compacted = reads.stored_result(session, one.caller.client_id, 99)
    assert stored.status is ResultStatus.DUPLICATE and stored.outcome is ResultStatus.REJECTED
    assert compacted.outcome is ResultStatus.APPLIED
    with read_session(organiser.engine) as session:
        conn = session.connection()
        assert reads.last_seq(conn, one.caller.client_id) == 1
        assert reads.meta(conn, "epoch") == one.epoch
