"""Sync clients bound to devices: ``sync_clients.device_id`` (issue 15, finding 1).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01

Existing clients keep ``device_id`` NULL; the next hello with their id binds them to the
device that sent it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("sync_clients", sa.Column("device_id", sa.Integer(), nullable=True))
    op.create_index("ix_sync_clients_device_id", "sync_clients", ["device_id"], unique=False)


def downgrade() -> None:
    # Forward only: a database is never migrated down; restore the pre-upgrade backup instead.
    raise NotImplementedError("Expresso migrations are forward-only")
