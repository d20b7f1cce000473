"""Orders from the platforms (docs/channels.md "Orders from the platforms"): each
platform's recorded order documents map to the import batch's items, field by field; the
intake's own rules read those items without an error; the sandbox refuses what the
recorded documents say each platform refuses; the order cursor reads every window once
and pages only inside one grain; a client reads a pass's orders before its messages."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from kefu.adapters.marketplaces import aliexpress_orders as ali
from kefu.adapters.marketplaces import ebay_orders as ebay
from kefu.adapters.marketplaces import wish_orders as wish
from kefu.adapters.marketplaces.aliexpress import sign
from kefu.adapters.marketplaces.orders import (
    ORDER_PAGES_PER_PASS,
    OVERLAP,
    OrderPage,
    Windows,
    WithOrders,
    next_window,
    products_of,
    records,
)
from kefu.adapters.marketplaces.sandbox import AliExpressFace, EbayFace, WishFace
from kefu.domain.shopdata import FIELDS, Context, Kind, parse_row
from kefu.services.ports import ChannelError, OutgoingReply, PulledPage, StateChange

RECORDED = Path(__file__).parent.parent / "data" / "recorded"


def recorded(platform: str, name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((RECORDED / platform / name).read_text("utf-8"))
    return document


def readable(kind: Kind, item: dict[str, object]) -> list[str]:
    """What the intake's parsing (kefu.domain.shopdata) says of an item: its errors."""
    ctx = Context(UTC, "USD", {"USD": 2, "EUR": 2, "GBP": 2}, {"US", "ES", "DE", "GB", "BR"})
    detail = {"lines": "line_", "events": "event_"}
    cells = {k: v for k, v in item.items() if k not in detail}
    problems = [f"{e.field}: {e.reason}" for e in parse_row(kind, cells, ctx).errors]
    for name, prefix in detail.items():
        for sub in item.get(name) or []:  # type: ignore[attr-defined]
            row = parse_row(kind, {**cells, **{prefix + k: v for k, v in sub.items()}}, ctx)
            problems += [f"{e.field}: {e.reason}" for e in row.errors]
    unknown = set(cells) - {f.name for f in FIELDS[kind]}
    return problems + [f"{name}: not a field" for name in sorted(unknown)]


# AliExpress


def test_the_published_aliexpress_order_maps_to_an_order_with_its_line() -> None:
    listed = recorded("aliexpress", "order.get.response.json")
    [order] = listed["aliexpress_solution_order_get_response"]["result"]["target_list"]["order_dto"]
    info = recorded("aliexpress", "order.info.get.response.json")
    data = info["aliexpress_solution_order_info_get_response"]["result"]["data"]
    item = ali.order_of(order, data)
    assert item == {
        "order_number": "1160045860056286",
        "buyer_id": "test",
        "buyer_name": "test",
        "buyer_country": "BR",
        "ship_to_country": "BR",
        "status": "received",  # PLACE_ORDER_SUCCESS
        "placed_at": "2017-10-12T19:12:12+00:00",  # 12:12:12 Pacific daylight time
        "paid_at": "2017-10-12T19:12:12+00:00",
        "updated_at": "2017-10-12T19:12:12+00:00",
        "currency": "USD",
        "total": "1.01",
        "lines": [{"sku": "12", "title": "mobile", "quantity": 1, "price": "1.01"}],
    }
    assert readable(Kind.ORDERS, item) == []
    assert ali.parcels_of(order, data) == [
        {
            "order_number": "1160045860056286",
            "tracking_number": "LP00012345678901",
            "carrier": "CAINIAO_STANDARD",
            "shipped_at": "2017-10-13T15:00:00+00:00",
        }
    ]
    assert readable(Kind.PARCELS, ali.parcels_of(order, data)[0]) == []


