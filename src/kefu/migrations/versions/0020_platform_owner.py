"""the platform sub-account that holds a conversation (AliExpress child account), as the
platform last said (docs/channels.md "State both ways")

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06 13:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("marketplace_states") as batch:
        batch.add_column(sa.Column("platform_owner", sa.String(length=128), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("marketplace_states") as batch:
        batch.drop_column("platform_owner")
