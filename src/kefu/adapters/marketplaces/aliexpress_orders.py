"""AliExpress orders over the open platform's signed gateway (issue 18; docs/channels.md
"Orders from the platforms").

Sources:

* `aliexpress.solution.order.get` (order list): request `param0` (OrderQuery:
  create_date_start/end, modified_date_start/end as "yyyy-MM-dd HH:mm:ss",
  order_status_list, page_size, current_page); answer `result` {success, error_code,
  error_message, total_count, total_page, current_page, page_size, target_list.order_dto[]
  with order_id, order_status, gmt_create, gmt_update, gmt_pay_time, buyer_login_id,
  buyer_signer_fullname, pay_amount{amount, currency_code}, logistics_status, end_reason,
  product_list.order_product_dto[] (product_id, sku_code, product_name, product_count,
  product_unit_price, logistics_service_name)} — AliExpress's published example answer
  (as kept in github.com/ticaje/aliexpress-sdk tests, OrderListResponderTest) and the TOP
  SDKs' `AliexpressSolutionOrderGetRequest` (param0).
* `aliexpress.solution.order.info.get` (one order): `param1` {order_id,
  ext_info_bit_flag}; answer `result.data` with logistic_info_list.aeop_order_logistic_info[]
  (logistics_no, logistics_service, gmt_send) and receipt_address.country. ⚠ Recalled
  from the open platform's page (docId 42707), not fetched.
* ⚠ The order API's times carry no zone; they are the platform's (US Pacific) time, as
  integrators report. Recalled, not documented in what was read.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from kefu.adapters.marketplaces.orders import (
    OrderPage,
    Windows,
    amount,
    compact,
    dig,
    iso,
    next_window,
    records,
)

ORDER_LIST = "aliexpress.solution.order.get"
ORDER_INFO = "aliexpress.solution.order.info.get"
PAGE_SIZE = 50  # ⚠ the largest page_size the order list takes (recalled)
PLATFORM_ZONE = ZoneInfo("America/Los_Angeles")  # ⚠ see the module's docstring
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
GRAIN = timedelta(seconds=1)  # the order list's dates are to the second

# order_status → kefu's order life (SPEC §9). IN_CANCEL, IN_ISSUE and IN_FROZEN say what
# is happening, not where the order stands: the logistics status decides (shipped or
# paid). FINISH is completed, or cancelled when its end_reason says the trade closed
# without the goods (CANCELLED_REASONS).
STATUSES: Mapping[str, str] = {
    "PLACE_ORDER_SUCCESS": "received",
    "RISK_CONTROL": "received",
    "WAIT_GROUP": "received",
    "WAIT_SELLER_EXAMINE_MONEY": "confirmed",
    "WAIT_SELLER_SEND_GOODS": "paid",
    "SELLER_PART_SEND_GOODS": "shipped",
    "WAIT_BUYER_ACCEPT_GOODS": "shipped",
    "FUND_PROCESSING": "completed",
    "FINISH": "completed",
}
WAITING_ON_SOMETHING = frozenset({"IN_CANCEL", "IN_ISSUE", "IN_FROZEN"})
CANCELLED_REASONS = frozenset(
    {
        "buyer_cancel_order",
        "buyer_pay_timeout",
        "seller_send_goods_timeout",
        "cancel_order_close_trade",
        "risk_reject_closed",
        "seller_cancel_order",
        "buyer_cancel_notpay_order",
    }
)


class Gateway(Protocol):
    """The signed `/sync` call of kefu.adapters.marketplaces.aliexpress.AliExpressClient."""

    clock: Callable[[], float]

    def call(self, method: str, params: Mapping[str, object]) -> dict[str, Any]: ...


def platform_time(text: object) -> datetime | None:
    """An order API time ("2017-10-12 12:12:12", the platform's zone) as a moment."""
    if not isinstance(text, str) or not text.strip():
        return None
    try:
        return datetime.strptime(text.strip(), TIME_FORMAT).replace(tzinfo=PLATFORM_ZONE)
    except ValueError:
        return None


def query_time(moment: datetime) -> str:
    return moment.astimezone(PLATFORM_ZONE).strftime(TIME_FORMAT)


def status_of(order: Mapping[str, Any]) -> str | None:
    """kefu's order status for an order_dto (the table above; docs/channels.md)."""
    status = str(order.get("order_status") or "")
    if status in WAITING_ON_SOMETHING:
        return "paid" if order.get("logistics_status") in (None, "", "NO_LOGISTICS") else "shipped"
    if status == "FINISH" and str(order.get("end_reason") or "") in CANCELLED_REASONS:
        return "cancelled"
    return STATUSES.get(status, status or None)  # an unknown status is refused in words


def _list(container: object, name: str) -> list[dict[str, Any]]:
    if isinstance(container, dict):
        container = container.get(name, [])
    return [i for i in container if isinstance(i, dict)] if isinstance(container, list) else []


def line_of(product: Mapping[str, Any]) -> dict[str, object]:
    """One order_product_dto as a line: the seller's SKU code, else the product id."""
    return compact(
        {
            "sku": str(product.get("sku_code") or "").strip()
            or str(product.get("product_id") or ""),
            "title": product.get("product_name"),
            "quantity": product.get("product_count"),
            "price": amount(dig(product, "product_unit_price", "amount")),
        }
    )


def order_of(order: Mapping[str, Any], info: Mapping[str, Any] | None = None) -> dict[str, object]:
    """An order_dto (and its detail, when read) as a batch item of kind orders."""
    products = _list(order.get("product_list"), "order_product_dto")
    country = dig(info, "receipt_address", "country") or dig(info, "buyer_info", "country")
    return compact(
        {
            "order_number": str(order.get("order_id") or ""),
            "buyer_id": order.get("buyer_login_id"),
            "buyer_name": order.get("buyer_signer_fullname"),
            "buyer_country": country,
            "ship_to_country": country,
            "status": status_of(order),
            "placed_at": iso(platform_time(order.get("gmt_create"))),
            "paid_at": iso(
                platform_time(order.get("gmt_pay_time") or order.get("gmt_pay_success"))
            ),
            "updated_at": iso(platform_time(order.get("gmt_update"))),
            "currency": dig(order, "pay_amount", "currency_code"),
            "total": amount(dig(order, "pay_amount", "amount")),
            "lines": [line_of(p) for p in products] or None,
        }
    )


def parcels_of(order: Mapping[str, Any], info: Mapping[str, Any]) -> list[dict[str, object]]:
    """The detail's logistics records (one per tracking number) as batch items of kind
    parcels; the carrier is the logistics service's name."""
    parcels = []
    for item in _list(info.get("logistic_info_list"), "aeop_order_logistic_info"):
        number = str(item.get("logistics_no") or "").strip()
        if number:
            parcels.append(
                compact(
                    {
                        "order_number": str(order.get("order_id") or ""),
                        "tracking_number": number,
                        "carrier": item.get("logistics_service") or item.get("logistics_type_code"),
                        "shipped_at": iso(platform_time(item.get("gmt_send"))),
                    }
                )
            )
    return parcels


class AliExpressOrders:
    """A store's AliExpress orders (kefu.adapters.marketplaces.orders.OrderSource),
    through the message client's signed gateway."""

    def __init__(self, gateway: Gateway, *, page_size: int = PAGE_SIZE) -> None:
        self.gateway = gateway
        self.page_size = page_size

    def listing(
        self, since: datetime, until: datetime, page: int
    ) -> tuple[list[dict[str, Any]], int]:
        query = {
            "modified_date_start": query_time(since),
            "modified_date_end": query_time(until),
            "page_size": self.page_size,
            "current_page": page,
        }
        answer = self.gateway.call(ORDER_LIST, {"param0": query})
        result = answer.get("result")
        result = result if isinstance(result, dict) else {}
        found = _list(result.get("target_list"), "order_dto")
        try:
            total = int(result.get("total_count") or 0)
        except (TypeError, ValueError):
            total = len(found)
        return found, max(total, len(found))

    def info(self, order_id: object) -> dict[str, Any]:
        answer = self.gateway.call(
            ORDER_INFO, {"param1": {"order_id": order_id, "ext_info_bit_flag": 11111}}
        )
        data = dig(answer, "result", "data")
        return data if isinstance(data, dict) else {}

    def pull_orders(self, cursor: str | None, since: datetime) -> OrderPage:
        position = Windows.load(cursor, since, "AliExpress")
        now = datetime.fromtimestamp(self.gateway.clock(), PLATFORM_ZONE)
        found, following, done = next_window(position, now, self.page_size, GRAIN, self.listing)
        orders, parcels = [], []
        for order in found:
            info = self.info(order.get("order_id"))  # the buyer's country, the parcels
            orders.append(order_of(order, info))
            parcels += parcels_of(order, info)
        return OrderPage(records(orders, parcels), following.dump(), done)
