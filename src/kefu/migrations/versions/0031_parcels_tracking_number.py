"""an index on parcels' tracking numbers

Every tracking source names a parcel by its number alone (the webhook, a provider's push,
a tracking file, orphans adopted when a parcel is created); without this index each batch
of events reads every parcel (issue 21, docs/benchmarks.md "tracking").

Revision ID: 0031
Revises: 0029
Create Date: 2026-12-06 21:20:00
"""

from __future__ import annotations

from alembic import op

revision = "0031"
down_revision = "0029"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_parcels_tracking_number", "parcels", ["tracking_number"])


def downgrade() -> None:
    op.drop_index("ix_parcels_tracking_number", table_name="parcels")
