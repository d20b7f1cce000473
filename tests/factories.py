"""Builders for test data; each documents the shop it makes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from kefu.demo.catalog import ACCOUNTS, STORES
from kefu.domain.types import OrderStatus, TrackingStatus
from kefu.services.ports import (
    BuyerIn,
    Catalog,
    OrderIn,
    OrderLineIn,
    ParcelIn,
    ProductIn,
    TrackingEventIn,
)

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def make_catalog(now: datetime = NOW) -> Catalog:
    """The demo's four stores and team, two products and four orders on ali-global:

    - A-PAID: paid, not shipped (in-sale);
    - A-NOTE: delivered, with a note asking for a commercial invoice (priority);
    - A-STUCK: shipped, parcel held in customs (logistics problem);
    - A-BULK: wholesale, completed.
    All belong to buyer `b-1` (Ana, ES, es).
    """
    dress = ProductIn(
        "ali-global",
        "SKU-DRESS",
        "Floral Maxi Dress, Pink",
        "dress",
        2499,
        3,
        400,
        {"unit": "cm", "columns": ["bust"], "rows": [{"size": "M", "values": [88]}]},
    )
    tent = ProductIn("ali-global", "SKU-TENT", "Camping Tent 3-Person", "outdoor", 6999, 0, 2600)
    buyer = BuyerIn("ali-global", "b-1", "Ana García", "ES", "es")
    line = (OrderLineIn("SKU-DRESS", dress.title, 1, 2499),)
    stuck = ParcelIn(
        "China Post Air Mail",
        "LX123456789CN",
        now - timedelta(days=9),
        events=(
            TrackingEventIn(
                now - timedelta(days=8), TrackingStatus.IN_TRANSIT, "Shenzhen, CN", "Departed"
            ),
            TrackingEventIn(
                now - timedelta(days=2), TrackingStatus.CUSTOMS_HOLD, "ES", "Held by customs"
            ),
        ),
    )
    orders = [
        OrderIn(
            "ali-global",
            ("ali-global", "b-1"),
            "A-PAID",
            OrderStatus.PAID,
            now - timedelta(days=1),
            line,
            paid_at=now - timedelta(days=1),
        ),
        OrderIn(
            "ali-global",
            ("ali-global", "b-1"),
            "A-NOTE",
            OrderStatus.DELIVERED,
            now - timedelta(days=20),
            line,
            paid_at=now - timedelta(days=20),
            note="Please send a commercial invoice",
        ),
        OrderIn(
            "ali-global",
            ("ali-global", "b-1"),
            "A-STUCK",
            OrderStatus.SHIPPED,
            now - timedelta(days=10),
            line,
            paid_at=now - timedelta(days=10),
            parcels=(stuck,),
        ),
        OrderIn(
            "ali-global",
            ("ali-global", "b-1"),
            "A-BULK",
            OrderStatus.COMPLETED,
            now - timedelta(days=40),
            (OrderLineIn("SKU-DRESS", dress.title, 50, 2100),),
            paid_at=now - timedelta(days=40),
            is_wholesale=True,
        ),
    ]
    return Catalog(
        "Test shop",
        stores=list(STORES),
        accounts=list(ACCOUNTS),
        products=[dress, tent],
        buyers=[buyer],
        orders=orders,
    )


def make_message(n: int = 1, **overrides: Any) -> dict[str, Any]:
    """A valid raw buyer message for ali-global, `n` minutes before NOW; override any field."""
    raw: dict[str, Any] = {
        "store": "ali-global",
        "message_id": f"m-{n}",
        "buyer_id": "b-1",
        "buyer_name": "Ana García",
        "buyer_country": "ES",
        "buyer_language": "es",
        "sent_at": (NOW - timedelta(minutes=n)).isoformat(),
        "text": f"hola, mensaje {n}",
    }
    raw.update(overrides)
    return {k: v for k, v in raw.items() if v is not None}
