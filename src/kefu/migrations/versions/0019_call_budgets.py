"""call budgets shared by every worker, and a failing store's back-off (docs/channels.md
"Rate limits", "Back-off")

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 11:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "call_budgets",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("tat", sa.Double(), nullable=False),
        sa.Column("paused_until", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_call_budgets"),
    )
    with op.batch_alter_table("store_connections") as batch:
        batch.add_column(
            sa.Column("failures", sa.Integer(), nullable=False, server_default=sa.text("0"))
        )
        batch.add_column(sa.Column("retry_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("store_connections") as batch:
        batch.drop_column("retry_at")
        batch.drop_column("failures")
    op.drop_table("call_budgets")