@pytest.mark.parametrize(
    ("status", "logistics", "end_reason", "kefu"),
    [
        ("WAIT_SELLER_SEND_GOODS", "NO_LOGISTICS", "", "paid"),
        ("SELLER_PART_SEND_GOODS", "SELLER_SEND_PART_GOODS", "", "shipped"),
        ("WAIT_BUYER_ACCEPT_GOODS", "SELLER_SEND_GOODS", "", "shipped"),
        ("IN_CANCEL", "NO_LOGISTICS", "", "paid"),
        ("IN_ISSUE", "SELLER_SEND_GOODS", "", "shipped"),
        ("FINISH", "BUYER_ACCEPT_GOODS", "buyer_confirm_goods", "completed"),
        ("FINISH", "NO_LOGISTICS", "buyer_cancel_order", "cancelled"),
        ("FINISH", "NO_LOGISTICS", "seller_send_goods_timeout", "cancelled"),
    ],
)
def test_aliexpress_statuses_map_to_kefus_order_life(
    status: str, logistics: str, end_reason: str, kefu: str
) -> None:
    order = {"order_status": status, "logistics_status": logistics, "end_reason": end_reason}
    assert ali.status_of(order) == kefu


def test_an_aliexpress_line_without_a_sku_code_is_keyed_on_its_product_id() -> None:
    line = ali.line_of({"sku_code": "", "product_id": 2356980, "product_name": "mobile"})
    assert line == {"sku": "2356980", "title": "mobile"}


# eBay


def test_recorded_ebay_orders_map_to_orders_lines_and_statuses() -> None:
    fulfilled, cancelled = recorded("ebay", "getOrders.response.json")["orders"]
    item = ebay.order_of(fulfilled)
    assert item == {
        "order_number": "01-10871-51521",
        "buyer_id": "es-buyer-1",
        "buyer_name": "Lucía Fernández",
        "buyer_email": "0b1c2d3e4f@members.ebay.com",
        "buyer_country": "ES",
        "ship_to_country": "ES",
        "status": "shipped",
        "placed_at": "2024-11-04T09:13:22+00:00",
        "paid_at": "2024-11-04T09:13:40+00:00",
        "updated_at": "2024-11-05T16:40:11+00:00",
        "currency": "EUR",
        "total": "44.48",
        "shipping": "4.50",
        # lineItemCost is the line's total: 39.98 for two is 19.99 each
        "lines": [
            {"sku": "EB-SCARF", "title": "Wool scarf, grey", "quantity": 2, "price": "19.99"}
        ],
    }
    assert readable(Kind.ORDERS, item) == []
    other = ebay.order_of(cancelled)
    assert other["status"] == "cancelled"
    assert other["lines"] == [
        {"sku": "334567890999", "title": "Sun hat", "quantity": 1, "price": "12.00"}
    ]
    assert readable(Kind.ORDERS, other) == []


@pytest.mark.parametrize(
    ("fulfilment", "payment", "cancel", "kefu"),
    [
        ("NOT_STARTED", "PENDING", "NONE_REQUESTED", "received"),
        ("NOT_STARTED", "FAILED", "NONE_REQUESTED", "received"),
        ("NOT_STARTED", "PAID", "NONE_REQUESTED", "paid"),
        ("NOT_STARTED", "PARTIALLY_REFUNDED", "IN_PROGRESS", "paid"),
        ("IN_PROGRESS", "PAID", "NONE_REQUESTED", "shipped"),
        ("FULFILLED", "PAID", "NONE_REQUESTED", "shipped"),
        ("FULFILLED", "FULLY_REFUNDED", "NONE_REQUESTED", "cancelled"),
        ("NOT_STARTED", "PAID", "CANCELED", "cancelled"),
    ],
)
def test_ebay_statuses_map_to_kefus_order_life(
    fulfilment: str, payment: str, cancel: str, kefu: str
) -> None:
    order = {
        "orderFulfillmentStatus": fulfilment,
        "orderPaymentStatus": payment,
        "cancelStatus": {"cancelState": cancel},
    }
    assert ebay.status_of(order) == kefu


