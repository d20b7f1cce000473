"""a store's currency and when it was archived (stores made by the owner: docs/stores.md)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 07:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Stores made before this revision sold in US dollars as far as kefu knew; none is
    # archived. Both columns are added in place (no copy of the table).
    with op.batch_alter_table("stores", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("currency", sa.String(length=3), nullable=False, server_default="USD")
        )
        batch_op.add_column(sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    # Many tables point at stores: SQLite drops the columns in place (3.35+) rather than
    # copying the table.
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE stores DROP COLUMN archived_at")
        op.execute("ALTER TABLE stores DROP COLUMN currency")
        return
    with op.batch_alter_table("stores", schema=None) as batch_op:
        batch_op.drop_column("archived_at")
        batch_op.drop_column("currency")
