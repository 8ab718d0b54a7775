"""Partial indexes where most rows have nothing to index: an order's group, ready and cancel
times, and a history line's staff id, which a new order or a text's order never has.

A commit writes (and syncs) every page it touched: storing a text's order touched 33 pages, of
which these five indexes were five, for rows none of them lists. Each index keeps its name and
columns and serves the same queries (each one's WHERE implies the index's: an equality, a
comparison or ``IS NOT NULL`` on the column).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# name → (table, columns, the rows it keeps)
PARTIAL = {
    "ix_orders_group_id": ("orders", ["group_id"], "group_id IS NOT NULL"),
    "ix_orders_station_ready_at": ("orders", ["station_id", "ready_at"], "ready_at IS NOT NULL"),
    "ix_orders_status_ready_at": ("orders", ["status", "ready_at"], "ready_at IS NOT NULL"),
    "ix_orders_status_cancelled_at": (
        "orders",
        ["status", "cancelled_at"],
        "cancelled_at IS NOT NULL",
    ),
    "ix_order_events_staff_id": ("order_events", ["staff_id"], "staff_id IS NOT NULL"),
}


def upgrade() -> None:
    for name, (table, columns, where) in PARTIAL.items():
        op.drop_index(name, table_name=table)
        op.create_index(name, table, columns, unique=False, sqlite_where=sa.text(where))


def downgrade() -> None:
    # Forward only: a database is never migrated down; restore the pre-upgrade backup instead.
    raise NotImplementedError("Expresso migrations are forward-only")
