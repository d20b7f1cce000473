"""model versions: trained intent models with their figures in the database, the active
one (switched by one UPDATE), the retrain schedule, and labelled examples from files

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-07 00:50:00
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0032"
down_revision = "0031"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "model_versions",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("stage_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("trained_on", sa.JSON(), nullable=False),
        sa.Column("corrections_upto", sa.Integer(), nullable=False),
        sa.Column("examples_upto", sa.Integer(), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("previous", sa.JSON(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("model", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by"], ["accounts.id"], name=op.f("fk_model_versions_created_by_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_model_versions")),
    )
    settings = op.create_table(
        "model_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("active_version", sa.String(length=40), nullable=True),
        sa.Column("training_version", sa.String(length=40), nullable=True),
        sa.Column("retrain_every", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["active_version"],
            ["model_versions.id"],
            name=op.f("fk_model_settings_active_version_model_versions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_model_settings")),
    )
    op.bulk_insert(settings, [{"id": 1, "retrain_every": 0, "updated_at": datetime.now(UTC)}])
    op.create_table(
        "labelled_examples",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("intent", sa.String(length=32), nullable=False),
        sa.Column("sub_intent", sa.String(length=32), nullable=True),
        sa.Column("language", sa.String(length=16), nullable=True),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_labelled_examples_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_labelled_examples")),
        sa.UniqueConstraint("digest", name=op.f("uq_labelled_examples_digest")),
    )


def downgrade() -> None:
    op.drop_table("labelled_examples")
    op.drop_table("model_settings")
    op.drop_table("model_versions")
