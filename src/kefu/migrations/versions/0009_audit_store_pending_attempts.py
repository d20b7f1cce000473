"""the store of each audit row (a lead reads their stores' rows); pending sign-in attempts

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-24 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

FK = "fk_audit_log_store_id_stores"

# Rows written before this revision get the store their entity names, as the adapter
# (adapters/db/auth.py audit_store_id) files every new row.
BACKFILL = (
    "UPDATE audit_log SET store_id = entity_id "
    "WHERE entity_type = 'store' AND entity_id IN (SELECT id FROM stores)",
    "UPDATE audit_log SET store_id = (SELECT c.store_id FROM conversations c "
    "WHERE c.id = audit_log.entity_id) WHERE entity_type = 'conversation'",
    "UPDATE audit_log SET store_id = (SELECT c.store_id FROM messages m "
    "JOIN conversations c ON c.id = m.conversation_id WHERE m.id = audit_log.entity_id) "
    "WHERE entity_type = 'message'",
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # ADD COLUMN with its reference in place: no copy of a log that may be large.
        op.execute(
            "ALTER TABLE audit_log ADD COLUMN store_id INTEGER "
            f"CONSTRAINT {FK} REFERENCES stores (id)"
        )
    else:
        op.add_column("audit_log", sa.Column("store_id", sa.Integer(), nullable=True))
        op.create_foreign_key(FK, "audit_log", "stores", ["store_id"], ["id"])
    for statement in BACKFILL:
        op.execute(statement)
    # NULL: the password is still being checked (counted as a failure meanwhile).
    with op.batch_alter_table("sign_in_attempts", schema=None) as batch_op:
        batch_op.alter_column("success", existing_type=sa.Boolean(), nullable=True)


def downgrade() -> None:
    op.execute("UPDATE sign_in_attempts SET success = false WHERE success IS NULL")
    with op.batch_alter_table("sign_in_attempts", schema=None) as batch_op:
        batch_op.alter_column("success", existing_type=sa.Boolean(), nullable=False)
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(FK, "audit_log", type_="foreignkey")
        op.drop_column("audit_log", "store_id")
        return
    # No table points at the log, so SQLite may copy it without the column.
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_column("store_id")  # its reference goes with it
