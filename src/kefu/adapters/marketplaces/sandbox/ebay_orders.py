"""The sandbox eBay face's orders: the Sell Fulfillment API's `GET /sell/fulfillment/v1/
order` and `GET …/order/{orderId}/shipping_fulfillment`, in the formats
kefu.adapters.marketplaces.ebay_orders names (docs/channels.md "Orders from the
platforms").

It refuses what eBay refuses: a filter it cannot read (30500 "Invalid filter name", 30510
"Invalid filter value", ⚠ ids recalled), a date range whose start is after its end
(30510), limit outside 1–200 (30700 ⚠), a negative or non-numeric offset (30520 ⚠), an
unknown order (404, 32100 "Invalid order ID" ⚠). The errors come in eBay's envelope with
domain API_FULFILLMENT.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from kefu.adapters.marketplaces.sandbox.ebay import Refused, iso

if TYPE_CHECKING:
    from collections.abc import Mapping

    from kefu.adapters.marketplaces.sandbox.ebay import EbayFace

PREFIX = "/sell/fulfillment/v1"
LIMIT_MAX = 200
_RANGE = re.compile(
    r"^lastmodifieddate:\[([^\]]*)\.\.([^\]]*)\]$|^creationdate:\[([^\]]*)\.\.([^\]]*)\]$"
)


def _refused(status: int, error_id: int, message: str) -> Refused:
    return Refused(status, error_id, message, domain="API_FULFILLMENT")


@dataclass
class Order:
    order_id: str
    buyer: str  # the username field (an immutable id, as the Message API shows it)
    name: str
    country: str
    currency: str
    lines: list[tuple[str, str, int, str]]  # sku, title, quantity, unit price
    created: int  # ms
    modified: int
    fulfillment: str = "NOT_STARTED"
    payment: str = "PAID"
    cancel: str = "NONE_REQUESTED"
    shipments: list[tuple[str, str, int]] = field(default_factory=list)  # number, carrier, ms

    def document(self) -> dict[str, object]:
        def money(value: float) -> dict[str, str]:
            return {"value": f"{value:.2f}", "currency": self.currency}

        subtotal = sum(q * float(p) for _, _, q, p in self.lines)
        ship_to = {
            "fullName": self.name,
            "contactAddress": {"countryCode": self.country},
            "email": f"{self.buyer}@members.ebay.com",
        }
        return {
            "orderId": self.order_id,
            "legacyOrderId": f"1100{self.order_id[-8:]}",
            "creationDate": iso(self.created),
            "lastModifiedDate": iso(self.modified),
            "orderFulfillmentStatus": self.fulfillment,
            "orderPaymentStatus": self.payment,
            "cancelStatus": {"cancelState": self.cancel, "cancelRequests": []},
            "buyer": {"username": self.buyer, "taxAddress": {"countryCode": self.country}},
            "pricingSummary": {
                "priceSubtotal": money(subtotal),
                "deliveryCost": money(4.0),
                "total": money(subtotal + 4.0),
            },
            "paymentSummary": {
                "payments": [{"paymentDate": iso(self.created), "paymentStatus": "PAID"}],
                "totalDueSeller": money(subtotal),
            },
            "fulfillmentStartInstructions": [
                {"fulfillmentInstructionsType": "SHIP_TO", "shippingStep": {"shipTo": ship_to}}
            ],
            "lineItems": [
                {
                    "lineItemId": f"{self.order_id}-{n}",
                    "legacyItemId": f"3{n:011d}",
                    "sku": sku,
                    "title": title,
                    "quantity": quantity,
                    "lineItemCost": money(quantity * float(price)),
                    "lineItemFulfillmentStatus": self.fulfillment,
                }
                for n, (sku, title, quantity, price) in enumerate(self.lines)
            ],
        }

    def fulfillments(self) -> dict[str, object]:
        items = [
            {
                "fulfillmentId": number,
                "shipmentTrackingNumber": number,
                "shippingCarrierCode": carrier,
                "shippedDate": iso(at),
                "lineItems": [{"lineItemId": f"{self.order_id}-0"}],
            }
            for number, carrier, at in self.shipments
        ]
        return {"fulfillments": items, "total": len(items)}


class OrderBook:
    """The face's orders; tests and the demo place, ship and change them."""

    def __init__(self, face: EbayFace) -> None:
        self.face = face
        self.orders: dict[str, Order] = {}
        self._ids = itertools.count(1)

    # Seeding (test helpers)

    def place(
        self,
        buyer: str,
        name: str,
        lines: list[tuple[str, str, int, str]],
        *,
        country: str = "GB",
        currency: str = "GBP",
    ) -> str:
        with self.face.lock:
            order_id = f"12-{next(self._ids):05d}-{10000 + len(self.orders):05d}"
            now = self.face.now_ms()
            self.orders[order_id] = Order(
                order_id, self.face.shown(buyer), name, country, currency, lines, now, now
            )
            return order_id

    def ship(self, order_id: str, number: str, carrier: str = "ROYAL_MAIL") -> None:
        with self.face.lock:
            order = self.orders[order_id]
            order.shipments.append((number, carrier, self.face.now_ms()))
            order.fulfillment, order.modified = "FULFILLED", self.face.now_ms()

    def cancel(self, order_id: str) -> None:
        with self.face.lock:
            order = self.orders[order_id]
            order.cancel, order.payment = "CANCELED", "FULLY_REFUNDED"
            order.modified = self.face.now_ms()

    # The API

    def dispatch(
        self, method: str, path: str, query: Mapping[str, str]
    ) -> tuple[int, dict[str, Any]]:
        rest = path.removeprefix(PREFIX)
        if method == "GET" and rest == "/order":
            return 200, self._list(query)
        parts = rest.strip("/").split("/")
        if method == "GET" and len(parts) == 3 and parts[0] == "order":
            order = self.orders.get(parts[1])
            if order is None:
                raise _refused(404, 32100, f"Invalid order ID: {parts[1]}")
            if parts[2] == "shipping_fulfillment":
                return 200, order.fulfillments()
        raise Refused(404, 2002, "Resource not found", domain="API_FULFILLMENT")

    def _list(self, query: Mapping[str, str]) -> dict[str, Any]:
        limit, offset = _paging(query)
        low, high, attr = _filter(query.get("filter"))
        chosen = [
            o
            for o in self.orders.values()
            if (low is None or getattr(o, attr) >= low)
            and (high is None or getattr(o, attr) <= high)
        ]
        chosen.sort(key=lambda o: (o.created, o.order_id), reverse=True)  # newest first
        window = chosen[offset : offset + limit]
        answer: dict[str, Any] = {
            "href": f"{PREFIX}/order?limit={limit}&offset={offset}",
            "total": len(chosen),
            "limit": limit,
            "offset": offset,
            "orders": [o.document() for o in window],
        }
        if offset + limit < len(chosen):
            answer["next"] = f"{PREFIX}/order?limit={limit}&offset={offset + limit}"
        return answer


