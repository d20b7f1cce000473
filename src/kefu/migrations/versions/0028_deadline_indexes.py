"""indexes for the deadlines board and the breach sweep

A conversation's breach is told once per wait: the sweep asks whether a breach
notification for the conversation was written after `waiting_since`, which reads this
index instead of every notification. The board reads waiting conversations by
`waiting_since`.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-06 18:10:00
"""

from __future__ import annotations

from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_notifications_conversation_kind",
        "notifications",
        ["conversation_id", "kind", "created_at"],
    )
    op.create_index("ix_conversations_status_waiting", "conversations", ["status", "waiting_since"])


def downgrade() -> None:
    op.drop_index("ix_conversations_status_waiting", table_name="conversations")
    op.drop_index("ix_notifications_conversation_kind", table_name="notifications")
