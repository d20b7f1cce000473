"""Wish orders from the merchant API v3 (issue 18; docs/channels.md "Orders from the
platforms").

Source: Wish's V3 OpenAPI 3.0.65, Orders (the copy in github.com/api-evangelist/wish,
`openapi/wish-orders-api-openapi.yml`): `GET /api/v3/orders` with `limit` (1–500, default
50), `states` (APPROVED, SHIPPED, REFUNDED, REQUIRE_REVIEW, DECLINED; at most 5),
`updated_at_min` / `updated_at_max`, `released_at_min` / `_max`, `sort_by`
(`updated_at|released_at` with `.asc|.desc`, default updated_at.desc), `order_type`; the
answer's `data` is a list of Order: id, state, released_at, updated_at,
product_information (id, sku, name, variation_id), order_payment.general_payment_details
(product_price, product_quantity, product_shipping_price, payment_total),
full_address.shipping_detail (name, country_code, phone_number), tracking_information[]
(tracking_number, shipping_provider.name; newest first) and fulfillment_records[]
(event_type ORDER_RELEASED, MARK_SHIPPED, CONFIRM_FULFILLED, CONFIRMED_DELIVERED…,
event_time). There is no page token: the docs' Pagination moves `{attribute}_min` on, as
the ticket cursor does. One Wish order is one product (one line).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from kefu.adapters.marketplaces.orders import (
    OVERLAP,
    OrderPage,
    amount,
    compact,
    dig,
    iso,
    records,
)
from kefu.domain.moments import parse_moment
from kefu.services.ports import ChannelError

PAGE_SIZE = 500  # "maximum: 500"
# state → kefu's order life (SPEC §9; docs/channels.md). A SHIPPED order whose carrier
# confirmed delivery (fulfillment record CONFIRMED_DELIVERED) is delivered. "Orders can
# become APPROVED again after reaching states such as REFUNDED or SHIPPED": its
# updated_at is newer, so the intake takes it.
STATES: Mapping[str, str] = {
    "REQUIRE_REVIEW": "received",
    "APPROVED": "paid",
    "SHIPPED": "shipped",
    "REFUNDED": "cancelled",
    "DECLINED": "cancelled",
}


class Api(Protocol):
    """The bearer-token call of kefu.adapters.marketplaces.wish.WishClient (its `data`)."""

    def call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int | list[str]] | None = None,
        body: Mapping[str, object] | None = None,
        refreshed: bool = False,
    ) -> Any: ...


def _event(order: Mapping[str, Any], kind: str) -> datetime | None:
    """The latest time of a fulfillment milestone (MARK_SHIPPED, CONFIRMED_DELIVERED…)."""
    found = order.get("fulfillment_records")
    times = [
        parse_moment(r.get("event_time"))
        for r in (found if isinstance(found, list) else [])
        if isinstance(r, dict) and r.get("event_type") == kind
    ]
    dated = [t for t in times if t is not None]
    return max(dated) if dated else None


def status_of(order: Mapping[str, Any]) -> str | None:
    state = str(order.get("state") or "")
    if state == "SHIPPED" and _event(order, "CONFIRMED_DELIVERED") is not None:
        return "delivered"
    return STATES.get(state, state or None)


def _times(value: object, count: object) -> str | None:
    try:
        return str(Decimal(str(value)) * int(str(count)))
    except (InvalidOperation, ValueError):
        return None


def order_of(order: Mapping[str, Any]) -> dict[str, object]:
    """A Wish order as a batch item of kind orders. Wish names no buyer id: the buyer is
    keyed `order-<order id>`, as the ticket adapter keys the buyer of a ticket about it."""
    details = dig(order, "order_payment", "general_payment_details") or {}
    product = order.get("product_information") or {}
    quantity = details.get("product_quantity")
    shipping_detail = dig(order, "full_address", "shipping_detail") or {}
    line = compact(
        {
            "sku": product.get("sku") or product.get("variation_id") or product.get("id"),
            "title": product.get("name"),
            "quantity": quantity,
            "price": amount(dig(details, "product_price", "amount")),
        }
    )
    shipping = dig(details, "product_shipping_price", "amount")
    delivered = _event(order, "CONFIRMED_DELIVERED")
    return compact(
        {
            "order_number": order.get("id"),
            "buyer_id": f"order-{order.get('id')}",
            "buyer_name": shipping_detail.get("name"),
            "buyer_country": shipping_detail.get("country_code"),
            "ship_to_country": shipping_detail.get("country_code"),
            "status": status_of(order),
            "placed_at": iso(parse_moment(order.get("released_at"))),
            "updated_at": iso(parse_moment(order.get("updated_at"))),
            "delivered_at": iso(delivered),
            "currency": dig(details, "product_price", "currency_code"),
            "shipping": _times(shipping, quantity) if shipping is not None else None,
            "lines": [line] if line.get("sku") else None,
        }
    )


def parcels_of(order: Mapping[str, Any]) -> list[dict[str, object]]:
    """tracking_information (newest first; Wish keeps two at most) as parcels; the newest
    is dated by the last MARK_SHIPPED record, an older one is a parcel replaced."""
    infos = order.get("tracking_information")
    shipped = _event(order, "MARK_SHIPPED")
    parcels = []
    for n, info in enumerate(infos if isinstance(infos, list) else []):
        number = info.get("tracking_number") if isinstance(info, dict) else None
        if number:
            parcels.append(
                compact(
                    {
                        "order_number": order.get("id"),
                        "tracking_number": number,
                        "carrier": dig(info, "shipping_provider", "name") or "unknown",
                        "shipped_at": iso(shipped) if n == 0 else None,
                    }
                )
            )
    return parcels


@dataclass
class Position:
    """`updated_at_min` moves on to the newest order of the page; `skip` holds the orders
    already taken at exactly that instant (the _min is inclusive)."""

    since: datetime
    skip: list[str] = field(default_factory=list)

    def dump(self) -> str:
        return json.dumps(
            {"since": self.since.astimezone(UTC).isoformat(), "skip": self.skip},
            separators=(",", ":"),
        )

    @classmethod
    def load(cls, cursor: str | None, since: datetime) -> Position:
        if not cursor:
            return cls(since)
        try:
            data = json.loads(cursor)
            return cls(datetime.fromisoformat(data["since"]), [str(s) for s in data["skip"]])
        except (ValueError, KeyError, TypeError) as exc:
            raise ChannelError(
                "the stored Wish order position is unreadable; reconnect the store",
                retryable=False,
            ) from exc


class WishOrders:
    """A store's Wish orders (kefu.adapters.marketplaces.orders.OrderSource), with the
    ticket client's token (it needs the orders:read scope as well)."""

    def __init__(self, api: Api, *, page_size: int = PAGE_SIZE) -> None:
        self.api = api
        self.page_size = page_size

    def pull_orders(self, cursor: str | None, since: datetime) -> OrderPage:
        position = Position.load(cursor, since)
        limit = min(PAGE_SIZE, self.page_size + len(position.skip))
        data = self.api.call(
            "GET",
            "/api/v3/orders",
            params={
                "limit": limit,
                "sort_by": "updated_at.asc",
                "updated_at_min": position.since.astimezone(UTC).isoformat().replace("+00:00", "Z"),
            },
        )
        found = [o for o in data if isinstance(o, dict)] if isinstance(data, list) else []
        fresh = [o for o in found if str(o.get("id")) not in position.skip]
        orders = [order_of(o) for o in fresh]
        parcels = [p for o in fresh for p in parcels_of(o)]
        if len(found) < limit or not found:  # the pass is over: overlap into the next
            newest = max((parse_moment(o.get("updated_at")) for o in found), default=None, key=_key)
            start = max(position.since, (newest or position.since) - OVERLAP)
            return OrderPage(records(orders, parcels), Position(start).dump(), True)
        last = parse_moment(found[-1].get("updated_at")) or position.since
        at_last = [str(o.get("id")) for o in found if parse_moment(o.get("updated_at")) == last]
        skip = sorted(set(at_last) | (set(position.skip) if last == position.since else set()))
        if last == position.since and len(skip) >= PAGE_SIZE:
            last, skip = last + timedelta(milliseconds=1), []  # ⚠ docs/channels.md
        return OrderPage(records(orders, parcels), Position(last, skip).dump(), False)


def _key(moment: datetime | None) -> datetime:
    return moment or datetime.min.replace(tzinfo=UTC)
