"""eBay adapter: recorded documents → kefu rows and states, limits checked before a send,
the cursor, and the sandbox refusing what the recorded documents say eBay refuses."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kefu.adapters.marketplaces.ebay import (
    LIMITS,
    Cursor,
    check_reply,
    has_html,
    identity_base,
    iso,
    millis,
    other_party,
    refusal,
    row_of,
    state_of,
)
from kefu.adapters.marketplaces.sandbox.ebay import EbayFace
from kefu.domain.messages import parse_incoming
from kefu.domain.types import Direction, MessageKind, Origin
from kefu.services.ports import ChannelError

RECORDED = Path(__file__).parents[1] / "data" / "recorded" / "ebay"
SELLER = frozenset({"kefu-demo-shop"})
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def recorded(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((RECORDED / name).read_text(encoding="utf-8"))
    return document


def test_recorded_conversations_map_to_states() -> None:
    first, second = (
        state_of(c) for c in recorded("getConversations.response.json")["conversations"]
    )
    assert (first.ref, first.read) == ("2103744382018", False)
    assert first.updated_at == datetime(2024, 11, 6, 10, 0, tzinfo=UTC)
    assert (second.read, second.handled) == (True, None)  # eBay has no handled flag
    assert second.updated_at == datetime(2024, 11, 2, 12, 30, 45, 250000, tzinfo=UTC)


def test_recorded_messages_map_to_rows_kefu_accepts() -> None:
    conversation = recorded("getConversations.response.json")["conversations"][0]
    messages = recorded("getConversation.response.json")["messages"]
    buyer = other_party(conversation, messages, SELLER)
    assert buyer == "u0004211873"  # the immutable id eBay shows in the username field
    rows = [row_of("ebay-us", conversation, m, buyer=buyer, seller=SELLER) for m in messages]
    first, shop, last = (parse_incoming(row, now=NOW) for row in rows)
    assert len(rows) == 3
    assert (first.direction, first.kind) == (Direction.BUYER, MessageKind.BUYER)
    assert first.attachments == ("https://i.ebayimg.com/images/g/example/s-l1600.jpg",)
    assert first.origin == Origin.PRODUCT_PAGE  # a conversation about a listing
    assert shop.direction == Direction.SHOP and shop.buyer_id == "u0004211873"
    assert last.conversation_id == "2103744382018" and last.message_id == "3018273645"
    assert last.sent_at == datetime(2024, 11, 6, 10, 0, tzinfo=UTC)


def test_ebay_notices_are_notices() -> None:
    thread = recorded("getConversation.from_ebay.response.json")
    conversation = {"conversationId": "e1", "conversationType": thread["conversationType"]}
    [message] = thread["messages"]
    row = row_of("ebay-us", conversation, message, buyer="eBay", seller=SELLER)
    parsed = parse_incoming(row, now=NOW)
    assert parsed.kind == MessageKind.NOTICE
    assert parsed.direction == Direction.PLATFORM


def test_dates_round_trip_in_ebays_format() -> None:
    assert iso(1730887200000) == "2024-11-06T10:00:00.000Z"
    assert millis("2024-11-06T10:00:00.000Z") == 1730887200000
    assert millis("2024-11-06T10:00:00") is None  # no zone: not a date eBay gives
    assert millis(None) is None


@given(st.integers(0, 2**42))
def test_any_millisecond_round_trips(value: int) -> None:
    assert millis(iso(value)) == value


def test_the_identity_api_sits_beside_the_message_api() -> None:
    assert identity_base("https://api.ebay.com") == "https://apiz.ebay.com"
    assert identity_base("https://api.sandbox.ebay.com") == "https://apiz.sandbox.ebay.com"
    assert identity_base("http://127.0.0.1:8030/ebay") == "http://127.0.0.1:8030/ebay"


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("<b>Thanks</b>", True),
        ('Click <a href="https://x">here</a>', True),
        ("line<br/>break", True),
        ("fish &amp; chips", True),
        ("I <3 this, and 2 < 3 > 1", False),
        ("Order #123 & more", False),
    ],
)
def test_html_is_told_from_plain_text(text: str, html: bool) -> None:
    assert has_html(text) is html


def test_replies_eBay_would_refuse_are_refused_before_the_call() -> None:
    assert LIMITS["text_chars"] == 2000 and LIMITS["attachments"] == 5
    assert check_reply("ok", ("https://x.example/a.JPG", "https://x.example/b.pdf")) == [
        {"mediaName": "a.JPG", "mediaType": "IMAGE", "mediaUrl": "https://x.example/a.JPG"},
        {"mediaName": "b.pdf", "mediaType": "PDF", "mediaUrl": "https://x.example/b.pdf"},
    ]
    for text, files, words in [
        ("x" * 2001, (), "2000"),
        ("<p>hi</p>", (), "HTML"),
        ("", (), "text"),
        ("six", tuple(f"https://x.example/{n}.png" for n in range(6)), "5"),
        ("plain http", ("http://x.example/a.png",), "https"),
        ("a video", ("https://x.example/a.mp4",), "images"),
    ]:
        with pytest.raises(ChannelError, match=words) as refused:
            check_reply(text, files)
        assert refused.value.retryable is False


def test_error_answers_become_channel_errors() -> None:
    body = recorded("refusals.json")["cases"][0]["response"]["body"]
    token = refusal("GET /conversation", 401, body, None)
    assert token.retryable is False and "reconnect needed" in str(token)
    limited = refusal("GET /conversation", 429, {"errors": [{"errorId": 2001}]}, "7")
    assert (limited.retryable, limited.retry_after) == (True, 7.0)
    assert refusal("GET /conversation", 429, None, None).retry_after == 60.0
    assert refusal("POST /send_message", 500, {"errors": [{"errorId": 335000}]}, None).retryable
    bad = refusal("POST /send_message", 400, {"errors": [{"errorId": 355013}]}, None)
    assert bad.retryable is False and "355013" in str(bad)


cursors = st.builds(
    Cursor,
    since=st.integers(0, 2**45),
    floor=st.integers(0, 2**45),
    until=st.none() | st.integers(0, 2**45),
    upper=st.none() | st.integers(0, 2**45),
    offset=st.integers(0, 5000),
    skip=st.lists(st.text(min_size=1, max_size=20), max_size=5),
    phase=st.sampled_from(["members", "notices"]),
)


@given(cursors)
def test_cursor_round_trips(cursor: Cursor) -> None:
    assert Cursor.load(cursor.dump(), NOW) == cursor


def test_no_cursor_starts_at_since_and_a_broken_one_is_refused() -> None:
    start = Cursor.load(None, NOW)
    assert start.since == start.floor == int(NOW.timestamp() * 1000)
    assert start.phase == "members"
    for broken in ("{not json", '{"since": 1}', '{"since": 1, "floor": 1, "phase": "x"}'):
        with pytest.raises(ChannelError) as refused:
            Cursor.load(broken, NOW)
        assert refused.value.retryable is False


def refusal_cases() -> list[dict[str, Any]]:
    return list(recorded("refusals.json")["cases"])


def seeded_face() -> EbayFace:
    document = recorded("refusals.json")
    clock = datetime(2024, 11, 6, 12, 0, tzinfo=UTC).timestamp()
    face = EbayFace(clock=lambda: clock)
    face.grant(document["tokens"]["valid"], clock + 7200)
    face.grant(document["tokens"]["expired"], clock - 3600)
    ref = document["conversation"]["conversationId"]
    face.open_conversation(document["conversation"]["buyer"], conversation_id=ref)
    face.buyer_writes(ref, "hello")
    return face


@pytest.mark.parametrize("case", refusal_cases(), ids=lambda case: case["name"])
def test_the_sandbox_refuses_what_the_recorded_documents_refuse(case: dict[str, Any]) -> None:
    face = seeded_face()
    for name, value in case.get("face", {}).items():
        setattr(face, name, value)
    request = case["request"]
    status, answer, _ = face.handle(
        request["method"], request["path"], request["query"], request["headers"], request["body"]
    )
    expected = case["response"]
    assert status == expected["status"], f"the sandbox answered {case['name']} with {status}"
    assert answer is not None
    [got] = answer["errors"]
    [want] = expected["body"]["errors"]
    assert (got["domain"], got["category"]) == (want["domain"], want["category"])
    if "errorId" in want:
        assert got["errorId"] == want["errorId"]
    assert str(got["message"]).startswith(want["message"])


def test_the_recorded_requests_are_accepted_once_corrected() -> None:
    """Each refusal is about the one thing its case changes, not about the rest."""
    face = seeded_face()
    token = {"authorization": f"Bearer {recorded('refusals.json')['tokens']['valid']}"}
    path = "/commerce/message/v1/conversation"
    status, answer, _ = face.handle("GET", path, {"conversation_type": "FROM_MEMBERS"}, token, None)
    assert status == 200 and answer is not None and answer["total"] == 1
    body = recorded("sendMessage.request.json")
    status, sent, _ = face.handle("POST", "/commerce/message/v1/send_message", {}, token, body)
    assert status == 201 and sent is not None and sent["messageBody"] == body["messageText"]
    assert set(sent) == set(recorded("sendMessage.response.json"))
