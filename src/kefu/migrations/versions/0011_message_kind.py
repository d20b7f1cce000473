"""the kind of a marketplace's line in a thread (platform notices and system messages)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 08:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Null for every message so far: all were a buyer's or the shop's. A notice or a system
    # message is stored with direction "platform" and its kind here.
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=16), nullable=True))


def downgrade() -> None:
    # Platform lines have no place in the older schema (every message was a buyer's or
    # the shop's): they go with the column.
    op.execute(
        "DELETE FROM message_translations WHERE message_id IN "
        "(SELECT id FROM messages WHERE direction = 'platform')"
    )
    op.execute("DELETE FROM messages WHERE direction = 'platform'")
    # Many tables point at messages: SQLite drops the column in place (3.35+) rather than
    # copying the table.
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE messages DROP COLUMN kind")
        return
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_column("kind")
