"""Who did what to each order: ``order_events`` (issue 10, item 7), and a rejection's words
for people beside its code: ``mutation_log.message`` and ``outbox.message``.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02

Orders from before have no history; their timeline starts with the next action.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACTIONS = "'placed', 'start', 'ready', 'collect', 'cancel', 'undo', 'move', 'amend'"


def upgrade() -> None:
    op.create_table(
        "order_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.String(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("action", sa.String(), nullable=False),
        sa.Column("from_status", sa.String(), nullable=True),
        sa.Column("to_status", sa.String(), nullable=True),
        sa.Column("station_id", sa.Integer(), nullable=True),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("device_id", sa.Integer(), nullable=True),
        sa.Column("client_id", sa.String(), nullable=False),
        sa.Column("detail", sa.String(), nullable=True),
        sa.CheckConstraint(f"action IN ({ACTIONS})", name=op.f("ck_order_events_action")),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_order_events_order_id_orders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_events")),
    )
    op.create_index("ix_order_events_order_id", "order_events", ["order_id"], unique=False)
    op.create_index("ix_order_events_staff_id", "order_events", ["staff_id"], unique=False)
    op.add_column("mutation_log", sa.Column("message", sa.String(), nullable=True))
    op.add_column("outbox", sa.Column("message", sa.String(), nullable=True))


def downgrade() -> None:
    # Forward only: a database is never migrated down; restore the pre-upgrade backup instead.
    raise NotImplementedError("Expresso migrations are forward-only")
