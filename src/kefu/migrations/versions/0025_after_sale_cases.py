"""after-sale cases: cases, their lines, steps, evidence and per-person limits (docs/cases.md)

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-06 17:53:31.170719
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "case_limits",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("max_refund_usd_cents", sa.Integer(), nullable=True),
        sa.Column("may_decline_return", sa.Boolean(), nullable=False),
        sa.Column("may_refuse_dispute", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_case_limits_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["updated_by"], ["accounts.id"], name=op.f("fk_case_limits_updated_by_accounts")
        ),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_case_limits")),
    )
    op.create_table(
        "cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=True),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("buyer_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=24), nullable=False),
        sa.Column("is_open", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.String(length=24), nullable=False),
        sa.Column("solution", sa.String(length=24), nullable=True),
        sa.Column("refund_cents", sa.Integer(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("holder_id", sa.Integer(), nullable=True),
        sa.Column("opened_by", sa.Integer(), nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("platform_ref", sa.String(length=128), nullable=True),
        sa.Column("platform_state", sa.String(length=64), nullable=True),
        sa.Column("online_shipping", sa.Boolean(), nullable=False),
        sa.Column("platform_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("platform_due_source", sa.String(length=16), nullable=True),
        sa.Column("platform_due_rule", sa.String(length=64), nullable=True),
        sa.Column("shop_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("shop_due_rule", sa.String(length=64), nullable=True),
        sa.Column("paused_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("paused_seconds", sa.Integer(), nullable=False),
        sa.Column("breach_notified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("push_state", sa.String(length=16), nullable=False),
        sa.Column("push_error", sa.Text(), nullable=True),
        sa.Column("tracking_number", sa.String(length=64), nullable=True),
        sa.Column("tracking_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["buyer_id"], ["buyers.id"], name=op.f("fk_cases_buyer_id_buyers")),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_cases_conversation_id_conversations"),
        ),
        sa.ForeignKeyConstraint(
            ["holder_id"], ["accounts.id"], name=op.f("fk_cases_holder_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["opened_by"], ["accounts.id"], name=op.f("fk_cases_opened_by_accounts")
        ),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name=op.f("fk_cases_order_id_orders")),
        sa.ForeignKeyConstraint(["store_id"], ["stores.id"], name=op.f("fk_cases_store_id_stores")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases")),
        sa.UniqueConstraint(
            "store_id", "platform_ref", name=op.f("uq_cases_store_id_platform_ref")
        ),
    )
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_cases_conversation_id"), ["conversation_id"], unique=False
        )
        batch_op.create_index("ix_cases_holder_open", ["holder_id", "is_open"], unique=False)
        batch_op.create_index("ix_cases_open_due", ["is_open", "platform_due_at"], unique=False)
        batch_op.create_index("ix_cases_open_shop_due", ["is_open", "shop_due_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_cases_order_id"), ["order_id"], unique=False)
        batch_op.create_index(
            "ix_cases_store_kind_opened", ["store_id", "kind", "opened_at"], unique=False
        )

    op.create_table(
        "case_evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("mime", sa.String(length=32), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("added_by", sa.Integer(), nullable=True),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("platform_ref", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(
            ["added_by"], ["accounts.id"], name=op.f("fk_case_evidence_added_by_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_evidence_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_evidence")),
        sa.UniqueConstraint("case_id", "sha256", name=op.f("uq_case_evidence_case_id_sha256")),
    )
    with op.batch_alter_table("case_evidence", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_evidence_case_id"), ["case_id"], unique=False)

    op.create_table(
        "case_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("order_line_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_lines_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["order_line_id"],
            ["order_lines.id"],
            name=op.f("fk_case_lines_order_line_id_order_lines"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_lines")),
        sa.UniqueConstraint(
            "case_id", "order_line_id", name=op.f("uq_case_lines_case_id_order_line_id")
        ),
    )
    with op.batch_alter_table("case_lines", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_lines_case_id"), ["case_id"], unique=False)

    op.create_table(
        "case_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=24), nullable=False),
        sa.Column("from_state", sa.String(length=24), nullable=False),
        sa.Column("to_state", sa.String(length=24), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("request_key", sa.String(length=128), nullable=True),
        sa.Column("push_state", sa.String(length=16), nullable=False),
        sa.Column("push_error", sa.Text(), nullable=True),
        sa.Column("push_attempts", sa.Integer(), nullable=False),
        sa.Column("pushed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["accounts.id"], name=op.f("fk_case_steps_actor_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_steps_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_steps")),
        sa.UniqueConstraint(
            "case_id", "request_key", name=op.f("uq_case_steps_case_id_request_key")
        ),
    )
    with op.batch_alter_table("case_steps", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_steps_case_id"), ["case_id"], unique=False)
        batch_op.create_index("ix_case_steps_push", ["push_state", "case_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("case_steps", schema=None) as batch_op:
        batch_op.drop_index("ix_case_steps_push")
        batch_op.drop_index(batch_op.f("ix_case_steps_case_id"))

    op.drop_table("case_steps")
    with op.batch_alter_table("case_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_lines_case_id"))

    op.drop_table("case_lines")
    with op.batch_alter_table("case_evidence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_evidence_case_id"))

    op.drop_table("case_evidence")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_store_kind_opened")
        batch_op.drop_index(batch_op.f("ix_cases_order_id"))
        batch_op.drop_index("ix_cases_open_shop_due")
        batch_op.drop_index("ix_cases_open_due")
        batch_op.drop_index("ix_cases_holder_open")
        batch_op.drop_index(batch_op.f("ix_cases_conversation_id"))

    op.drop_table("cases")
    op.drop_table("case_limits")