def test_a_recorded_ebay_shipping_fulfillment_maps_to_parcels() -> None:
    parcels = ebay.parcels_of(
        "01-10871-51521", recorded("ebay", "shipping_fulfillment.response.json")
    )
    assert parcels == [
        {
            "order_number": "01-10871-51521",
            "tracking_number": "RM123456789GB",
            "carrier": "Royal Mail",
            "shipped_at": "2024-11-05T16:40:00+00:00",
        }
    ]
    assert readable(Kind.PARCELS, parcels[0]) == []


# Wish


def test_recorded_wish_orders_map_to_orders_lines_and_parcels() -> None:
    shipped, refunded = recorded("wish", "orders.list.response.json")["data"]
    item = wish.order_of(shipped)
    assert item == {
        "order_number": "5f1a2b3c4d5e6f7a8b9c0d1e",
        "buyer_id": "order-5f1a2b3c4d5e6f7a8b9c0d1e",
        "buyer_name": "Amy Lee",
        "buyer_country": "US",
        "ship_to_country": "US",
        "status": "shipped",
        "placed_at": "2020-04-08T10:00:00+00:00",
        "updated_at": "2020-04-09T07:30:00+00:00",
        "currency": "USD",
        "shipping": "6.0",  # 2.00 a unit, three units
        "lines": [{"sku": "WI-SOCKS-M", "title": "Wool socks", "quantity": 3, "price": "4.0"}],
    }
    assert readable(Kind.ORDERS, item) == []
    assert wish.order_of(refunded)["status"] == "cancelled"
    # Newest first; the newest is dated by the last MARK_SHIPPED, the older was replaced.
    assert wish.parcels_of(shipped) == [
        {
            "order_number": "5f1a2b3c4d5e6f7a8b9c0d1e",
            "tracking_number": "YT2412345678901234",
            "carrier": "YunExpress",
            "shipped_at": "2020-04-09T07:30:00+00:00",
        },
        {
            "order_number": "5f1a2b3c4d5e6f7a8b9c0d1e",
            "tracking_number": "LZ123456789CN",
            "carrier": "ChinaPost",
        },
    ]
    assert wish.parcels_of(refunded) == []


def test_a_wish_order_confirmed_delivered_is_delivered() -> None:
    order = {
        "id": "5f",
        "state": "SHIPPED",
        "fulfillment_records": [
            {"event_type": "CONFIRMED_DELIVERED", "event_time": "2020-04-20T10:00:00Z"}
        ],
    }
    assert wish.status_of(order) == "delivered"
    assert wish.order_of(order)["delivered_at"] == "2020-04-20T10:00:00+00:00"


def test_products_come_from_the_lines_once_each() -> None:
    orders: list[dict[str, object]] = [
        {"currency": "EUR", "lines": [{"sku": "A", "title": "Lamp", "price": "3", "quantity": 1}]},
        {
            "currency": "EUR",
            "lines": [{"sku": "A", "title": "Lamp", "price": "2.5", "quantity": 2}],
        },
        {"lines": [{"sku": "B", "quantity": 1}]},  # no price: not enough for a new product
    ]
    assert products_of(orders) == [{"sku": "A", "title": "Lamp", "price": "3", "currency": "EUR"}]
    assert set(records(orders, [])) == {"products", "orders"}


# The sandbox refuses what the platforms refuse


def aliexpress_face() -> tuple[AliExpressFace, dict[str, Any]]:
    app = recorded("aliexpress", "refusals.json")["app"]
    face = AliExpressFace(clock=lambda: 1533203011.0)
    face.add_app(app["app_key"], app["app_secret"])
    face.grant(app["session"], app["session_expires_ms"] / 1000)
    return face, app


def signed(app: dict[str, Any], request: dict[str, str]) -> dict[str, str]:
    full = {
        "app_key": app["app_key"],
        "session": app["session"],
        "sign_method": "sha256",
        "timestamp": "1533203011000",
        **request,
    }
    return {**full, "sign": sign(app["app_secret"], full)}


ALI_CASES = recorded("aliexpress", "order_refusals.json")["cases"]


