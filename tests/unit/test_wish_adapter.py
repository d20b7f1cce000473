"""Wish adapter: recorded documents → kefu rows and states, reply ids, the cursor, errors,
and the sandbox refusing what the recorded documents say Wish refuses."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kefu.adapters.marketplaces.sandbox.wish import WishFace
from kefu.adapters.marketplaces.wish import (
    LIMITS,
    Cursor,
    WishClient,
    _data,
    _retry_after,
    buyer_id,
    order_number,
    reply_id,
    rows_of,
    state_of,
)
from kefu.domain.messages import parse_incoming
from kefu.domain.types import Direction, MessageKind, Origin
from kefu.services.ports import ChannelError

RECORDED = Path(__file__).parents[1] / "data" / "recorded" / "wish"
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def recorded(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((RECORDED / name).read_text(encoding="utf-8"))
    return document


def tickets() -> list[dict[str, Any]]:
    return list(recorded("tickets.list.response.json")["data"])


def test_recorded_tickets_map_to_states() -> None:
    waiting, closed = (state_of(t) for t in tickets())
    assert waiting.ref == "5e8d1c2a9b3f4a0012a4c001"
    assert waiting.handled is False  # AWAITING_MERCHANT
    assert waiting.updated_at == datetime(2020, 4, 8, 23, 59, 59, tzinfo=UTC)
    assert closed.handled is True
    # Wish has no read state, colour marks or owners.
    assert (waiting.read, waiting.owner) == (None, None)
    assert getattr(waiting, "mark", None) is None and getattr(waiting, "rank", None) is None


def test_recorded_ticket_maps_to_rows_kefu_accepts() -> None:
    rows = rows_of("wish-main", tickets()[0])
    opening, first, automated, second = (parse_incoming(r, now=NOW) for r in rows)
    assert len(rows) == 4
    for message in (opening, first, automated, second):
        assert message.conversation_id == "5e8d1c2a9b3f4a0012a4c001"
        assert message.order_number == "5e8a0b1c2d3e4f0012b5d777"
        assert message.origin == Origin.CUSTOMER_ISSUE
        assert message.buyer_name == "Maria Souza" and message.buyer_language == "pt-BR"
    # The opening names what the ticket is about (SPEC §2), as a notice: never waiting work.
    assert opening.kind == MessageKind.NOTICE
    assert "Item never arrived" in opening.text and "ITEM_NEVER_ARRIVED" in opening.text
    assert "5c9b1a2b3c4d5e0012f6e888, 5c9b1a2b3c4d5e0012f6e889" in opening.text
    assert "orders: 5e8a0b1c2d3e4f0012b5d777" in opening.text
    assert (first.direction, first.kind) == (Direction.BUYER, MessageKind.BUYER)
    assert first.attachments == ("https://contestimg.wish.com/api/webimage/5e8d1c2a-proof.jpg",)
    assert first.sent_at == datetime(2020, 4, 6, 9, 15, 2, tzinfo=UTC)
    assert automated.kind == MessageKind.NOTICE  # Wish's automated support
    assert second.text == "Still nothing, please help."
    # v3 has no buyer id: the buyer is keyed on the order.
    assert first.buyer_id == "order-5e8a0b1c2d3e4f0012b5d777"


def test_merchant_replies_are_the_shops_and_pre_purchase_tickets_key_on_the_ticket() -> None:
    rows = rows_of("wish-main", tickets()[1])
    shop = parse_incoming(rows[-1], now=NOW)
    assert shop.direction == Direction.SHOP
    assert shop.buyer_id == "ticket-5e8d1c2a9b3f4a0012a4c002"
    assert shop.order_number is None
    assert shop.buyer_language == "en-US"


def test_the_older_v2_shape_still_gives_order_and_buyer() -> None:
    ticket = recorded("ticket.v2.json")["data"]["Ticket"]
    assert order_number(ticket) == "5510b0f89aaa1b0b95a3a2b1"
    assert buyer_id(ticket) == "54ea1b6e5c7d4b0b93c2aa01"
    (opening,) = rows_of("wish-main", ticket)
    message = parse_incoming(opening, now=NOW)
    assert message.kind == MessageKind.NOTICE and "54ea1c0a5c7d4b0b93c2ab02" in message.text


def test_reply_ids_are_the_same_from_the_post_answer_and_the_ticket() -> None:
    answer = recorded("reply.response.json")["data"]
    same_later = {**answer, "replied_at": "2020-04-09T01:02:03Z"}  # no milliseconds
    assert reply_id("t1", answer) == reply_id("t1", same_later)
    assert reply_id("t1", answer) != reply_id("t2", answer)
    assert reply_id("t1", answer) != reply_id("t1", {**answer, "message": "other"})
    assert len(reply_id("5e8d1c2a9b3f4a0012a4c001", answer)) <= 128


cursors = st.builds(
    Cursor,
    since=st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
    ).map(lambda d: d.isoformat(timespec="milliseconds").replace("+00:00", "Z")),
    skip=st.lists(st.text(min_size=1, max_size=24), max_size=5),
    limit=st.integers(0, 500),
)


@given(cursors)
def test_cursor_round_trips(cursor: Cursor) -> None:
    assert Cursor.load(cursor.dump(), NOW) == cursor


def test_no_cursor_starts_at_since_and_a_broken_one_is_refused() -> None:
    assert Cursor.load(None, NOW).since == "2026-01-01T00:00:00.000Z"
    for broken in ("{not json", '{"since": "yesterday"}', "{}"):
        with pytest.raises(ChannelError) as refused:
            Cursor.load(broken, NOW)
        assert refused.value.retryable is False


def answer(status: int, body: object, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, json=body, headers=headers or {})


def test_errors_are_channel_errors_in_words() -> None:
    clock = datetime(2020, 4, 9, tzinfo=UTC).timestamp
    with pytest.raises(ChannelError) as limited:
        _data("GET /api/v3/tickets", answer(429, {}, {"Retry-After": "7"}), clock)
    assert limited.value.retryable and limited.value.retry_after == 7.0
    with pytest.raises(ChannelError) as down:
        _data("GET /api/v3/tickets", answer(503, {}), clock)
    assert down.value.retryable and down.value.retry_after is None
    with pytest.raises(ChannelError) as refused:
        _data("POST x", answer(400, {"message": "only AWAITING_MERCHANT", "code": 1001}), clock)
    assert not refused.value.retryable and "only AWAITING_MERCHANT" in str(refused.value)
    with pytest.raises(ChannelError) as hidden:  # HTTP 200 with a non-zero code
        _data("GET x", answer(200, {"message": "nope", "code": 1004, "data": {}}), clock)
    assert not hidden.value.retryable


def test_rate_limit_reset_is_read_as_a_date_or_epoch_seconds() -> None:
    now = datetime(2020, 4, 9, tzinfo=UTC).timestamp()
    at = httpx.Headers({"Wish-Rate-Limit-Reset": "2020-04-09T00:00:30Z"})
    assert _retry_after(at, lambda: now) == 30.0
    epoch = httpx.Headers({"Wish-Rate-Limit-Reset": str(int(now) + 12)})
    assert _retry_after(epoch, lambda: now) == 12.0
    assert _retry_after(httpx.Headers({}), lambda: now) is None


def test_a_refused_token_says_reconnect_needed() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return answer(401, {"message": "This access token has expired", "code": 1007, "data": {}})

    client = WishClient.from_credentials(
        "https://merchant.wish.com",
        {"store": "wish-main", "access_token": "old"},
        client=httpx.Client(transport=httpx.MockTransport(handler)),
    )
    with pytest.raises(ChannelError, match="reconnect needed") as refused:
        client.tickets()
    assert refused.value.retryable is False


def test_from_credentials_needs_a_token() -> None:
    with pytest.raises(ChannelError, match="access_token") as missing:
        WishClient.from_credentials("", {"store": "wish-main"})
    assert missing.value.retryable is False


def test_limits_are_data() -> None:
    assert LIMITS["page_size"] == 500 and LIMITS["reply_chars"] == 2000


def refusal_cases() -> list[dict[str, Any]]:
    return list(recorded("refusals.json")["cases"])


def _fill(value: Any, names: dict[str, str]) -> Any:
    if isinstance(value, str):
        for name, replacement in names.items():
            value = value.replace("{" + name + "}", replacement)
        return value
    if isinstance(value, dict):
        return {k: _fill(v, names) for k, v in value.items()}
    return value


def seeded_face() -> tuple[WishFace, dict[str, str]]:
    document = recorded("refusals.json")
    now = datetime.fromisoformat(document["token"]["now"].replace("Z", "+00:00")).timestamp()
    face = WishFace(clock=lambda: now)
    face.grant(document["token"]["valid"], now + 3600)
    face.grant(document["token"]["expired"], now - 1)
    face.buyer_opens("Maria Souza", "Where is my order?", ticket_id=document["ticket"])
    names = {
        "valid": document["token"]["valid"],
        "expired": document["token"]["expired"],
        "ticket": document["ticket"],
        "2001 x": "x" * 2001,
    }
    return face, names


@pytest.mark.parametrize("case", refusal_cases(), ids=lambda case: case["name"])
def test_the_sandbox_refuses_what_the_recorded_documents_refuse(case: dict[str, Any]) -> None:
    face, names = seeded_face()
    if case.get("state"):
        face.tickets[names["ticket"]].state = case["state"]
    request = _fill(case["request"], names)
    status, body, _ = face.handle(
        request["method"],
        request["path"],
        request.get("params", {}),
        request.get("body"),
        request["authorization"],
    )
    assert status != 200, f"the sandbox accepted {case['name']}"
    expected = case["response"]
    assert status == expected["status"]
    assert body["code"] == expected["body"]["code"]
    if "message" in expected["body"]:
        assert body["message"] == expected["body"]["message"]


def test_the_recorded_requests_are_accepted_once_corrected() -> None:
    """Each refusal is about the one thing its case changes, not about the rest."""
    face, names = seeded_face()
    auth = f"Bearer {names['valid']}"
    ticket = names["ticket"]
    assert face.handle("GET", "/api/v3/tickets", {"limit": "500"}, None, auth)[0] == 200
    assert face.handle("GET", f"/api/v3/tickets/{ticket}", {}, None, auth)[0] == 200
    reply = face.handle("POST", f"/api/v3/tickets/{ticket}/replies", {}, {"message": "x"}, auth)
    assert reply[0] == 200 and reply[1]["data"]["sender"] == "MERCHANT"  # type: ignore[index]
    assert face.ticket(ticket)["state"] == "AWAITING_USER"
    closed = face.handle("PUT", f"/api/v3/tickets/{ticket}", {}, {"state": "CLOSED"}, auth)
    assert closed[0] == 200
    reopened = face.handle(
        "PUT", f"/api/v3/tickets/{ticket}", {}, {"state": "AWAITING_MERCHANT"}, auth
    )
    assert reopened[0] == 200 and face.ticket(ticket)["state"] == "AWAITING_MERCHANT"
