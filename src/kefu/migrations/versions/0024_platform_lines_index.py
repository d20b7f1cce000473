"""a partial index on the marketplace's own lines, for the Notices count in the menu

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-06 16:05:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

PLATFORM = sa.text("direction = 'platform'")


def upgrade() -> None:
    op.create_index(
        "ix_messages_platform",
        "messages",
        ["conversation_id"],
        sqlite_where=PLATFORM,
        postgresql_where=PLATFORM,
    )


def downgrade() -> None:
    op.drop_index("ix_messages_platform", table_name="messages")
