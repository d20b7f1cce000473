"""sub-intents: a finer intent under the 24 on messages and on agents' corrections

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-07 00:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("sub_intent", sa.String(length=32), nullable=True))
    with op.batch_alter_table("intent_corrections") as batch:
        batch.add_column(sa.Column("sub_intent", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("intent_corrections") as batch:
        batch.drop_column("sub_intent")
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("sub_intent")
