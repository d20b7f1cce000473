"""the sub-account that manages each product (SPEC §7)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 03:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

FK = "fk_products_owner_account_id_accounts"
INDEX = "ix_products_owner_account_id"


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # ADD COLUMN with its reference in place: a batch copy of `products` would have
        # to drop the table that order lines and conversations point at.
        op.execute(
            "ALTER TABLE products ADD COLUMN owner_account_id INTEGER "
            f"CONSTRAINT {FK} REFERENCES accounts (id)"
        )
    else:
        op.add_column("products", sa.Column("owner_account_id", sa.Integer(), nullable=True))
        op.create_foreign_key(FK, "products", "accounts", ["owner_account_id"], ["id"])
    op.create_index(INDEX, "products", ["owner_account_id"])


def downgrade() -> None:
    op.drop_index(INDEX, table_name="products")
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(FK, "products", type_="foreignkey")
        op.drop_column("products", "owner_account_id")
        return
    # SQLite drops a referencing column only by copying the table; foreign keys are off
    # while `products` is replaced, as SQLite's documentation prescribes.
    with op.get_context().autocommit_block():
        op.execute("PRAGMA foreign_keys=OFF")
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.drop_column("owner_account_id")  # its reference goes with it
    with op.get_context().autocommit_block():
        op.execute("PRAGMA foreign_keys=ON")
