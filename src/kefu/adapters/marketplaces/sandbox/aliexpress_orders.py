"""The sandbox AliExpress face's orders: `aliexpress.solution.order.get` and
`aliexpress.solution.order.info.get` through the same signed `/sync` gateway, in the
formats kefu.adapters.marketplaces.aliexpress_orders names (docs/channels.md "Orders from
the platforms").

It refuses what the platform refuses: a missing `param0`/`param1` (40), one that is not a
JSON object, a page_size outside 1–50, a page below 1, a date not "yyyy-MM-dd HH:mm:ss",
a start after its end, an order status it does not know (41), and an order it does not
have (15, isv.*). Times are the platform's zone (US Pacific, ⚠), to the second.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from kefu.adapters.marketplaces.sandbox.aliexpress import Refused, _invalid, _missing, _object

if TYPE_CHECKING:
    from collections.abc import Mapping

    from kefu.adapters.marketplaces.sandbox.aliexpress import AliExpressFace

ZONE = ZoneInfo("America/Los_Angeles")
FORMAT = "%Y-%m-%d %H:%M:%S"
PAGE_SIZE_MAX = 50
ORDER_STATUSES = (
    "PLACE_ORDER_SUCCESS",
    "IN_CANCEL",
    "WAIT_SELLER_SEND_GOODS",
    "SELLER_PART_SEND_GOODS",
    "WAIT_BUYER_ACCEPT_GOODS",
    "FUND_PROCESSING",
    "FINISH",
    "IN_ISSUE",
    "IN_FROZEN",
    "WAIT_SELLER_EXAMINE_MONEY",
    "RISK_CONTROL",
)
LIST = "aliexpress.solution.order.get"
INFO = "aliexpress.solution.order.info.get"


@dataclass
class Order:
    order_id: int
    buyer_login_id: str
    buyer_name: str
    country: str
    currency: str
    lines: list[tuple[str, str, int, str]]  # sku_code, product_name, count, unit price
    created: int  # epoch seconds
    updated: int
    status: str = "WAIT_SELLER_SEND_GOODS"
    end_reason: str = ""
    parcels: list[tuple[str, str, int]] = field(default_factory=list)  # no, service, sent

    def total(self) -> str:
        return str(sum(int(count) * float(price) for _, _, count, price in self.lines))

    def dto(self) -> dict[str, object]:
        money = {"currency_code": self.currency}
        return {
            "order_id": self.order_id,
            "order_status": self.status,
            "gmt_create": _text(self.created),
            "gmt_update": _text(self.updated),
            "gmt_pay_time": _text(self.created),
            "buyer_login_id": self.buyer_login_id,
            "buyer_signer_fullname": self.buyer_name,
            "pay_amount": {**money, "amount": f"{float(self.total()):.2f}"},
            "logistics_status": "SELLER_SEND_GOODS" if self.parcels else "NO_LOGISTICS",
            "end_reason": self.end_reason,
            "product_list": {
                "order_product_dto": [
                    {
                        "order_id": self.order_id,
                        "product_id": 1000 + n,
                        "sku_code": sku,
                        "product_name": title,
                        "product_count": count,
                        "product_unit_price": {**money, "amount": price},
                        "logistics_service_name": "AliExpress Standard Shipping",
                    }
                    for n, (sku, title, count, price) in enumerate(self.lines)
                ]
            },
        }

    def info(self) -> dict[str, object]:
        return {
            "id": self.order_id,
            "order_status": self.status,
            "gmt_create": _text(self.created),
            "gmt_modified": _text(self.updated),
            "receipt_address": {"country": self.country, "contact_person": self.buyer_name},
            "logistic_info_list": {
                "aeop_order_logistic_info": [
                    {"logistics_no": no, "logistics_service": service, "gmt_send": _text(sent)}
                    for no, service, sent in self.parcels
                ]
            },
        }


def _text(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, ZONE).strftime(FORMAT)


def _moment(query: Mapping[str, Any], name: str) -> int | None:
    value = query.get(name)
    if value in (None, ""):
        return None
    try:
        return int(datetime.strptime(str(value), FORMAT).replace(tzinfo=ZONE).timestamp())
    except ValueError:
        raise _invalid(name, f"{name} must be yyyy-MM-dd HH:mm:ss") from None


class OrderBook:
    """The face's orders; tests and the demo place, ship and change them."""

    def __init__(self, face: AliExpressFace) -> None:
        self.face = face
        self.orders: dict[int, Order] = {}
        self._ids = itertools.count(8_100_000_000_000_001)

    def now(self) -> int:
        return int(self.face.clock())

    # Seeding and reading back (test helpers)

    def place(
        self,
        buyer_login_id: str,
        buyer_name: str,
        lines: list[tuple[str, str, int, str]],
        *,
        country: str = "ES",
        currency: str = "USD",
        status: str = "WAIT_SELLER_SEND_GOODS",
    ) -> int:
        with self.face.lock:
            order_id = next(self._ids)
            now = self.now()
            self.orders[order_id] = Order(
                order_id, buyer_login_id, buyer_name, country, currency, lines, now, now, status
            )
            return order_id

    def ship(self, order_id: int, logistics_no: str, service: str = "CAINIAO_STANDARD") -> None:
        with self.face.lock:
            order = self.orders[order_id]
            order.parcels.append((logistics_no, service, self.now()))
            order.status, order.updated = "WAIT_BUYER_ACCEPT_GOODS", self.now()

    def change(self, order_id: int, status: str, end_reason: str = "") -> None:
        with self.face.lock:
            order = self.orders[order_id]
            order.status, order.end_reason, order.updated = status, end_reason, self.now()

    # The gateway's methods

    def dispatch(self, method: str, params: Mapping[str, str]) -> dict[str, Any] | None:
        """The answer to an order method, or None for a method that is not one."""
        if method == LIST:
            return self._list(_object(params, "param0"))
        if method == INFO:
            return self._info(_object(params, "param1"))
        return None

    def _list(self, query: Mapping[str, Any]) -> dict[str, Any]:
        size, page = _int(query, "page_size", 20), _int(query, "current_page", 1)
        if not 1 <= size <= PAGE_SIZE_MAX:
            raise _invalid("page_size", f"page_size must be between 1 and {PAGE_SIZE_MAX}")
        if page < 1:
            raise _invalid("current_page", "current_page starts at 1")
        statuses = query.get("order_status_list") or []
        if not isinstance(statuses, list) or any(s not in ORDER_STATUSES for s in statuses):
            raise _invalid("order_status_list", "unknown order status")
        chosen = list(self.orders.values())
        for kind, attr in (("create", "created"), ("modified", "updated")):
            start = _moment(query, f"{kind}_date_start")
            end = _moment(query, f"{kind}_date_end")
            if start is not None and end is not None and start > end:
                raise _invalid(f"{kind}_date_start", f"{kind}_date_start is after {kind}_date_end")
            chosen = [
                o
                for o in chosen
                if (start is None or getattr(o, attr) >= start)
                and (end is None or getattr(o, attr) <= end)
            ]
        chosen = [o for o in chosen if not statuses or o.status in statuses]
        chosen.sort(key=lambda o: (o.created, o.order_id), reverse=True)
        window = chosen[(page - 1) * size : page * size]
        return {
            "success": True,
            "total_count": len(chosen),
            "total_page": -(-len(chosen) // size),
            "current_page": page,
            "page_size": size,
            "target_list": {"order_dto": [o.dto() for o in window]},
        }

    def _info(self, query: Mapping[str, Any]) -> dict[str, Any]:
        if query.get("order_id") in (None, ""):
            raise _missing("param1.order_id")
        try:
            order = self.orders.get(int(query["order_id"]))
        except (TypeError, ValueError):
            order = None
        if order is None:
            raise Refused(
                15, "Remote service error", "isv.invalid-parameter:order_id", "order not found"
            )
        return {"data": order.info(), "success": True}


def _int(query: Mapping[str, Any], name: str, default: int) -> int:
    value = query.get(name)
    if value in (None, ""):
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        raise _invalid(name, f"{name} must be a number") from None
