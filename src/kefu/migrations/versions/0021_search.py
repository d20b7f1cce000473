"""search: the message index (FTS5 on SQLite, tsvector + GIN on PostgreSQL), its queue
and triggers, look-up indexes for identifiers; existing messages are indexed
(docs/search.md)

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06 15:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from kefu.adapters.db import search

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

LOOKUPS = (
    ("ix_search_orders_number", "orders", "order_number"),
    ("ix_search_parcels_tracking", "parcels", "tracking_number"),
    ("ix_search_order_lines_sku", "order_lines", "sku"),
    ("ix_search_products_sku", "products", "sku"),
    ("ix_search_buyer_identities_platform", "buyer_identities", "platform_buyer_id"),
    ("ix_search_conversations_product", "conversations", "product_id"),
    ("ix_search_conversations_platform", "conversations", "platform_conversation_id"),
    ("ix_search_buyers_name", "buyers", "name"),
)


def upgrade() -> None:
    op.create_table(
        "search_queue",
        sa.Column("message_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint("message_id", name=op.f("pk_search_queue")),
    )
    for name, table, column in LOOKUPS:
        op.create_index(name, table, [column])
    conn = op.get_bind()
    search.create(conn)
    conn.execute(sa.text("INSERT INTO search_queue (message_id) SELECT id FROM messages"))
    search.flush_queue(conn)


def downgrade() -> None:
    search.drop(op.get_bind())
    for name, table, _ in LOOKUPS:
        op.drop_index(name, table_name=table)
    op.drop_table("search_queue")
