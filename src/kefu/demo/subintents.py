"""A demo buyer whose words name the one sub-intent the drawn corpus lacks.

The corpus lines drawn for the demo name five of the six sub-intents (short shipments,
low-declaration requests, parcels held in customs, invoices, samples); none of its
wrong-item lines says the item differs from the listing's photos, so this buyer does.
The message goes through the normal triage like every other (docs/domain/intents.md).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

NOT_AS_DESCRIBED_BUYER = "ali-b-demo-photo"


def not_as_described_message(now: datetime) -> dict[str, Any]:
    """A buyer on ali-global says the colour differs from the photo (not as described)."""
    return {
        "store": "ali-global",
        "message_id": "demo-not-as-described-1",
        "buyer_id": NOT_AS_DESCRIBED_BUYER,
        "buyer_name": "Grace Miller",
        "buyer_country": "GB",
        "buyer_language": "en",
        "sent_at": (now - timedelta(hours=5)).isoformat(),
        "text": "wrong item!! this is not what i ordered, the colour is different from the photo",
    }
