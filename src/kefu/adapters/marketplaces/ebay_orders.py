"""eBay orders from the Sell Fulfillment API (issue 18; docs/channels.md "Orders from the
platforms").

Sources: eBay's Fulfillment API reference and its OpenAPI document (sell_fulfillment_v1;
the generated client docs in github.com/metasfresh/metasfresh
misc/services/camel/de-metas-camel-externalsystems/de-metas-camel-ebay/ebay-api-client/docs
name the same calls and fields):

* `GET /sell/fulfillment/v1/order?filter=lastmodifieddate:[from..to]&limit&offset` —
  limit 1–200 (default 50); answer {href, total, limit, offset, next, orders[]}; an order
  has orderId, creationDate, lastModifiedDate, orderFulfillmentStatus (NOT_STARTED,
  IN_PROGRESS, FULFILLED), orderPaymentStatus (PENDING, FAILED, PAID, PARTIALLY_REFUNDED,
  FULLY_REFUNDED), cancelStatus.cancelState (NONE_REQUESTED, IN_PROGRESS, CANCELED),
  buyer.username, buyer.taxAddress.countryCode, pricingSummary.total / deliveryCost,
  paymentSummary.payments[].paymentDate, lineItems[] (sku, legacyItemId, title, quantity,
  lineItemCost = the unit price times the quantity), fulfillmentStartInstructions[].
  shippingStep.shipTo (fullName, email, contactAddress.countryCode).
* `GET /sell/fulfillment/v1/order/{orderId}/shipping_fulfillment` — {fulfillments[]
  (fulfillmentId, shipmentTrackingNumber, shippingCarrierCode, shippedDate), total}.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from kefu.adapters.marketplaces.orders import (
    OrderPage,
    Windows,
    amount,
    compact,
    dig,
    iso,
    next_window,
    records,
    unit_price,
)
from kefu.domain.moments import iso_millis, parse_moment

FULFILLMENT_PATH = "/sell/fulfillment/v1"
PAGE_SIZE = 200  # "Maximum: 200"
GRAIN = timedelta(milliseconds=1)


class Api(Protocol):
    """The bearer-token call of kefu.adapters.marketplaces.ebay.EbayClient."""

    base_url: str

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, object] | None = None,
        body: object = None,
        base: str | None = None,
    ) -> dict[str, Any]: ...


def status_of(order: Mapping[str, Any]) -> str:
    """kefu's order status from eBay's three (docs/channels.md): a cancelled or fully
    refunded order is cancelled; a fulfilment begun or done is shipped; otherwise paid
    once eBay says so, else received."""
    if dig(order, "cancelStatus", "cancelState") == "CANCELED":
        return "cancelled"
    payment = order.get("orderPaymentStatus")
    if payment == "FULLY_REFUNDED":
        return "cancelled"
    if order.get("orderFulfillmentStatus") in ("FULFILLED", "IN_PROGRESS"):
        return "shipped"
    if payment in ("PAID", "PARTIALLY_REFUNDED"):
        return "paid"
    return "received"


def line_of(item: Mapping[str, Any]) -> dict[str, object]:
    """A lineItem: the seller's SKU, else the listing's id; the price of one unit."""
    return compact(
        {
            "sku": item.get("sku") or item.get("legacyItemId"),
            "title": item.get("title"),
            "quantity": item.get("quantity"),
            "price": unit_price(dig(item, "lineItemCost", "value"), item.get("quantity")),
        }
    )


def order_of(order: Mapping[str, Any]) -> dict[str, object]:
    """An eBay order as a batch item of kind orders."""
    steps = order.get("fulfillmentStartInstructions")
    first = steps[0] if isinstance(steps, list) and steps else {}
    ship_to = dig(first, "shippingStep", "shipTo") or {}
    payments = dig(order, "paymentSummary", "payments")
    paid = [p.get("paymentDate") for p in payments or [] if isinstance(p, dict)]
    items = order.get("lineItems")
    return compact(
        {
            "order_number": order.get("orderId"),
            "buyer_id": dig(order, "buyer", "username"),
            "buyer_name": ship_to.get("fullName"),
            "buyer_email": ship_to.get("email"),
            "buyer_country": dig(order, "buyer", "taxAddress", "countryCode")
            or dig(ship_to, "contactAddress", "countryCode"),
            "ship_to_country": dig(ship_to, "contactAddress", "countryCode"),
            "status": status_of(order),
            "placed_at": iso(parse_moment(order.get("creationDate"))),
            "paid_at": iso(parse_moment(paid[0])) if paid and paid[0] else None,
            "updated_at": iso(parse_moment(order.get("lastModifiedDate"))),
            "currency": dig(order, "pricingSummary", "total", "currency"),
            "total": amount(dig(order, "pricingSummary", "total", "value")),
            "shipping": amount(dig(order, "pricingSummary", "deliveryCost", "value")),
            "lines": [line_of(i) for i in items if isinstance(i, dict)]
            if isinstance(items, list) and items
            else None,
        }
    )


def parcels_of(order_id: str, answer: Mapping[str, Any]) -> list[dict[str, object]]:
    """A shipping_fulfillment answer as batch items of kind parcels."""
    parcels = []
    fulfillments = answer.get("fulfillments")
    for item in fulfillments if isinstance(fulfillments, list) else []:
        number = item.get("shipmentTrackingNumber") if isinstance(item, dict) else None
        if number:
            parcels.append(
                compact(
                    {
                        "order_number": order_id,
                        "tracking_number": number,
                        "carrier": item.get("shippingCarrierCode"),
                        "shipped_at": iso(parse_moment(item.get("shippedDate"))),
                    }
                )
            )
    return parcels


class EbayOrders:
    """A store's eBay orders (kefu.adapters.marketplaces.orders.OrderSource), with the
    message client's token (it needs the sell.fulfillment scope as well)."""

    def __init__(
        self, api: Api, *, page_size: int = PAGE_SIZE, clock: Callable[[], float] = time.time
    ) -> None:
        self.api = api
        self.page_size = page_size
        self.clock = clock

    def call(self, path: str, params: Mapping[str, object] | None = None) -> dict[str, Any]:
        return self.api.request(
            "GET", path, params=params, base=self.api.base_url + FULFILLMENT_PATH
        )

    def listing(
        self, since: datetime, until: datetime, page: int
    ) -> tuple[list[dict[str, Any]], int]:
        answer = self.call(
            "/order",
            {
                "filter": f"lastmodifieddate:[{iso_millis(since)}..{iso_millis(until)}]",
                "limit": self.page_size,
                "offset": (page - 1) * self.page_size,
            },
        )
        found = [o for o in answer.get("orders") or [] if isinstance(o, dict)]
        try:
            total = int(answer.get("total") or 0)
        except (TypeError, ValueError):
            total = len(found)
        return found, max(total, len(found))

    def pull_orders(self, cursor: str | None, since: datetime) -> OrderPage:
        position = Windows.load(cursor, since, "eBay")
        now = datetime.fromtimestamp(self.clock(), UTC)
        found, following, done = next_window(position, now, self.page_size, GRAIN, self.listing)
        orders, parcels = [], []
        for order in found:
            orders.append(order_of(order))
            if order.get("orderFulfillmentStatus") in ("IN_PROGRESS", "FULFILLED"):
                order_id = str(order.get("orderId"))
                shipped = self.call(f"/order/{order_id}/shipping_fulfillment")
                parcels += parcels_of(order_id, shipped)
        return OrderPage(records(orders, parcels), following.dump(), done)
