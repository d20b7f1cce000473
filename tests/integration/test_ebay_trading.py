"""eBay's Trading API (docs/channels.md "eBay Trading"): buyers' questions about listings
and messages to an order's buyer, mapped from the recorded documents and spoken to the
sandbox's Trading face, which refuses every request the recorded documents say eBay
refuses."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import cast

import httpx
import pytest
from defusedxml.ElementTree import fromstring
from starlette.testclient import TestClient

from kefu.adapters.marketplaces.ebay_trading import (
    TradingClient,
    ask_ref,
    child_text,
    parse_ref,
    question_of,
    rows_of,
)
from kefu.adapters.marketplaces.sandbox import EbayFace, TradingFace, create_marketplace_sandbox
from kefu.domain.messages import parse_incoming
from kefu.services.ports import ChannelError

RECORDED = Path(__file__).parents[1] / "data" / "recorded" / "ebay" / "trading"
TOKEN = "trading-token"
START = datetime(2026, 11, 1, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = START.timestamp() + 86400

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def trading(clock: Clock) -> TradingFace:
    ebay = EbayFace(clock=clock, seller_username="sunrise-outlet")
    ebay.grant(TOKEN, clock() + 7200)
    ebay.grant("expired", clock() - 1)
    return TradingFace(ebay)


@pytest.fixture
def http(trading: TradingFace) -> Iterator[TestClient]:
    app = create_marketplace_sandbox(ebay=trading.ebay, ebay_trading=trading)
    with TestClient(app, base_url="http://sandbox") as client:
        yield client


def client_of(http: TestClient, token: str = TOKEN) -> TradingClient:
    return TradingClient(
        "ebay-uk",
        lambda: token,
        base_url="http://sandbox/ebay",
        client=cast(httpx.Client, http),
        seller="sunrise-outlet",
        marketplace_id="EBAY_GB",
    )


def post(http: TestClient, call: str, body: str, token: str = TOKEN) -> str:
    """A raw call as eBay takes it; the Ack of the answer."""
    answer = http.post(
        "/ebay/ws/api.dll",
        content=body.encode(),
        headers={
            "X-EBAY-API-CALL-NAME": call,
            "X-EBAY-API-SITEID": "3",
            "X-EBAY-API-COMPATIBILITY-LEVEL": "1423",
            "X-EBAY-API-IAF-TOKEN": token,
        },
    )
    return child_text(fromstring(answer.content), "Ack")


def test_the_recorded_answer_maps_to_questions_and_kefu_rows() -> None:
    root = fromstring((RECORDED / "GetMemberMessages.response.xml").read_bytes())
    exchanges = [e for e in root.iter() if e.tag.endswith("MemberMessageExchange")]
    questions = [question_of(e) for e in exchanges]
    assert len(questions) == 2 and all(questions)
    first, second = questions[0], questions[1]
    assert first is not None and second is not None
    assert (first.item_id, first.sender, first.answered) == ("110552301234", "olivia_b_uk", False)
    assert first.created == datetime(2026, 11, 28, 9, 14, 3, tzinfo=UTC)
    rows = rows_of(second, "ebay-uk")
    assert [(r["message_id"], r.get("direction", "buyer")) for r in rows] == [
        ("asq-1981440539999", "buyer"),
        ("asq-1981440539999-r1", "shop"),
    ]
    assert {r["conversation_id"] for r in rows} == {ask_ref("110552305678", "mh_2020")}
    assert parse_ref(str(rows[0]["conversation_id"])) == ("110552305678", "mh_2020")
    assert parse_ref("c000000001") is None
    # Each row is one kefu's ingestion takes as it is.
    for row in rows_of(first, "ebay-uk") + rows:
        parsed = parse_incoming(row, now=datetime(2026, 12, 1, tzinfo=UTC))  # RowErrors if not
        assert (parsed.message_id, parsed.text) == (row["message_id"], row["text"])


def test_the_sandbox_takes_the_recorded_requests(http: TestClient, trading: TradingFace) -> None:
    trading.buyer_asks("110552301234", "olivia_b_uk", "To Ireland?", message_id="1981440531010")
    trading.buyer_orders("110093125309", "buyer_partner_1", days_ago=3)
    for call in ("GetMemberMessages", "AddMemberMessageRTQ", "AddMemberMessageAAQToPartner"):
        body = (RECORDED / f"{call}.request.xml").read_text()
        assert post(http, call, body) == "Success", call
    assert trading.asked["1981440531010"].responses == [
        "Yes, it reaches Ireland in 3 to 5 working days."
    ]
    assert [c.recipient for c in trading.contacts] == ["buyer_partner_1"]


def test_the_sandbox_refuses_what_the_recorded_documents_say_ebay_refuses(
    http: TestClient, trading: TradingFace
) -> None:
    question = trading.buyer_asks("110552301234", "olivia_b_uk", "To Ireland?")
    trading.buyer_orders("110552301234", "old_buyer", days_ago=91)
    cases = json.loads((RECORDED / "refusals.json").read_text())["cases"]
    assert len(cases) == 8
    for case in cases:
        body = case["body"].replace("{question}", question)
        assert post(http, case["call"], body, case.get("token", TOKEN)) == "Failure", case["name"]
    assert trading.asked[question].responses == [] and trading.contacts == []


def test_questions_page_by_page_and_an_answer_marks_one_answered(
    http: TestClient, trading: TradingFace, clock: Clock
) -> None:
    for n in range(230):
        trading.buyer_asks(f"1105523{n % 7:05d}", f"buyer_{n}", f"question {n}")
        clock.now += 1
    client = client_of(http)
    end = datetime.fromtimestamp(clock.now, UTC)
    first, more = client.questions(START, end)
    second, last = client.questions(START, end, page=2)
    assert (len(first), more, len(second), last) == (200, True, 30, False)
    assert len({q.message_id for q in first + second}) == 230
    asked = first[0]
    client.answer(asked.item_id, asked.message_id, asked.sender, "Yes, in stock.")
    [again] = [q for q in client.questions(START, end)[0] if q.message_id == asked.message_id]
    assert again.answered and again.responses == ("Yes, in stock.",)


def test_an_order_older_than_ninety_days_is_refused_before_the_call(
    http: TestClient, trading: TradingFace, clock: Clock
) -> None:
    now = datetime.fromtimestamp(clock(), UTC)
    trading.buyer_orders("110552301234", "recent_buyer", days_ago=10)
    client = client_of(http)
    client.contact(
        "110552301234",
        "recent_buyer",
        "Your parcel",
        "It left today.",
        ordered_at=now - timedelta(days=10),
        now=now,
    )
    calls = client.calls
    with pytest.raises(ChannelError, match="90 days") as refused:
        client.contact(
            "110552301234",
            "recent_buyer",
            "Your parcel",
            "Still there?",
            ordered_at=now - timedelta(days=91),
            now=now,
        )
    assert refused.value.retryable is False and client.calls == calls
    assert [c.body for c in trading.contacts] == ["It left today."]


def test_past_seventy_five_answers_a_minute_the_seller_is_blocked_for_a_hundred_seconds(
    http: TestClient, trading: TradingFace, clock: Clock
) -> None:
    asked = [trading.buyer_asks("110552301234", f"b{n}", "?") for n in range(80)]
    client = client_of(http)
    for n in range(75):
        client.answer("110552301234", asked[n], f"b{n}", "Yes.")
    with pytest.raises(ChannelError, match="518") as limited:
        client.answer("110552301234", asked[75], "b75", "Yes.")
    assert limited.value.retryable and limited.value.retry_after == 100.0
    clock.now += 61  # the minute has passed, but the block lasts 100 s
    with pytest.raises(ChannelError, match="518"):
        client.answer("110552301234", asked[75], "b75", "Yes.")
    clock.now += 40
    client.answer("110552301234", asked[75], "b75", "Yes.")


def test_a_refused_token_says_reconnect_and_is_not_retried(http: TestClient) -> None:
    with pytest.raises(ChannelError, match="reconnect needed") as refused:
        client_of(http, "expired").questions(START, START + timedelta(days=1))
    assert refused.value.retryable is False
