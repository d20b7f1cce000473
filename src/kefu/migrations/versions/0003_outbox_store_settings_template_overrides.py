"""outbox columns on messages, store settings, template overrides

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 01:15:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("auto_kind", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("template_key", sa.String(length=40), nullable=True))
        batch_op.add_column(
            sa.Column("delivery_attempts", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("delivery_error", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("external_id", sa.String(length=160), nullable=True))
        batch_op.add_column(sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(
            "ix_messages_delivery_due", ["delivery_status", "next_attempt_at"], unique=False
        )
    # Replies stored before this version were never sent: they wait in the outbox now.
    op.execute("UPDATE messages SET next_attempt_at = sent_at WHERE delivery_status = 'pending'")
    op.create_table(
        "store_settings",
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("facts", sa.JSON(), nullable=False),
        sa.Column("auto_replies", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["store_id"], ["stores.id"], name=op.f("fk_store_settings_store_id_stores")
        ),
        sa.PrimaryKeyConstraint("store_id", name=op.f("pk_store_settings")),
    )
    op.create_table(
        "template_overrides",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("template_key", sa.String(length=40), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_template_overrides_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["store_id"], ["stores.id"], name=op.f("fk_template_overrides_store_id_stores")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_template_overrides")),
        sa.UniqueConstraint(
            "store_id",
            "template_key",
            "language",
            name=op.f("uq_template_overrides_store_id_template_key_language"),
        ),
    )


def downgrade() -> None:
    op.drop_table("template_overrides")
    op.drop_table("store_settings")
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_index("ix_messages_delivery_due")
        for column in (
            "delivered_at",
            "external_id",
            "delivery_error",
            "next_attempt_at",
            "delivery_attempts",
            "template_key",
            "auto_kind",
        ):
            batch_op.drop_column(column)
