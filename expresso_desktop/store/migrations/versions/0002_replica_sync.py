"""Station-side sync bookkeeping: sync_state and the outbox (sync.md 4.2).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sync_state",
        sa.Column("k", sa.String(), nullable=False),
        sa.Column("v", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("k", name=op.f("pk_sync_state")),
    )
    op.create_table(
        "outbox",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("args_json", sa.JSON(), nullable=False),
        sa.Column("client_ts", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(), server_default=sa.text("'pending'"), nullable=False),
        sa.Column("reason", sa.String(), nullable=True),
        sa.Column("server_version", sa.Integer(), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("last_error", sa.String(), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'acked', 'rejected')", name=op.f("ck_outbox_status")
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_outbox")),
    )
    op.create_index("ix_outbox_status_seq", "outbox", ["status", "seq"], unique=False)


def downgrade() -> None:
    # Forward only: a database is never migrated down; restore the pre-upgrade backup instead.
    raise NotImplementedError("Expresso migrations are forward-only")