@pytest.mark.parametrize("case", ALI_CASES, ids=lambda c: c["name"])
def test_the_aliexpress_sandbox_refuses_what_the_recorded_order_documents_refuse(
    case: dict[str, Any],
) -> None:
    face, app = aliexpress_face()
    answer = face.handle(signed(app, case["request"]))
    assert "error_response" in answer, f"the sandbox accepted {case['name']}"
    want, got = case["response"]["error_response"], answer["error_response"]
    assert (got["code"], got["msg"], got["sub_code"]) == (
        want["code"],
        want["msg"],
        want["sub_code"],
    )


def test_the_aliexpress_sandbox_answers_an_order_list_in_the_published_shape() -> None:
    face, app = aliexpress_face()
    placed = face.orders.place("us3333", "jack.ma", [("12", "mobile", 1, "1.01")])
    face.orders.ship(placed, "LP00012345678901")
    answer = face.handle(
        signed(app, {"method": ali.ORDER_LIST, "param0": '{"page_size":20,"current_page":1}'})
    )
    result = answer["aliexpress_solution_order_get_response"]["result"]
    [published] = recorded("aliexpress", "order.get.response.json")[
        "aliexpress_solution_order_get_response"
    ]["result"]["target_list"]["order_dto"]
    [ours] = result["target_list"]["order_dto"]
    assert set(ours) <= set(published)  # every field the sandbox gives, the platform gives
    assert (result["total_count"], result["success"]) == (1, True)
    info = face.handle(
        signed(app, {"method": ali.ORDER_INFO, "param1": f'{{"order_id":{placed}}}'})
    )
    data = info["aliexpress_solution_order_info_get_response"]["result"]["data"]
    assert ali.parcels_of(ours, data)[0]["tracking_number"] == "LP00012345678901"


def ebay_face() -> tuple[EbayFace, dict[str, str]]:
    tokens = recorded("ebay", "refusals.json")["tokens"]
    now = datetime(2024, 11, 6, 12, tzinfo=UTC).timestamp()
    face = EbayFace(clock=lambda: now)
    face.grant(tokens["valid"], now + 7200)
    return face, {"authorization": f"Bearer {tokens['valid']}"}


@pytest.mark.parametrize(
    "case", recorded("ebay", "order_refusals.json")["cases"], ids=lambda c: c["name"]
)
def test_the_ebay_sandbox_refuses_what_the_recorded_order_documents_refuse(
    case: dict[str, Any],
) -> None:
    face, headers = ebay_face()
    request = case["request"]
    status, answer, _ = face.handle(
        request["method"], request["path"], request["query"], headers, None
    )
    assert status == case["response"]["status"], f"the sandbox answered {case['name']}"
    assert answer is not None
    [error] = answer["errors"]
    assert (error["errorId"], error["domain"]) == (case["response"]["errorId"], "API_FULFILLMENT")


def test_the_ebay_sandbox_answers_orders_in_the_recorded_shape() -> None:
    face, headers = ebay_face()
    placed = face.orders.place("tom_uk", "Tom", [("EB-SCARF", "Wool scarf", 2, "15.00")])
    face.orders.ship(placed, "RM123456789GB")
    query = {"filter": "lastmodifieddate:[2024-11-06T00:00:00.000Z..2024-11-06T12:00:00.000Z]"}
    status, answer, _ = face.handle("GET", "/sell/fulfillment/v1/order", query, headers, None)
    assert status == 200 and answer is not None and answer["total"] == 1
    [ours] = answer["orders"]
    published = recorded("ebay", "getOrders.response.json")["orders"][0]
    assert set(ours) <= set(published)
    assert set(ours["lineItems"][0]) <= set(published["lineItems"][0])
    path = f"/sell/fulfillment/v1/order/{placed}/shipping_fulfillment"
    status, shipped, _ = face.handle("GET", path, {}, headers, None)
    assert status == 200 and shipped is not None
    assert ebay.parcels_of(placed, shipped)[0]["tracking_number"] == "RM123456789GB"


def wish_face() -> tuple[WishFace, str]:
    tokens = recorded("wish", "refusals.json")["token"]
    now = datetime(2020, 4, 9, tzinfo=UTC).timestamp()
    face = WishFace(clock=lambda: now)
    face.grant(tokens["valid"], now + 3600)
    return face, f"Bearer {tokens['valid']}"


