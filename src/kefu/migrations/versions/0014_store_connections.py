"""a store's connection to its marketplace's API: sealed credentials, sync cursor, health;
messages found by the id the platform gave a delivered reply (docs/channels.md)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 11:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "store_connections",
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("base_url", sa.String(length=300), nullable=False),
        sa.Column("credentials", sa.Text(), nullable=False),
        sa.Column("cursor", sa.Text(), nullable=True),
        sa.Column("backfill_days", sa.Integer(), nullable=False),
        sa.Column("interval_minutes", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("last_sync_at", _TIME, nullable=True),
        sa.Column("last_success_at", _TIME, nullable=True),
        sa.Column("last_pulled", sa.Integer(), nullable=False),
        sa.Column("total_pulled", sa.BigInteger(), nullable=False),
        sa.Column("error_code", sa.String(length=32), nullable=True),
        sa.Column("error_detail", sa.String(length=500), nullable=True),
        sa.Column("error_at", _TIME, nullable=True),
        sa.Column("updated_at", _TIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["store_id"], ["stores.id"], name="fk_store_connections_store_id_stores"
        ),
        sa.PrimaryKeyConstraint("store_id", name="pk_store_connections"),
    )
    # A delivered reply pulled back from the platform is recognised by the id it was given.
    op.create_index("ix_messages_store_external", "messages", ["store_id", "external_id"])


def downgrade() -> None:
    op.drop_index("ix_messages_store_external", table_name="messages")
    op.drop_table("store_connections")
