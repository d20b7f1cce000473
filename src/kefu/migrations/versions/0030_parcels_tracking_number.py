"""tracking ingest's indexes: parcels by tracking number; events' indexes trimmed

Every tracking source names a parcel by its number alone (the webhook, a provider's push,
a tracking file, orphans adopted when a parcel is created); without an index each batch
of events reads every parcel. Every stored event writes each index of tracking_events:
`ix_tracking_events_parcel_id` repeats the unique key's first column, and the review list
reads only unmapped events, so its index holds only those (issue 21, docs/benchmarks.md
"tracking").

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-06 21:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None


UNMAPPED = sa.text("mapped = false")


def upgrade() -> None:
    op.create_index("ix_parcels_tracking_number", "parcels", ["tracking_number"])
    op.drop_index("ix_tracking_events_parcel_id", table_name="tracking_events")
    op.drop_index("ix_tracking_events_unmapped", table_name="tracking_events")
    op.create_index(
        "ix_tracking_events_unmapped",
        "tracking_events",
        ["description"],
        sqlite_where=UNMAPPED,
        postgresql_where=UNMAPPED,
    )


def downgrade() -> None:
    op.drop_index("ix_tracking_events_unmapped", table_name="tracking_events")
    op.create_index("ix_tracking_events_unmapped", "tracking_events", ["mapped", "description"])
    op.create_index("ix_tracking_events_parcel_id", "tracking_events", ["parcel_id"])
    op.drop_index("ix_parcels_tracking_number", table_name="parcels")
