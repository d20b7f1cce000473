"""translations: term bases, message translations, cache, usage, settings

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 03:25:08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from kefu.adapters.db.tables import UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "translation_cache",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("source_language", sa.String(length=16), nullable=False),
        sa.Column("target_language", sa.String(length=16), nullable=False),
        sa.Column("termbase_version", sa.String(length=32), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("translated", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_translation_cache")),
        sa.UniqueConstraint(
            "provider",
            "source_language",
            "target_language",
            "termbase_version",
            "digest",
            name="uq_translation_cache_key",
        ),
    )
    op.create_table(
        "translation_usage",
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("characters", sa.BigInteger(), nullable=False),
        sa.Column("calls", sa.Integer(), nullable=False),
        sa.Column("segments", sa.Integer(), nullable=False),
        sa.Column("cache_hits", sa.Integer(), nullable=False),
        sa.Column("errors", sa.Integer(), nullable=False),
        sa.Column("latency_ms_total", sa.Float(), nullable=False),
        sa.Column("latency_ms_max", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("provider", "day", name=op.f("pk_translation_usage")),
    )
    op.create_table(
        "term_bases",
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("terms", sa.JSON(), nullable=False),
        sa.Column("version", sa.String(length=32), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_term_bases_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["store_id"], ["stores.id"], name=op.f("fk_term_bases_store_id_stores")
        ),
        sa.PrimaryKeyConstraint("store_id", name=op.f("pk_term_bases")),
    )
    op.create_table(
        "translation_settings",
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("agent_languages", sa.JSON(), nullable=False),
        sa.Column("budgets", sa.JSON(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_translation_settings_account_id_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_translation_settings_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("organisation_id", name=op.f("pk_translation_settings")),
    )
    op.create_table(
        "message_translations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("origin", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("provider", sa.String(length=32), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["messages.id"],
            name=op.f("fk_message_translations_message_id_messages"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message_translations")),
        sa.UniqueConstraint(
            "message_id", "language", name=op.f("uq_message_translations_message_id_language")
        ),
    )
    with op.batch_alter_table("message_translations", schema=None) as batch_op:
        batch_op.create_index(
            "ix_message_translations_due", ["status", "next_attempt_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("message_translations", schema=None) as batch_op:
        batch_op.drop_index("ix_message_translations_due")

    op.drop_table("message_translations")
    op.drop_table("translation_settings")
    op.drop_table("term_bases")
    op.drop_table("translation_usage")
    op.drop_table("translation_cache")
