"""reporting facts for the KPI report, filled from the stored messages; orders by buyer
with their payments

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 09:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from kefu.adapters.db.kpifacts import rebuild_facts

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "kpi_facts",
        sa.Column("message_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("buyer_id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("automatic", sa.Boolean(), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answer_seconds", sa.Float(), nullable=True),
        sa.Column("answer_working_seconds", sa.Float(), nullable=True),
        sa.Column("guided_until", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["accounts.id"], name=op.f("fk_kpi_facts_agent_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["buyer_id"], ["buyers.id"], name=op.f("fk_kpi_facts_buyer_id_buyers")
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_kpi_facts_conversation_id_conversations"),
        ),
        sa.ForeignKeyConstraint(
            ["message_id"], ["messages.id"], name=op.f("fk_kpi_facts_message_id_messages")
        ),
        sa.ForeignKeyConstraint(
            ["store_id"], ["stores.id"], name=op.f("fk_kpi_facts_store_id_stores")
        ),
        sa.PrimaryKeyConstraint("message_id", name=op.f("pk_kpi_facts")),
    )
    counted = ["buyer_id", "automatic", "answer_seconds", "sent_at", "guided_until"]
    waits = ["agent_id", "conversation_id", "answered_at", "answer_working_seconds"]
    op.create_index("ix_kpi_facts_day", "kpi_facts", ["day", "store_id", *counted, *waits])
    op.create_index("ix_kpi_facts_store_day", "kpi_facts", ["store_id", "day", *counted])
    op.create_index(
        "ix_kpi_facts_agent_day", "kpi_facts", ["agent_id", "day", "store_id", *counted]
    )
    op.create_index("ix_kpi_facts_conversation", "kpi_facts", ["conversation_id"])
    op.drop_index("ix_orders_buyer_id", table_name="orders")
    op.create_index(
        "ix_orders_buyer_paid", "orders", ["buyer_id", "store_id", "paid_at", "total_cents"]
    )
    # Backfill: the same code that writes the facts when messages arrive, over every
    # conversation, in this migration's transaction (docs/kpis.md "Reporting facts"). That
    # code reads messages as the newest schema has them; until a later revision has added
    # what it reads (0013: no_response_at), that revision backfills instead.
    if "no_response_at" in {c["name"] for c in sa.inspect(op.get_bind()).get_columns("messages")}:
        rebuild_facts(op.get_bind())


def downgrade() -> None:
    op.drop_index("ix_orders_buyer_paid", table_name="orders")
    op.create_index("ix_orders_buyer_id", "orders", ["buyer_id"])
    op.drop_table("kpi_facts")
