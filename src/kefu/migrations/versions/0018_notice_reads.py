"""notices read: one row per platform notice someone read (docs/channels.md "Notices");
closed apart from handled in marketplace_states (docs/channels.md "State both ways")

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

_TIME = sa.DateTime(timezone=True)
_CLOSED = (
    "platform_closed",
    "platform_closed_at",
    "platform_closed_by",
    "kefu_closed",
    "kefu_closed_at",
)


def upgrade() -> None:
    op.create_table(
        "notice_reads",
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("read_at", _TIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["message_id"], ["messages.id"], name="fk_notice_reads_message_id_messages"
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name="fk_notice_reads_account_id_accounts"
        ),
        sa.PrimaryKeyConstraint("message_id", name="pk_notice_reads"),
    )
    with op.batch_alter_table("marketplace_states") as batch:
        batch.add_column(sa.Column("platform_closed", sa.Boolean(), nullable=True))
        batch.add_column(sa.Column("platform_closed_at", _TIME, nullable=True))
        batch.add_column(sa.Column("platform_closed_by", sa.String(length=8), nullable=True))
        batch.add_column(sa.Column("kefu_closed", sa.Boolean(), nullable=True))
        batch.add_column(sa.Column("kefu_closed_at", _TIME, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("marketplace_states") as batch:
        for name in _CLOSED:
            batch.drop_column(name)
    op.drop_table("notice_reads")
