"""Bulk insert of a catalog (stores, team, products, buyers, orders, parcels, tracking)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from kefu.adapters.db import tables as t
from kefu.adapters.db.repositories import buyer_timezone
from kefu.services.ports import Catalog


class SqlCatalogRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def _insert(self, table: Any, rows: list[dict[str, Any]]) -> list[int]:
        if not rows:
            return []
        result = self.session.execute(
            insert(table).returning(table.id, sort_by_parameter_order=True), rows
        )
        return list(result.scalars())

    def add(self, catalog: Catalog, now: datetime) -> None:
        [org] = self._insert(t.Organisation, [{"name": catalog.organisation, "created_at": now}])
        store_ids = dict(
            zip(
                [s.code for s in catalog.stores],
                self._insert(
                    t.Store,
                    [
                        {
                            "organisation_id": org,
                            "code": s.code,
                            "name": s.name,
                            "platform": s.platform.value,
                            "site": s.site,
                            "timezone": s.timezone,
                            "created_at": now,
                        }
                        for s in catalog.stores
                    ],
                ),
                strict=True,
            )
        )
        self._insert(
            t.Account,
            [
                {
                    "organisation_id": org,
                    "username": a.username,
                    "display_name": a.display_name,
                    "role": a.role,
                    "is_main": a.is_main,
                    "languages": list(a.languages),
                    "active": True,
                    "created_at": now,
                }
                for a in catalog.accounts
            ],
        )
        product_ids = dict(
            zip(
                [(p.store_code, p.sku) for p in catalog.products],
                self._insert(
                    t.Product,
                    [
                        {
                            "store_id": store_ids[p.store_code],
                            "sku": p.sku,
                            "title": p.title,
                            "category": p.category,
                            "price_cents": p.price_cents,
                            "stock": p.stock,
                            "weight_g": p.weight_g,
                            "size_chart": p.size_chart,
                        }
                        for p in catalog.products
                    ],
                ),
                strict=True,
            )
        )
        buyer_ids = dict(
            zip(
                [(b.store_code, b.platform_buyer_id) for b in catalog.buyers],
                self._insert(
                    t.Buyer,
                    [
                        {
                            "organisation_id": org,
                            "name": b.name,
                            "country": b.country,
                            "language": b.language,
                            "timezone": buyer_timezone(b.country),
                            "created_at": now,
                        }
                        for b in catalog.buyers
                    ],
                ),
                strict=True,
            )
        )
        self._insert(
            t.BuyerIdentity,
            [
                {"store_id": store_ids[s], "buyer_id": bid, "platform_buyer_id": pid}
                for (s, pid), bid in buyer_ids.items()
            ],
        )
        self._add_orders(catalog, store_ids, product_ids, buyer_ids)

    def _add_orders(
        self,
        catalog: Catalog,
        store_ids: dict[str, int],
        product_ids: dict[tuple[str, str], int],
        buyer_ids: dict[tuple[str, str], int],
    ) -> None:
        order_ids = self._insert(
            t.Order,
            [
                {
                    "store_id": store_ids[o.store_code],
                    "buyer_id": buyer_ids[o.buyer],
                    "order_number": o.order_number,
                    "status": o.status.value,
                    "total_cents": o.total_cents,
                    "total_usd_cents": o.total_cents,  # the demo and syncs price in USD
                    "shipping_cents": o.shipping_cents,
                    "note": o.note,
                    "is_wholesale": o.is_wholesale,
                    "ship_to_country": o.ship_to_country,
                    "placed_at": o.placed_at,
                    "paid_at": o.paid_at,
                    "promised_delivery_at": o.promised_delivery_at,
                    "delivered_at": o.delivered_at,
                }
                for o in catalog.orders
            ],
        )
        lines: list[dict[str, Any]] = []
        parcels: list[dict[str, Any]] = []
        parcel_events: list[tuple[Any, ...]] = []
        for order, order_id in zip(catalog.orders, order_ids, strict=True):
            lines += [
                {
                    "order_id": order_id,
                    "product_id": product_ids.get((order.store_code, line.sku)),
                    "sku": line.sku,
                    "title": line.title,
                    "quantity": line.quantity,
                    "unit_price_cents": line.unit_price_cents,
                }
                for line in order.lines
            ]
            for p in order.parcels:
                latest = max(p.events, key=lambda e: e.occurred_at) if p.events else None
                parcels.append(
                    {
                        "order_id": order_id,
                        "carrier": p.carrier,
                        "tracking_number": p.tracking_number,
                        "is_reshipment": p.is_reshipment,
                        "shipped_at": p.shipped_at,
                        "latest_status": latest.status.value if latest else None,
                        "latest_event_at": latest.occurred_at if latest else None,
                        "status_since": latest.occurred_at if latest else None,
                    }
                )
                parcel_events.append(p.events)
        self._insert(t.OrderLine, lines)
        parcel_ids = self._insert(t.Parcel, parcels)
        self._insert(
            t.TrackingEvent,
            [
                {
                    "parcel_id": pid,
                    "occurred_at": e.occurred_at,
                    "status": e.status.value,
                    "code": e.status.value,
                    "source": "demo",
                    "mapped": True,
                    "location": e.location,
                    "description": e.description,
                }
                for pid, events in zip(parcel_ids, parcel_events, strict=True)
                for e in events
            ],
        )
