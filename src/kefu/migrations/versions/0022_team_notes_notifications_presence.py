"""team work: internal notes, notifications (mentions, hand-overs), who has a
conversation open, and an index for a person's unread work (docs/team.md "Working
together")

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06 15:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

_TIME = sa.DateTime(timezone=True)


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], name=f"fk_{table}_{column}_{target}")


def upgrade() -> None:
    op.create_index(
        "ix_conversations_assignee_unread",
        "conversations",
        ["assignee_id", "unread", "last_buyer_message_at"],
    )
    op.create_table(
        "conversation_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("mentions", sa.JSON(), nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
        _fk("conversation_notes", "conversation_id", "conversations"),
        _fk("conversation_notes", "store_id", "stores"),
        _fk("conversation_notes", "author_id", "accounts"),
        sa.PrimaryKeyConstraint("id", name="pk_conversation_notes"),
    )
    op.create_index(
        "ix_conversation_notes_thread", "conversation_notes", ["conversation_id", "created_at"]
    )
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("note_id", sa.Integer(), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("read_at", _TIME, nullable=True),
        _fk("notifications", "account_id", "accounts"),
        _fk("notifications", "conversation_id", "conversations"),
        _fk("notifications", "note_id", "conversation_notes"),
        _fk("notifications", "actor_id", "accounts"),
        sa.PrimaryKeyConstraint("id", name="pk_notifications"),
    )
    op.create_index(
        "ix_notifications_account_read", "notifications", ["account_id", "read_at", "id"]
    )
    op.create_table(
        "conversation_presence",
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=8), nullable=False),
        sa.Column("seen_at", _TIME, nullable=False),
        _fk("conversation_presence", "conversation_id", "conversations"),
        _fk("conversation_presence", "account_id", "accounts"),
        sa.PrimaryKeyConstraint("conversation_id", "account_id", name="pk_conversation_presence"),
    )


def downgrade() -> None:
    op.drop_table("conversation_presence")
    op.drop_index("ix_notifications_account_read", table_name="notifications")
    op.drop_table("notifications")
    op.drop_index("ix_conversation_notes_thread", table_name="conversation_notes")
    op.drop_table("conversation_notes")
    op.drop_index("ix_conversations_assignee_unread", table_name="conversations")
