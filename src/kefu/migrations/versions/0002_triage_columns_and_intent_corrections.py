"""triage columns and intent corrections

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 22:41:54.517717
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "intent_corrections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("intent", sa.String(length=32), nullable=False),
        sa.Column("previous", sa.String(length=32), nullable=True),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_intent_corrections_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["message_id"], ["messages.id"], name=op.f("fk_intent_corrections_message_id_messages")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intent_corrections")),
        sa.UniqueConstraint("message_id", name=op.f("uq_intent_corrections_message_id")),
    )
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("intent", sa.String(length=32), nullable=True))
        batch_op.add_column(
            sa.Column("mood", sa.String(length=100), nullable=False, server_default="")
        )
        batch_op.create_index(
            "ix_conversations_intent_queue", ["intent", "queue_rank", "sort_key"], unique=False
        )

    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("intent", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("intent_guess", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("intent_confidence", sa.Float(), nullable=True))
        batch_op.add_column(
            sa.Column("emotion", sa.String(length=100), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("entities", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.add_column(sa.Column("triage_version", sa.String(length=40), nullable=True))


def downgrade() -> None:

    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_column("triage_version")
        batch_op.drop_column("entities")
        batch_op.drop_column("emotion")
        batch_op.drop_column("intent_confidence")
        batch_op.drop_column("intent_guess")
        batch_op.drop_column("intent")

    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.drop_index("ix_conversations_intent_queue")
        batch_op.drop_column("mood")
        batch_op.drop_column("intent")

    op.drop_table("intent_corrections")
