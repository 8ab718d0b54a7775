"""The keyed table keeps every key's row right through any mix of inserts on top, older rows at
the end, in-place changes and removals (its O(1) serial bookkeeping against a plain list)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from hypothesis import given, settings
from hypothesis import strategies as st
from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt

from expresso_desktop.ui.common.keyed_table import KeyedTableModel


@dataclass(frozen=True)
class Row:
    id: int
    text: str


class Newest(KeyedTableModel[Row]):
    HEADERS: ClassVar[tuple[str, ...]] = ("Text",)
    NEW_ROWS_FIRST: ClassVar[bool] = True

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        return self.row_at(index.row()).text if role == Qt.ItemDataRole.DisplayRole else None


keys = st.integers(min_value=0, max_value=40)
steps = st.lists(
    st.one_of(
        st.tuples(st.just("new"), st.lists(keys, max_size=4, unique=True)),
        st.tuples(st.just("older"), st.lists(keys, max_size=4, unique=True)),
        st.tuples(st.just("keep"), st.lists(keys, max_size=30, unique=True)),
    ),
    max_size=25,
)


@settings(max_examples=150, deadline=None)
@given(steps)
def test_every_key_finds_its_row(qapp: Any, plan: list[tuple[str, list[int]]]) -> None:
    model = Newest()
    expected: list[Row] = []
    for version, (step, ids) in enumerate(plan):
        rows = [Row(i, f"{i}@{version}") for i in ids]
        if step == "keep":
            model.set_rows(rows)
            expected = [r for r in expected if r.id in ids]
            fresh = [r for r in rows if r.id not in {e.id for e in expected}]
            expected = [next(r for r in rows if r.id == e.id) for e in expected]
            expected = fresh + expected
        else:
            model.upsert(rows, older=step == "older")
            known = {e.id for e in expected}
            fresh = [r for r in rows if r.id not in known]
            changed = {r.id: r for r in rows if r.id in known}
            expected = [changed.get(e.id, e) for e in expected]
            expected = expected + fresh if step == "older" else fresh + expected
        assert [model.row_at(k) for k in range(model.rowCount())] == expected
        for at, row in enumerate(expected):
            assert model.row_of(row.id) == at
