"""logistics and customs desk: parcels followed by a tracking provider, events keyed by
carrier + number + time + code, orphan events, text rules, provider state, board
settings, tasks, parcel notices and customs facts (issue 21)

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-06 21:08:43.123420
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tracking_orphans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tracking_number", sa.String(length=64), nullable=False),
        sa.Column("carrier", sa.String(length=64), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=True),
        sa.Column("location", sa.String(length=200), nullable=True),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tracking_orphans")),
        sa.UniqueConstraint(
            "tracking_number",
            "carrier",
            "occurred_at",
            "code",
            name=op.f("uq_tracking_orphans_tracking_number_carrier_occurred_at_code"),
        ),
    )
    with op.batch_alter_table("tracking_orphans", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_tracking_orphans_tracking_number"), ["tracking_number"], unique=False
        )

    op.create_table(
        "tracking_providers",
        sa.Column("name", sa.String(length=16), nullable=False),
        sa.Column("quota_total", sa.Integer(), nullable=True),
        sa.Column("quota_used", sa.Integer(), nullable=True),
        sa.Column("quota_checked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_success_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("last_error_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("stale_since", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_tracking_providers")),
    )
    op.create_table(
        "customs_facts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=True),
        sa.Column("region", sa.String(length=8), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.Column("summary", sa.String(length=500), nullable=False),
        sa.Column("source_url", sa.String(length=500), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["store_id"], ["stores.id"], name=op.f("fk_customs_facts_store_id_stores")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customs_facts")),
        sa.UniqueConstraint(
            "store_id", "region", "key", name=op.f("uq_customs_facts_store_id_region_key")
        ),
    )
    op.create_table(
        "logistics_settings",
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["store_id"], ["stores.id"], name=op.f("fk_logistics_settings_store_id_stores")
        ),
        sa.ForeignKeyConstraint(
            ["updated_by"], ["accounts.id"], name=op.f("fk_logistics_settings_updated_by_accounts")
        ),
        sa.PrimaryKeyConstraint("store_id", name=op.f("pk_logistics_settings")),
    )
    op.create_table(
        "tracking_text_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(length=500), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"], ["accounts.id"], name=op.f("fk_tracking_text_rules_created_by_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tracking_text_rules")),
        sa.UniqueConstraint("text", name=op.f("uq_tracking_text_rules_text")),
    )
    op.create_table(
        "tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=True),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("parcel_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["assignee_id"], ["accounts.id"], name=op.f("fk_tasks_assignee_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_tasks_conversation_id_conversations"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["accounts.id"], name=op.f("fk_tasks_created_by_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["done_by"], ["accounts.id"], name=op.f("fk_tasks_done_by_accounts")
        ),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name=op.f("fk_tasks_order_id_orders")),
        sa.ForeignKeyConstraint(
            ["parcel_id"], ["parcels.id"], name=op.f("fk_tasks_parcel_id_parcels")
        ),
        sa.ForeignKeyConstraint(["store_id"], ["stores.id"], name=op.f("fk_tasks_store_id_stores")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tasks")),
        sa.UniqueConstraint("key", name=op.f("uq_tasks_key")),
    )
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.create_index("ix_tasks_open", ["store_id", "done_at"], unique=False)

    op.create_table(
        "parcel_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("parcel_id", sa.Integer(), nullable=False),
        sa.Column("anomaly", sa.String(length=32), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("task_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["by"], ["accounts.id"], name=op.f("fk_parcel_notices_by_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["message_id"], ["messages.id"], name=op.f("fk_parcel_notices_message_id_messages")
        ),
        sa.ForeignKeyConstraint(
            ["parcel_id"], ["parcels.id"], name=op.f("fk_parcel_notices_parcel_id_parcels")
        ),
        sa.ForeignKeyConstraint(
            ["task_id"], ["tasks.id"], name=op.f("fk_parcel_notices_task_id_tasks")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_parcel_notices")),
        sa.UniqueConstraint(
            "parcel_id", "anomaly", name=op.f("uq_parcel_notices_parcel_id_anomaly")
        ),
    )
    with op.batch_alter_table("parcels", schema=None) as batch_op:
        batch_op.add_column(sa.Column("status_since", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("provider", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("provider_carrier", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("registered_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("polled_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("next_poll_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f("ix_parcels_next_poll_at"), ["next_poll_at"], unique=False)
        batch_op.create_index(
            "ix_parcels_status", ["latest_status", "latest_event_at"], unique=False
        )

    with op.batch_alter_table("tracking_events", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("code", sa.String(length=64), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("source", sa.String(length=16), nullable=False, server_default="import")
        )
        batch_op.add_column(
            sa.Column("mapped", sa.Boolean(), nullable=False, server_default=sa.true())
        )
    # Events stored before had the status as their only word: it becomes their code.
    op.execute("UPDATE tracking_events SET code = status")
    op.execute("UPDATE parcels SET status_since = latest_event_at")
    with op.batch_alter_table("tracking_events", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("uq_tracking_events_parcel_id_occurred_at_status"), type_="unique"
        )
        batch_op.create_index(
            "ix_tracking_events_unmapped", ["mapped", "description"], unique=False
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_tracking_events_parcel_id_occurred_at_code"),
            ["parcel_id", "occurred_at", "code"],
        )


def downgrade() -> None:
    with op.batch_alter_table("tracking_events", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("uq_tracking_events_parcel_id_occurred_at_code"), type_="unique"
        )
        batch_op.drop_index("ix_tracking_events_unmapped")
        batch_op.create_unique_constraint(
            batch_op.f("uq_tracking_events_parcel_id_occurred_at_status"),
            ["parcel_id", "occurred_at", "status"],
        )
        batch_op.drop_column("mapped")
        batch_op.drop_column("source")
        batch_op.drop_column("code")

    with op.batch_alter_table("parcels", schema=None) as batch_op:
        batch_op.drop_index("ix_parcels_status")
        batch_op.drop_index(batch_op.f("ix_parcels_next_poll_at"))
        batch_op.drop_column("next_poll_at")
        batch_op.drop_column("polled_at")
        batch_op.drop_column("registered_at")
        batch_op.drop_column("provider_carrier")
        batch_op.drop_column("provider")
        batch_op.drop_column("status_since")

    op.drop_table("parcel_notices")
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.drop_index("ix_tasks_open")

    op.drop_table("tasks")
    op.drop_table("tracking_text_rules")
    op.drop_table("logistics_settings")
    op.drop_table("customs_facts")
    op.drop_table("tracking_providers")
    with op.batch_alter_table("tracking_orphans", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tracking_orphans_tracking_number"))

    op.drop_table("tracking_orphans")