@pytest.mark.parametrize(
    "case", recorded("wish", "order_refusals.json")["cases"], ids=lambda c: c["name"]
)
def test_the_wish_sandbox_refuses_what_the_recorded_order_documents_refuse(
    case: dict[str, Any],
) -> None:
    face, token = wish_face()
    status, body, _ = face.handle("GET", "/api/v3/orders", case["params"], None, token)
    assert status == case["response"]["status"], f"the sandbox answered {case['name']}"
    assert body["code"] == case["response"]["code"]


def test_the_wish_sandbox_answers_orders_in_the_recorded_shape() -> None:
    face, token = wish_face()
    placed = face.orders.place("Amy Lee", "WI-SOCKS", "Wool socks", quantity=3, price="4.00")
    face.orders.ship(placed, "YT2412345678901234")
    status, body, _ = face.handle("GET", "/api/v3/orders", {"limit": "500"}, None, token)
    data = body["data"]
    assert status == 200 and isinstance(data, list)
    [ours] = data
    published = recorded("wish", "orders.list.response.json")["data"][0]
    assert set(ours) <= set(published)
    assert wish.parcels_of(ours)[0]["tracking_number"] == "YT2412345678901234"


# The order cursor


def test_windows_halve_until_a_window_fits_a_page_and_read_every_order_once() -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    times = [start + timedelta(minutes=7 * n) for n in range(40)]  # 40 orders over 4.5 hours
    calls: list[tuple[datetime, datetime, int]] = []

    def listing(low: datetime, high: datetime, page: int) -> tuple[list[dict[str, Any]], int]:
        calls.append((low, high, page))
        inside = [{"at": t} for t in times if low <= t <= high]
        return inside[(page - 1) * 10 : page * 10], len(inside)

    seen: list[datetime] = []
    position, now, passes = Windows(since=start), start + timedelta(hours=5), 0
    for _ in range(100):
        found, position, done = next_window(position, now, 10, timedelta(seconds=1), listing)
        seen += [o["at"] for o in found]
        passes += 1
        if done:
            break
    assert done and set(seen) == set(times)
    assert len(seen) - len(set(seen)) <= passes  # only a boundary order is read twice
    assert position.since == now - OVERLAP  # the next pass overlaps the end of this one


def test_more_than_a_page_inside_one_grain_is_paged() -> None:
    moment = datetime(2026, 1, 1, tzinfo=UTC)
    orders = [{"n": n} for n in range(25)]  # 25 orders in the same second

    def listing(low: datetime, high: datetime, page: int) -> tuple[list[dict[str, Any]], int]:
        inside = orders if low <= moment <= high else []
        return inside[(page - 1) * 10 : page * 10], len(inside)

    seen: list[int] = []
    position = Windows(since=moment)
    for _ in range(10):
        found, position, done = next_window(
            position, moment + timedelta(seconds=1), 10, timedelta(seconds=1), listing
        )
        seen += [o["n"] for o in found]
        if done:
            break
    assert sorted(seen) == list(range(25))


def test_a_pass_that_would_end_before_it_starts_asks_nothing() -> None:
    calls: list[object] = []

    def listing(low: datetime, high: datetime, page: int) -> tuple[list[dict[str, Any]], int]:
        calls.append((low, high))
        return [], 0

    start = datetime(2026, 1, 1, tzinfo=UTC)
    found, position, done = next_window(
        Windows(since=start), start - timedelta(seconds=5), 10, timedelta(seconds=1), listing
    )
    assert (found, position.since, done, calls) == ([], start, True, [])


def test_a_stored_cursor_survives_a_round_trip() -> None:
    position = Windows(
        since=datetime(2026, 1, 1, tzinfo=UTC),
        end=datetime(2026, 1, 2, tzinfo=UTC),
        width=timedelta(hours=3),
        page=2,
    )
    assert Windows.load(position.dump(), datetime.now(UTC), "eBay") == position


