"""`kefu bench tracking`'s shop straight into the tables: shipped orders of one parcel each,
spread over the existing stores (docs/benchmarks.md "tracking")."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, insert, select

from kefu.adapters.db import tables as t

CHUNK = 5000
CARRIERS = ("China Post", "Cainiao", "YunExpress", "4PX", "DHL", "UPS")
COUNTRIES = ("US", "ES", "FR", "DE", "RU", "BR", "PL", "GB", "IT", "TR")


def fill_parcels(
    engine: Engine, count: int, number: Callable[[int], str], now: datetime, seed: int = 21
) -> None:
    """`count` shipped orders with one parcel each, shipped in the last 40 days, no events;
    the i-th parcel's tracking number is `number(i)` (the events' generator's own)."""
    rng = random.Random(seed)  # noqa: S311 - benchmark data
    with engine.begin() as conn:
        stores = list(conn.scalars(select(t.Store.id)))
        organisation = conn.scalar(select(t.Store.organisation_id))
        buyer = conn.execute(
            insert(t.Buyer)
            .values(organisation_id=organisation, name="Bench buyer", created_at=now)
            .returning(t.Buyer.id)
        ).scalar_one()
    for start in range(0, count, CHUNK):
        numbers = range(start, min(count, start + CHUNK))
        orders: list[dict[str, Any]] = []
        for i in numbers:
            placed = now - timedelta(days=rng.uniform(5, 45))
            orders.append(
                {
                    "store_id": stores[i % len(stores)],
                    "buyer_id": buyer,
                    "order_number": f"track-{i}",
                    "status": "shipped",
                    "total_cents": 1999,
                    "total_usd_cents": 1999,
                    "shipping_cents": 0,
                    "is_wholesale": False,
                    "ship_to_country": COUNTRIES[i % len(COUNTRIES)],
                    "placed_at": placed,
                    "paid_at": placed,
                }
            )
        with engine.begin() as conn:
            ids = conn.execute(
                insert(t.Order).returning(t.Order.id, sort_by_parameter_order=True), orders
            ).scalars()
            conn.execute(
                insert(t.Parcel),
                [
                    {
                        "order_id": order_id,
                        "carrier": CARRIERS[i % len(CARRIERS)],
                        "tracking_number": number(i),
                        "is_reshipment": False,
                        "shipped_at": order["placed_at"] + timedelta(days=1),
                        "next_poll_at": now,
                    }
                    for i, order_id, order in zip(numbers, ids, orders, strict=True)
                ],
            )
