"""Amazon SP-API adapter: the models' recorded documents → import records, the cursor,
message bodies checked against the schemas, errors, and the sandbox refusing what the
recorded documents say the SP-API refuses."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kefu.adapters.marketplaces.amazon import (
    ACTIONS,
    LIMITS,
    ORDER_STATUSES,
    AmazonClient,
    AmazonOAuth,
    Credentials,
    Cursor,
    body_problem,
    order_record,
    refused,
    token_url_for,
)
from kefu.adapters.marketplaces.sandbox.amazon import AmazonFace, Item
from kefu.domain.shopdata import FIELDS, Context, Kind, missing_for_new, parse_fields, parse_row
from kefu.domain.types import OrderStatus
from kefu.services.ports import ChannelError

RECORDED = Path(__file__).parents[1] / "data" / "recorded" / "amazon"
NOW = datetime(2026, 1, 1, tzinfo=UTC)
CTX = Context(ZoneInfo("UTC"), "USD", {"USD": 2, "EUR": 2, "JPY": 0}, {"US", "DE"})
LINE_KEYS = {"sku": "line_sku", "title": "line_title", "quantity": "line_quantity"}


def recorded(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((RECORDED / name).read_text(encoding="utf-8"))
    return document


def imported(record: dict[str, object], refused: frozenset[str] = frozenset()) -> dict[str, object]:
    """The record as the import reads it (kefu.domain.shopdata): no field refused but
    those named."""
    own = {k: v for k, v in record.items() if k != "lines"}
    row = parse_row(Kind.ORDERS, own, CTX)
    assert {e.field for e in row.errors} == refused
    if not refused:
        assert missing_for_new(Kind.ORDERS, row.values) == []
    return row.values


def test_recorded_order_items_and_buyer_map_to_an_import_record() -> None:
    (order, second) = recorded("getOrders.response.json")["payload"]["Orders"]
    items = recorded("getOrderItems.response.json")["payload"]["OrderItems"]
    buyer = recorded("getOrderBuyerInfo.response.json")["payload"]
    address = recorded("getOrderAddress.response.json")["payload"]["ShippingAddress"]
    record = order_record(order, items, buyer, address)
    # The models' example dates are epoch placeholders (1970-01-19): the import refuses
    # them as implausible, and only them.
    values = imported(record, frozenset({"placed_at", "updated_at", "promised_delivery_at"}))
    assert values["order_number"] == "902-1845936-5435065"
    assert values["status"] == OrderStatus.PAID  # Unshipped: paid, not yet sent
    assert values["buyer_id"] == values["buyer_email"] == "fzyrv6gwkhbb15c@example.com"
    assert values["buyer_name"] == "MFNIntegrationTestMerchant"
    assert values["currency"] == "USD" and str(values["total"]) == "11.01"
    assert record["placed_at"] == "1970-01-19T03:58:30Z"
    assert record["updated_at"] == "1970-01-19T03:58:32Z"
    assert record["promised_delivery_at"] == "1970-01-19T04:15:17Z"
    assert values["ship_to_country"] == "US"
    lines = record["lines"]
    assert isinstance(lines, list) and len(lines) == 1
    line = parse_fields(
        [f for f in FIELDS[Kind.ORDERS] if f.name.startswith("line_")],
        {LINE_KEYS.get(k, "line_price"): v for k, v in lines[0].items()},
        CTX,
    )
    assert line.errors == []
    assert line.values["line_sku"] == "NABetaASINB00551Q3CS"
    assert line.values["line_quantity"] == 1 and str(line.values["line_price"]) == "10.00"
    # An order of 2017 with no buyer info (no role): the order is its own buyer.
    (pending,) = recorded("getOrders.page1.response.json")["payload"]["Orders"]
    values = imported(order_record(pending, []))
    assert values["buyer_id"] == "amazon-order-902-3159896-1390916"
    assert values["status"] == OrderStatus.RECEIVED  # Pending: not paid yet
    assert values["placed_at"] == datetime(2017, 1, 20, 19, 49, 35, tzinfo=UTC)
    assert "total" not in values and second["AmazonOrderId"] == "902-8745147-1934268"


def test_a_unit_price_is_the_item_price_over_the_quantity() -> None:
    item: dict[str, Any] = {"SellerSKU": "MUG", "Title": "Mug", "QuantityOrdered": 3}
    item["ItemPrice"] = {"CurrencyCode": "EUR", "Amount": "30.00"}
    item["ShippingPrice"] = {"CurrencyCode": "EUR", "Amount": "4.50"}
    order: dict[str, Any] = {"AmazonOrderId": "302-0000001-0000001", "OrderStatus": "Shipped"}
    order |= {"PurchaseDate": "2026-01-01T00:00:00Z", "LastUpdateDate": "2026-01-02T00:00:00Z"}
    order["BuyerInfo"] = {"BuyerEmail": "Q7ABC@Marketplace.Amazon.de"}
    record = order_record(order, [item, {**item, "SellerSKU": "CUP"}])
    assert record["lines"] == [
        {"sku": "MUG", "title": "Mug", "quantity": 3, "price": "10.00"},
        {"sku": "CUP", "title": "Mug", "quantity": 3, "price": "10.00"},
    ]
    # No OrderTotal (a pending order): the currency comes from the items, shipping summed.
    assert (record["currency"], record["shipping"]) == ("EUR", "9.00")
    assert record["buyer_id"] == "q7abc@marketplace.amazon.de"  # the relay alias, as mail
    assert imported(record)["status"] == OrderStatus.SHIPPED


def test_every_amazon_status_maps_to_a_kefu_status() -> None:
    statuses = {"PendingAvailability", "Pending", "Unshipped", "PartiallyShipped", "Shipped"}
    statuses |= {"InvoiceUnconfirmed", "Canceled", "Unfulfillable"}
    assert set(ORDER_STATUSES) == set(statuses)
    assert {OrderStatus(v) for v in ORDER_STATUSES.values()} == {
        OrderStatus.RECEIVED,
        OrderStatus.PAID,
        OrderStatus.SHIPPED,
        OrderStatus.CANCELLED,
    }


cursors = st.builds(
    Cursor,
    after=st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
    ).map(lambda d: d.strftime("%Y-%m-%dT%H:%M:%SZ")),
    next_token=st.one_of(st.none(), st.text(min_size=1, max_size=40)),
    newest=st.one_of(st.none(), st.just("2026-01-01T00:00:00Z")),
)


@given(cursors)
def test_cursor_round_trips(cursor: Cursor) -> None:
    assert Cursor.load(cursor.dump(), NOW) == cursor


def test_the_cursor_pages_then_starts_the_next_pass_at_the_newest_change() -> None:
    page1 = recorded("getOrders.page1.response.json")["payload"]
    start = Cursor.load(None, NOW)
    assert start.after == "2026-01-01T00:00:00Z"
    middle = start.advance(page1["Orders"], page1["NextToken"])
    assert middle == Cursor(start.after, "2YgYW55IGNhcm5hbCBwbGVhc3VyZS4", "2017-01-20T19:49:35Z")
    newer = [{"LastUpdateDate": "2026-01-03T08:00:00Z"}, {"LastUpdateDate": "2026-01-02T00:00:00Z"}]
    assert middle.advance(newer, None) == Cursor("2026-01-03T08:00:00Z")
    assert Cursor("2026-01-03T08:00:00Z").advance([], None) == Cursor("2026-01-03T08:00:00Z")
    for broken in ("{not json", '{"after": "yesterday"}', "{}"):
        with pytest.raises(ChannelError) as refused_:
            Cursor.load(broken, NOW)
        assert refused_.value.retryable is False


def test_the_recorded_message_bodies_pass_their_schemas() -> None:
    sent = recorded("messages.requests.json")["sent"]
    assert len(sent) == 9
    for message in sent:
        assert body_problem(message["action"], message["body"]) is None, message["action"]


@pytest.mark.parametrize(
    ("action", "body", "words"),
    [
        ("unexpectedProblem", {"text": "x" * 2001}, "at most 2000"),
        ("confirmCustomizationDetails", {"text": "x" * 801}, "at most 800"),
        ("digitalAccessKey", {"text": "x" * 401}, "at most 400"),
        ("unexpectedProblem", {"text": "<p>Hello</p>"}, "no HTML"),
        ("confirmDeliveryDetails", {"text": "mail me: a@b.example"}, "e-mail"),
        ("unexpectedProblem", {"text": "  "}, "text is required"),
        ("unexpectedProblem", {"text": "hi", "attachments": []}, "takes no attachments"),
        ("warranty", {}, "1–5 attachments"),
        ("legalDisclosure", {"attachments": [{"fileName": "a.pdf"}]}, "uploadDestinationId"),
        ("warranty", {"attachments": [{}], "coverageStartDate": "soon"}, "date-time"),
        ("sendLove", {}, "does not know"),
    ],
)
def test_bodies_the_schemas_refuse_are_refused_in_words(
    action: str, body: dict[str, object], words: str
) -> None:
    problem = body_problem(action, body)
    assert problem is not None and words in problem


def answer(status: int, body: object, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, json=body, headers=headers or {})


def test_errors_are_channel_errors_with_the_platforms_words() -> None:
    limited = refused("GET /orders/v0/orders", answer(429, {}, {"x-amzn-RateLimit-Limit": "0.5"}))
    assert limited.retryable and limited.retry_after == 2.0
    later = refused("POST x", answer(429, {}, {"Retry-After": "7"}))
    assert later.retry_after == 7.0
    down = refused("GET x", answer(503, {"errors": [{"code": "ServiceUnavailable"}]}))
    assert down.retryable and "ServiceUnavailable" in str(down)
    for status in (400, 403, 404):
        error = {"code": "InvalidInput", "message": "Invalid Input", "details": "bad id"}
        refusal = refused("GET x", answer(status, {"errors": [error]}))
        assert not refusal.retryable
        assert "InvalidInput: Invalid Input: bad id" in str(refusal)


def test_the_consent_url_carries_the_app_the_state_and_beta_for_a_draft_app() -> None:
    app = AmazonOAuth("amzn1.application-oa2-client.x", "secret", "amzn1.sp.solution.1", draft=True)
    url = urlsplit(app.authorize_url("https://kefu.example/oauth/amazon", "st-1"))
    assert (url.netloc, url.path) == ("sellercentral.amazon.com", "/apps/authorize/consent")
    query = parse_qs(url.query)
    assert query["application_id"] == ["amzn1.sp.solution.1"]
    assert query["state"] == ["st-1"] and query["version"] == ["beta"]
    assert query["redirect_uri"] == ["https://kefu.example/oauth/amazon"]
    published = AmazonOAuth("c", "s", "amzn1.sp.solution.1").authorize_url("https://k/r", "s")
    assert "version" not in parse_qs(urlsplit(published).query)


def test_lwa_is_amazons_for_amazon_hosts_and_the_sandboxs_beside_it() -> None:
    assert token_url_for("https://sellingpartnerapi-eu.amazon.com") == (
        "https://api.amazon.com/auth/o2/token"
    )
    assert (
        token_url_for("http://127.0.0.1:8999/amazon")
        == "http://127.0.0.1:8999/amazon/auth/o2/token"
    )


def test_from_credentials_needs_the_refresh_token_and_app_keys() -> None:
    with pytest.raises(ChannelError, match="refresh_token, client_id") as missing:
        AmazonClient.from_credentials("", {"store": "amz-us", "client_secret": "s"})
    assert missing.value.retryable is False
    with pytest.raises(ChannelError, match="region"):
        values = {"store": "a", "refresh_token": "r", "client_id": "c", "client_secret": "s"}
        AmazonClient.from_credentials("", {**values, "region": "mars"})
    eu = AmazonClient.from_credentials("", {**values, "region": "eu", "marketplace_id": "A1PA"})
    assert eu.base_url == "https://sellingpartnerapi-eu.amazon.com"
    assert eu.marketplace_id == "A1PA"


def test_the_recorded_actions_are_read_from_the_links_never_from_a_list() -> None:
    document = recorded("getMessagingActionsForOrder.response.json")

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/auth/o2/token":
            return answer(200, {"access_token": "Atza|t", "expires_in": 3600})
        assert request.url.params["marketplaceIds"] == "ATVPDKIKX0DER"
        return answer(200, document)

    client = AmazonClient(
        "amz-us",
        Credentials("Atzr|r", "c", "s"),
        token_url="https://lwa.test/auth/o2/token",
        client=httpx.Client(transport=httpx.MockTransport(handler)),
    )
    names = client.actions("123-1234567-1234567")
    assert len(names) == 10  # "attributes" is a read, not a message
    assert "attributes" not in names and names[0] == "confirmCustomizationDetails"
    assert client.offered("123-1234567-1234567")[-1].path == (
        "/messaging/v1/orders/123-1234567-1234567/messages/warranty"
    )


def test_limits_and_action_rules_are_data() -> None:
    assert LIMITS["page_size"] == 100
    assert ACTIONS["unexpectedProblem"].text_max == 2000


# The sandbox refuses what the recorded documents say the SP-API refuses.


def seeded_face() -> tuple[AmazonFace, dict[str, str]]:
    document = recorded("refusals.json")
    now = datetime.fromisoformat(document["now"].replace("Z", "+00:00")).timestamp()
    face = AmazonFace(clock=lambda: now, roles=frozenset({"address"}))
    face.grant(document["tokens"]["valid"], now + 3600)
    face.grant(document["tokens"]["expired"], now - 1)
    item = Item("SKU-1", "Mug", 1, Decimal("9.90"))
    face.add_order([item], order_id=document["orders"]["all_actions"], actions=tuple(ACTIONS))
    face.add_order([item], order_id=document["orders"]["unexpected_problem_only"])
    return face, {**document["tokens"]}


def _fill(value: Any, names: dict[str, str], bodies: dict[str, Any]) -> Any:
    if isinstance(value, str):
        body = re.fullmatch(r"\{body:(\w+)\}", value)
        if body:
            return bodies[body.group(1)]
        letters = re.fullmatch(r"\{(\d+) x\}", value)
        if letters:
            return "x" * int(letters.group(1))
        return names.get(value.strip("{}"), value) if value.startswith("{") else value
    if isinstance(value, dict):
        return {k: _fill(v, names, bodies) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, names, bodies) for v in value]
    return value


def bodies() -> dict[str, Any]:
    return {m["action"]: m["body"] for m in recorded("messages.requests.json")["sent"]}


def refusal_cases() -> list[dict[str, Any]]:
    return list(recorded("refusals.json")["cases"])


def test_the_recorded_refusals_are_all_there() -> None:
    cases = refusal_cases()
    assert len(cases) == 37
    assert sum("sandbox pair" in c["source"] for c in cases) == 14


@pytest.mark.parametrize("case", refusal_cases(), ids=lambda case: case["name"])
def test_the_sandbox_refuses_what_the_recorded_documents_refuse(case: dict[str, Any]) -> None:
    face, names = seeded_face()
    request = _fill(case["request"], names, bodies())
    status, body, _ = face.handle(
        request["method"], request["path"], request["params"], request["body"], request["token"]
    )
    assert status not in (200, 201), f"the sandbox accepted {case['name']}"
    expected = case["response"]
    assert status == expected["status"]
    errors: list[dict[str, str]] = body["errors"]  # type: ignore[assignment]
    (error,) = errors
    (wanted,) = expected["body"]["errors"]
    assert error["code"] == wanted["code"]
    if "message" in wanted:
        assert error["message"] == wanted["message"]
    assert len(face.messages()) == 0


def test_the_recorded_requests_are_accepted_as_published() -> None:
    """The models' 201 pairs go through, so each refusal is about what its case changes."""
    face, names = seeded_face()
    token = names["valid"]
    params = {"marketplaceIds": "ATVPDKIKX0DER"}
    for message in recorded("messages.requests.json")["sent"]:
        path = f"/messaging/v1/orders/{message['amazonOrderId']}/messages/{message['action']}"
        face._bucket = (5.0, face.clock())  # the rate limit is its own case
        status, _, _ = face.handle("POST", path, params, message["body"], token)
        assert status == 201, message["action"]
    assert len(face.messages("123-1234567-1234567")) == 9
    listed = face.handle(
        "GET",
        "/orders/v0/orders",
        {"MarketplaceIds": "ATVPDKIKX0DER", "LastUpdatedAfter": "2025-12-31T00:00:00Z"},
        None,
        token,
    )
    assert listed[0] == 200 and len(listed[1]["payload"]["Orders"]) == 2  # type: ignore[index]


def test_messaging_past_the_burst_is_refused_with_429() -> None:
    face, names = seeded_face()
    path = "/messaging/v1/orders/123-1234567-1234567"
    answers = [
        face.handle("GET", path, {"marketplaceIds": "ATVPDKIKX0DER"}, None, names["valid"])
        for _ in range(6)
    ]
    assert [a[0] for a in answers] == [200] * 5 + [429]
    assert answers[5][1]["errors"][0]["code"] == "QuotaExceeded"  # type: ignore[index]
