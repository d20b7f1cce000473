"""KPI facts written again: a reply kefu sent answers when the platform confirmed it (never
if it was not delivered), and every fact's store-local day follows the store's zone now
(docs/kpis.md "Undelivered replies", "Reporting facts")

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-06 18:30:00
"""

from __future__ import annotations

from alembic import op

from kefu.adapters.db.kpifacts import rebuild_facts

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The facts written before this revision counted undelivered replies as answers and
    # kept the day of a store's old zone; the same code as `kefu db rebuild-facts`.
    rebuild_facts(op.get_bind())


def downgrade() -> None:
    # No schema changed: the facts as written now stay correct for the older code.
    pass
