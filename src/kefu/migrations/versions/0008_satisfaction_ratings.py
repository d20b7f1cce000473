"""satisfaction ratings buyers give (1-5), for the KPI report

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 04:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from kefu.adapters.db.tables import UTCDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "satisfaction_ratings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("platform_rating_id", sa.String(length=160), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("rated_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("received_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["accounts.id"], name=op.f("fk_satisfaction_ratings_agent_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_satisfaction_ratings_conversation_id_conversations"),
        ),
        sa.ForeignKeyConstraint(
            ["store_id"], ["stores.id"], name=op.f("fk_satisfaction_ratings_store_id_stores")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_satisfaction_ratings")),
        sa.UniqueConstraint(
            "store_id",
            "platform_rating_id",
            name=op.f("uq_satisfaction_ratings_store_id_platform_rating_id"),
        ),
    )
    with op.batch_alter_table("satisfaction_ratings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_satisfaction_ratings_conversation_id"), ["conversation_id"], unique=False
        )
        batch_op.create_index(
            "ix_satisfaction_ratings_day", ["day", "store_id", "agent_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("satisfaction_ratings", schema=None) as batch_op:
        batch_op.drop_index("ix_satisfaction_ratings_day")
        batch_op.drop_index(batch_op.f("ix_satisfaction_ratings_conversation_id"))

    op.drop_table("satisfaction_ratings")
