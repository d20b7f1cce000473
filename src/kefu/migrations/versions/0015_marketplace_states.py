"""state both ways: per conversation of a connected store, what its marketplace last said
and what kefu last changed, with times, for mark, handled and read (docs/channels.md)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-08 10:00:00
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

_TIME = sa.DateTime(timezone=True)


def _field(name: str, kind: sa.types.TypeEngine[Any]) -> list[sa.Column[Any]]:
    return [
        sa.Column(f"platform_{name}", kind, nullable=True),
        sa.Column(f"platform_{name}_at", _TIME, nullable=True),
        sa.Column(f"platform_{name}_by", sa.String(length=8), nullable=True),
        sa.Column(f"kefu_{name}", kind, nullable=True),
        sa.Column(f"kefu_{name}_at", _TIME, nullable=True),
    ]


def upgrade() -> None:
    op.create_table(
        "marketplace_states",
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("ref", sa.String(length=128), nullable=False),
        *_field("mark", sa.String(length=16)),
        *_field("handled", sa.Boolean()),
        *_field("read", sa.Boolean()),
        sa.Column("pushed_at", _TIME, nullable=True),
        sa.Column("push_error", sa.String(length=500), nullable=True),
        sa.Column("push_refused_at", _TIME, nullable=True),
        sa.Column("updated_at", _TIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name="fk_marketplace_states_conversation_id_conversations",
        ),
        sa.ForeignKeyConstraint(
            ["store_id"], ["stores.id"], name="fk_marketplace_states_store_id_stores"
        ),
        sa.PrimaryKeyConstraint("conversation_id", name="pk_marketplace_states"),
    )
    op.create_index("ix_marketplace_states_store_id", "marketplace_states", ["store_id"])


def downgrade() -> None:
    op.drop_index("ix_marketplace_states_store_id", table_name="marketplace_states")
    op.drop_table("marketplace_states")
