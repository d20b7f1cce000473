"""The sandbox Wish face's orders: `GET /api/v3/orders` in the format
kefu.adapters.marketplaces.wish_orders names (docs/channels.md "Orders from the
platforms"), answered in Wish's `{"message", "code", "data"}`.

It refuses what Wish's V3 OpenAPI says it takes no other way (400, code 1001): `limit`
outside 1–500, a state that is not one of the five or more than five of them, a `sort_by`
not `updated_at|released_at` with `.asc|.desc`, an `order_type` it does not know, and a
date-time it cannot read.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from kefu.adapters.marketplaces.sandbox.wish import Refused, _enums, _invalid, _iso, _parse

if TYPE_CHECKING:
    from collections.abc import Mapping

    from kefu.adapters.marketplaces.sandbox.wish import WishFace

STATES = ("APPROVED", "SHIPPED", "REFUNDED", "REQUIRE_REVIEW", "DECLINED")
ORDER_TYPES = (
    "WISH_EXPRESS",
    "FULFILLED_BY_WISH",
    "FULFILLED_BY_STORE",
    "LESS_THAN_TRUCKLOAD",
    "ADVANCED_LOGISTICS",
    "WISH_PLUS",
)
SORT = re.compile(r"^(updated_at|released_at)(\.(asc|desc))?$")
LIMIT_MAX = 500


@dataclass
class Order:
    id: str
    name: str
    country: str
    sku: str
    title: str
    quantity: int
    price: str
    currency: str
    released_at: int  # ms
    updated_at: int
    state: str = "APPROVED"
    tracking: list[tuple[str, str]] = field(default_factory=list)  # newest first
    records: list[tuple[str, int]] = field(default_factory=list)  # event type, ms

    def document(self) -> dict[str, object]:
        def money(value: str) -> dict[str, object]:
            return {"amount": float(value), "currency_code": self.currency}

        return {
            "id": self.id,
            "transaction_id": f"6{self.id[1:]}",
            "state": self.state,
            "released_at": _iso(self.released_at),
            "updated_at": _iso(self.updated_at),
            "product_information": {
                "id": f"5c{self.id[2:]}",
                "variation_id": f"5b{self.id[2:]}",
                "sku": self.sku,
                "name": self.title,
            },
            "order_payment": {
                "general_payment_details": {
                    "product_price": money(self.price),
                    "product_quantity": self.quantity,
                    "product_shipping_price": money("2.00"),
                    "payment_total": money(str(float(self.price) * self.quantity * 0.85)),
                }
            },
            "full_address": {"shipping_detail": {"name": self.name, "country_code": self.country}},
            "tracking_information": [
                {"tracking_number": number, "shipping_provider": {"name": carrier}}
                for number, carrier in self.tracking
            ],
            "fulfillment_records": [
                {"event_type": kind, "event_time": _iso(at)} for kind, at in self.records
            ],
        }


class OrderBook:
    """The face's orders; tests and the demo place, ship and change them."""

    def __init__(self, face: WishFace) -> None:
        self.face = face
        self.orders: dict[str, Order] = {}
        self._ids = itertools.count(1)

    def place(
        self,
        name: str,
        sku: str,
        title: str,
        *,
        quantity: int = 1,
        price: str = "9.99",
        country: str = "US",
        currency: str = "USD",
    ) -> str:
        with self.face.lock:
            order_id = f"5d{next(self._ids):022x}"
            now = self.face.now_ms()
            self.orders[order_id] = Order(
                order_id, name, country, sku, title, quantity, price, currency, now, now
            )
            self.orders[order_id].records.append(("ORDER_RELEASED", now))
            return order_id

    def ship(self, order_id: str, number: str, carrier: str = "YanWen") -> None:
        with self.face.lock:
            order, now = self.orders[order_id], self.face.now_ms()
            order.tracking.insert(0, (number, carrier))
            del order.tracking[2:]  # "only two sets of tracking info are supported"
            order.records.append(("MARK_SHIPPED", now))
            order.state, order.updated_at = "SHIPPED", now

    def change(self, order_id: str, state: str) -> None:
        with self.face.lock:
            order = self.orders[order_id]
            order.state, order.updated_at = state, self.face.now_ms()

    def dispatch(self, method: str, path: str, params: Mapping[str, str]) -> object:
        if method != "GET" or path.rstrip("/") != "/api/v3/orders":
            raise Refused(404, 1004, f"No such endpoint: {method} {path}")
        try:
            limit = int(params.get("limit") or 50)
        except ValueError as exc:
            raise _invalid("limit must be an integer") from exc
        if not 1 <= limit <= LIMIT_MAX:
            raise _invalid("Limit can range from 1 to 500 items")
        sort_by = params.get("sort_by") or "updated_at.desc"
        if not SORT.match(sort_by):
            raise _invalid("sort_by: enabled attributes are updated_at, released_at")
        states = _enums(params.get("states"), STATES, "states")
        if len((params.get("states") or "").split(",")) > len(STATES):
            raise _invalid("states: at most 5 items")
        _enums(params.get("order_type"), ORDER_TYPES, "order_type")
        attr = "released_at" if sort_by.startswith("released_at") else "updated_at"
        bounds = {
            name: _parse(name, params[name])
            for name in ("updated_at_min", "updated_at_max", "released_at_min", "released_at_max")
            if params.get(name)
        }
        chosen = [
            o
            for o in self.orders.values()
            if (not states or o.state in states)
            and all(
                (getattr(o, n[:-4]) >= v) if n.endswith("_min") else (getattr(o, n[:-4]) <= v)
                for n, v in bounds.items()
            )
        ]
        chosen.sort(key=lambda o: (getattr(o, attr), o.id), reverse=not sort_by.endswith(".asc"))
        return [o.document() for o in chosen[:limit]]
