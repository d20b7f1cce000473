"""Builders for test data; each documents the shop it makes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from kefu.bootstrap import Kefu
from kefu.demo.catalog import ACCOUNTS, STORES
from kefu.domain.types import OrderStatus, TrackingStatus
from kefu.services.access import Principal
from kefu.services.auth import principal_of
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


def make_catalog_with_orders(now: datetime = NOW) -> Catalog:
    """The demo's four stores and team, and orders of several lines — the shop where an
    uncorrelated order-line subquery once hid every conversation:

    - ali-global: dress, tent, lamp, mug; orders A-1001 (dress, 2 mugs), A-1002 (tent,
      lamp), A-1003 (tent, dress), A-1004 (lamp), A-1005 (mug, and a line of a product no
      longer in the catalog);
    - amazon-us: kettle, order U-2001 (kettle); ebay-uk: scarf, order E-3001 (2 scarves).

    Each store's orders belong to its one buyer (`b-1` on ali-global, `b-2`, `b-3`).
    """
    products = [
        ProductIn("ali-global", "SKU-DRESS", "Floral Maxi Dress, Pink", "dress", 2499, 3, 400),
        ProductIn("ali-global", "SKU-TENT", "Camping Tent 3-Person", "outdoor", 6999, 0, 2600),
        ProductIn("ali-global", "SKU-LAMP", "Rattan Table Lamp", "home", 3199, 14, 900),
        ProductIn("ali-global", "SKU-MUG", "Enamel Camping Mug", "outdoor", 899, 120, 150),
        ProductIn("amazon-us", "SKU-KETTLE", "Gooseneck Kettle 1 L", "kitchen", 4599, 30, 1100),
        ProductIn("ebay-uk", "SKU-SCARF", "Merino Scarf, Grey", "accessories", 1999, 45, 120),
    ]
    buyers = [
        BuyerIn("ali-global", "b-1", "Ana García", "ES", "es"),
        BuyerIn("amazon-us", "b-2", "John Miller", "US", "en"),
        BuyerIn("ebay-uk", "b-3", "Olivia Brown", "GB", "en"),
    ]
    # (store, order number): (sku, quantity) per line
    orders: dict[tuple[str, str], tuple[tuple[str, int], ...]] = {
        ("ali-global", "A-1001"): (("SKU-DRESS", 1), ("SKU-MUG", 2)),
        ("ali-global", "A-1002"): (("SKU-TENT", 1), ("SKU-LAMP", 1)),
        ("ali-global", "A-1003"): (("SKU-TENT", 1), ("SKU-DRESS", 1)),
        ("ali-global", "A-1004"): (("SKU-LAMP", 1),),
        ("ali-global", "A-1005"): (("SKU-MUG", 1), ("SKU-GONE", 1)),
        ("amazon-us", "U-2001"): (("SKU-KETTLE", 1),),
        ("ebay-uk", "E-3001"): (("SKU-SCARF", 2),),
    }
    known = {(p.store_code, p.sku): p for p in products}
    buyer_of = {b.store_code: (b.store_code, b.platform_buyer_id) for b in buyers}

    def line(store: str, sku: str, quantity: int) -> OrderLineIn:
        product = known.get((store, sku))
        if product is None:
            return OrderLineIn(sku, "Discontinued item", quantity, 1000)
        return OrderLineIn(sku, product.title, quantity, product.price_cents)

    return Catalog(
        "Test shop",
        stores=list(STORES),
        accounts=list(ACCOUNTS),
        products=products,
        buyers=buyers,
        orders=[
            OrderIn(
                store,
                buyer_of[store],
                number,
                OrderStatus.PAID,
                now - timedelta(days=n + 1),
                tuple(line(store, sku, quantity) for sku, quantity in lines),
                paid_at=now - timedelta(days=n + 1),
            )
            for n, ((store, number), lines) in enumerate(orders.items())
        ],
    )


def acting(kefu: Kefu, who: str | int | None = "owner") -> Principal:
    """The person a test acts as, by user name or account id; None is the main account (the
    operator behind imports and the demo)."""
    with kefu.uow() as uow:
        accounts = uow.auth.accounts()
    if who is None:
        return principal_of(next(a for a in accounts if a.is_main))
    key = "username" if isinstance(who, str) else "id"
    return principal_of(next(a for a in accounts if getattr(a, key) == who))