def _paging(query: Mapping[str, str]) -> tuple[int, int]:
    try:
        limit = int(query.get("limit") or 50)
    except ValueError:
        limit = 0
    if not 1 <= limit <= LIMIT_MAX:
        raise _refused(400, 30700, f"Invalid limit: {query.get('limit')}. Maximum: {LIMIT_MAX}")
    try:
        offset = int(query.get("offset") or 0)
    except ValueError:
        offset = -1
    if offset < 0:
        raise _refused(400, 30520, f"Invalid offset: {query.get('offset')}")
    return limit, offset


def _filter(text: str | None) -> tuple[int | None, int | None, str]:
    if not text:
        return None, None, "created"
    found = _RANGE.match(text.strip())
    if found is None:
        raise _refused(400, 30500, f"Invalid filter name: {text.split(':')[0]}")
    modified = found.group(1) is not None or found.group(2) is not None
    low_text, high_text = (found.group(1), found.group(2)) if modified else found.groups()[2:]
    low, high = _when(low_text), _when(high_text)
    if low is not None and high is not None and low > high:
        raise _refused(400, 30510, f"Invalid filter value {text} for filter lastmodifieddate")
    return low, high, "modified" if modified else "created"


def _when(text: str | None) -> int | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise _refused(400, 30510, f"Invalid filter value {text}: use ISO 8601 in UTC")
    return (moment - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(milliseconds=1)