# Orders first, then messages


class Messages:
    """A message client with two pages (a fake at the MarketplaceClient port)."""

    def __init__(self) -> None:
        self.cursors: list[str | None] = []

    def pull(self, cursor: str | None, since: datetime) -> PulledPage:
        self.cursors.append(cursor)
        done = cursor == "m1"
        row: dict[str, object] = {"message_id": cursor or "m0"}
        return PulledPage(rows=[row], states=[], cursor="m2" if done else "m1", done=done)

    def send(self, reply: OutgoingReply) -> str:
        return "sent"

    def push(self, change: StateChange) -> None:
        return None

    def recent_states(self, limit: int) -> list[object]:
        return []


class Orders:
    def __init__(self) -> None:
        self.cursors: list[str | None] = []

    def pull_orders(self, cursor: str | None, since: datetime) -> OrderPage:
        self.cursors.append(cursor)
        item: dict[str, object] = {"order_number": f"o{len(self.cursors)}"}
        return OrderPage({"orders": [item]}, f"o{len(self.cursors)}", done=cursor is not None)


def test_each_pass_reads_the_orders_then_the_messages_and_keeps_both_cursors() -> None:
    messages, orders = Messages(), Orders()
    client = WithOrders(messages, orders)
    since = datetime(2026, 1, 1, tzinfo=UTC)
    cursor: str | None = "an old message cursor"  # kept before orders were pulled
    pages = []
    for _ in range(4):
        page = client.pull(cursor, since)
        pages.append((bool(page.records), [r["message_id"] for r in page.rows], page.done))
        cursor = page.cursor
        if page.done:
            break
    assert pages == [
        (True, [], False),
        (True, [], False),
        (False, ["an old message cursor"], False),
        (False, ["m1"], True),
    ]
    assert orders.cursors == [None, "o1"]
    assert messages.cursors == ["an old message cursor", "m1"]
    page = client.pull(cursor, since)  # the next pass starts with the orders again
    assert page.records and orders.cursors[-1] == "o2"
    assert client.recent_states(5) == []  # the rest is the message client's


class RefusedOrders:
    def __init__(self, error: ChannelError) -> None:
        self.error = error

    def pull_orders(self, cursor: str | None, since: datetime) -> OrderPage:
        raise self.error


def test_an_order_api_refused_for_good_is_a_problem_of_the_page_not_of_the_sync() -> None:
    since = datetime(2026, 1, 1, tzinfo=UTC)
    client = WithOrders(Messages(), RefusedOrders(ChannelError("no scope", retryable=False)))
    page = client.pull(None, since)
    assert (page.problems, page.rows, page.done) == (["orders: no scope"], [], False)
    following = client.pull(page.cursor, since)  # on to the messages
    assert [r["message_id"] for r in following.rows] == ["m0"]
    passing = WithOrders(Messages(), RefusedOrders(ChannelError("busy", retryable=True)))
    with pytest.raises(ChannelError, match="busy"):
        passing.pull(None, since)


class Backlog:
    """An order API with more pages than a pass reads."""

    def __init__(self) -> None:
        self.pages = 0

    def pull_orders(self, cursor: str | None, since: datetime) -> OrderPage:
        self.pages += 1
        return OrderPage({"orders": [{"order_number": str(self.pages)}]}, str(self.pages), False)


def test_a_backlog_of_orders_gives_way_to_the_messages_and_goes_on_next_pass() -> None:
    orders = Backlog()
    client = WithOrders(Messages(), orders)
    since = datetime(2026, 1, 1, tzinfo=UTC)
    cursor: str | None = None
    kinds = []
    for _ in range(ORDER_PAGES_PER_PASS + 2):
        page = client.pull(cursor, since)
        kinds.append("orders" if page.records else "messages")
        cursor = page.cursor
        if page.done:
            break
    assert kinds == ["orders"] * ORDER_PAGES_PER_PASS + ["messages", "messages"]
    client.pull(cursor, since)  # the next pass: the orders from where they stopped
    assert orders.pages == ORDER_PAGES_PER_PASS + 1
