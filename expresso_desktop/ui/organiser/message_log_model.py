"""The SMS log as a table, and what feeds it: read-only ``LoggedText`` rows, newest first,
updated in place.

New texts are inserted at the top, older pages appended at the bottom (Qt's ``fetchMore``, when
the view scrolls to the end), a text's new state replaces its row (never an older state over a
newer one: reads may land out of order with a screen's own action). The model keeps the ids of
the texts still on their way, so a re-read asks only for those. ``LogFeed`` makes the reads
(through the op runner, one at a time) and feeds the model."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from html import escape
from typing import Any, Literal

from PySide6.QtCore import QModelIndex, QObject, Qt
from PySide6.QtGui import QBrush, QColor, QFont

from expresso_desktop.sms.message_log import LogChanges, LoggedText, LogPage, LogQuery, MessageLog
from expresso_desktop.ui.common.keyed_table import Index, KeyedTableModel
from expresso_desktop.ui.common.ops import OpRunner

TIME, DIRECTION, CUSTOMER, ORDER, TEXT, STATUS = range(6)
PROBLEM = QColor("#9b1c1c")  # with the ✕ mark and the word: never colour alone
LINK = QColor("#6b3f24")
TEXT_PREVIEW = 120  # characters in the cell; the whole text is in the tooltip and the detail


class MessageLogModel(KeyedTableModel[LoggedText]):
    HEADERS = ("Time", "In/out", "Customer", "Order", "Text", "Status")
    NEW_ROWS_FIRST = True

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._open: set[int] = set()
        self.has_more = False  # older texts match beyond the last row
        self.fetch_older: Callable[[], None] | None = None

    # -- feeding ------------------------------------------------------------------------------
    def reset_rows(self, rows: Iterable[LoggedText]) -> None:
        rows = list(rows)
        self._open = {r.id for r in rows if not r.settled}
        super().reset_rows(rows)

    def upsert(self, rows: Iterable[LoggedText], *, older: bool = False) -> None:
        """New texts (newest first) go on top, ``older`` ones at the end; a known text takes its
        newer state only."""
        newer = []
        for row in rows:
            at = self.row_of(row.id)
            if at is not None and self.row_at(at).updated_at > row.updated_at:
                continue
            newer.append(row)
            if row.settled:
                self._open.discard(row.id)
            else:
                self._open.add(row.id)
        super().upsert(newer, older=older)

    def append_older(self, rows: Iterable[LoggedText]) -> None:
        self.upsert([r for r in rows if self.row_of(r.id) is None], older=True)

    @property
    def open_ids(self) -> frozenset[int]:
        """Texts shown that may still change (queued, sending, sent)."""
        return frozenset(self._open)

    @property
    def oldest_id(self) -> int | None:
        return self._rows[-1].id if self._rows else None

    # -- Qt model interface -------------------------------------------------------------------
    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008 - Qt's signature
        return not parent.isValid() and self.has_more and self.fetch_older is not None

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if self.canFetchMore(parent) and self.fetch_older is not None:
            self.fetch_older()

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        column = index.column()
        if role == self.ID_ROLE:
            return row.id
        if role == Qt.ItemDataRole.DisplayRole:
            return _display(row, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return _tooltip(row, column)
        if role == Qt.ItemDataRole.ForegroundRole:
            if column == STATUS and row.delivery.problem:
                return QBrush(PROBLEM)
            if column == ORDER and row.order_number:
                return QBrush(LINK)
        if role == Qt.ItemDataRole.FontRole and column == ORDER and row.order_number:
            font = QFont()
            font.setUnderline(True)
            return font
        return None


def _display(row: LoggedText, column: int) -> str:
    if column == TIME:
        return _when(row.created_at)
    if column == DIRECTION:
        return "↓ In" if row.direction == "in" else "↑ Out"
    if column == CUSTOMER:
        return row.number
    if column == ORDER:
        return row.order_number or "—"
    if column == TEXT:
        flat = " ".join(row.body.split())
        return flat if len(flat) <= TEXT_PREVIEW else flat[: TEXT_PREVIEW - 1] + "…"
    state = row.delivery
    code = f" ({row.error_code})" if state.problem and row.error_code else ""
    return f"{state.mark} {state.word}{code}"


def _tooltip(row: LoggedText, column: int) -> str | None:
    # Tooltips may be read as rich text: customer text goes in escaped.
    if column == TEXT:
        return _plain_tip(row.body)
    if column == STATUS:
        return _plain_tip(row.delivery.text)
    if column == ORDER and row.order_number:
        return f"Open order {row.order_number} on the Orders screen"
    if column == DIRECTION:
        return _plain_tip(row.kind_label)
    return None


def _plain_tip(text: str) -> str:
    return f"<p style='white-space:pre-wrap'>{escape(text)}</p>"


def _when(at: datetime) -> str:
    local = at.astimezone()
    if local.date() == datetime.now(local.tzinfo).date():
        return local.strftime("%H:%M:%S")
    return local.strftime("%d %b %H:%M")


class LogFeed:
    """The model's reads, one at a time: a full page (``reload``: a new filter, a purge, too
    many new texts at once) or what moved (``pull``); older pages as the table scrolls."""

    def __init__(self, ops: OpRunner, log: MessageLog, owner: QObject) -> None:
        self._ops, self._log = ops, log
        self.model = MessageLogModel(owner)
        self.model.fetch_older = self.older
        self.query = LogQuery()
        self._generation = 0  # bumped by each reload: reads for an older query are dropped
        self._head = 0
        self._read_at = datetime.now(UTC)
        self._busy = False
        self._wanted: Literal["pull", "reload"] | None = None
        self._older_busy = False

    def reload(self, query: LogQuery) -> None:
        self.query = query
        self._generation += 1
        self._wanted = "reload"
        self._next()

    def pull(self) -> None:
        if self._wanted != "reload":
            self._wanted = "pull"
        self._next()

    def _next(self) -> None:
        if self._busy or self._wanted is None:
            return
        wanted, self._wanted, self._busy = self._wanted, None, True
        log, query, generation = self._log, self.query, self._generation
        if wanted == "reload":
            self._ops.query(
                lambda: log.page(query),
                on_done=lambda page: self._got_page(generation, page),
                on_finally=self._settled,
                label="Reading the SMS log",
            )
            return
        after, open_ids, since = self._head, self.model.open_ids, self._read_at
        self._ops.query(
            lambda: log.changes(query, after_id=after, open_ids=open_ids, since=since),
            on_done=lambda changes: self._got_changes(generation, changes),
            on_finally=self._settled,
            label="Reading new texts",
        )

    def _settled(self) -> None:
        self._busy = False
        self._next()

    def _got_page(self, generation: int, page: LogPage) -> None:
        if generation != self._generation:
            return
        self._head, self._read_at = page.head_id, page.read_at
        self.model.has_more = page.more
        self.model.reset_rows(page.rows)

    def _got_changes(self, generation: int, changes: LogChanges) -> None:
        if generation != self._generation:
            return
        if changes.overflow:
            self.reload(self.query)
            return
        self._head, self._read_at = changes.head_id, changes.read_at
        self.model.upsert(changes.updated)
        self.model.upsert(changes.new)

    def older(self) -> None:
        before = self.model.oldest_id
        if self._older_busy or before is None:
            return
        self._older_busy = True
        log, query, generation = self._log, self.query, self._generation

        def done(page: LogPage) -> None:
            if generation == self._generation and self.model.oldest_id == before:
                self.model.has_more = page.more
                self.model.append_older(page.rows)

        self._ops.query(
            lambda: log.page(query, before_id=before),
            on_done=done,
            on_finally=self._older_done,
            label="Reading older texts",
        )

    def _older_done(self) -> None:
        self._older_busy = False
