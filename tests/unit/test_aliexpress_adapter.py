"""AliExpress adapter: signing, recorded documents → kefu rows and states, ranks, cursor,
and the sandbox refusing what the recorded documents say the platform refuses."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kefu.adapters.marketplaces.aliexpress import (
    MARK_RANKS,
    RANK_COLOURS,
    Cursor,
    items,
    mark_of_rank,
    rank_of_mark,
    response_key,
    row_of,
    sign,
    state_of,
)
from kefu.adapters.marketplaces.sandbox import AliExpressFace
from kefu.domain.messages import parse_incoming
from kefu.domain.types import Direction, MessageKind
from kefu.services.ports import ChannelError

RECORDED = Path(__file__).parents[1] / "data" / "recorded" / "aliexpress"
RELATIONS = "aliexpress.message.redefining.versiontwo.querymsgrelationlist"
DETAILS = "aliexpress.message.redefining.versiontwo.querymsgdetaillist"


def recorded(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((RECORDED / name).read_text(encoding="utf-8"))
    return document


def relations() -> list[dict[str, Any]]:
    body = recorded("querymsgrelationlist.response.json")[response_key(RELATIONS)]
    return items(body["result"]["relation_list"], "relation_result")


def details() -> list[dict[str, Any]]:
    body = recorded("querymsgdetaillist.response.json")[response_key(DETAILS)]
    return items(body["result"]["message_detail_list"], "message_detail")


def test_signature_is_hmac_sha256_of_sorted_names_and_values() -> None:
    params = {"timestamp": "1533203011000", "app_key": "33505222", "method": RELATIONS}
    text = f"app_key33505222method{RELATIONS}timestamp1533203011000"
    expected = hmac.new(b"secret", text.encode(), hashlib.sha256).hexdigest().upper()
    assert sign("secret", params) == expected
    assert sign("secret", {**params, "sign": "IGNORED"}) == expected
    # An API path (the /rest style) goes in front; method names of /sync do not.
    path = hmac.new(b"secret", ("/auth/token/create" + text).encode(), hashlib.sha256)
    assert sign("secret", params, "/auth/token/create") == path.hexdigest().upper()
    assert sign("secret", params, RELATIONS) == expected


@given(st.dictionaries(st.text(min_size=1), st.text(), max_size=8))
def test_signature_ignores_order_and_changes_with_any_value(params: dict[str, str]) -> None:
    shuffled = dict(reversed(list(params.items())))
    assert sign("s", params) == sign("s", shuffled)
    if params:
        name = next(iter(params))
        if name != "sign":
            assert sign("s", {**params, name: params[name] + "x"}) != sign("s", params)


def test_recorded_relations_map_to_states() -> None:
    first, second = (state_of(r) for r in relations())
    assert first.ref == "33443344455"
    assert (first.read, first.handled, first.mark, first.owner) == (
        False,
        False,
        "yellow",
        "jack.li",
    )
    assert first.mark_known and second.mark_known
    assert first.updated_at == datetime(2018, 8, 2, 9, 43, 31, tzinfo=UTC)
    assert (second.read, second.handled, second.mark, second.owner) == (True, True, None, None)


def test_recorded_details_map_to_rows_kefu_accepts() -> None:
    relation = relations()[0]
    rows = [row_of("ali-global", relation, d) for d in details()]
    now = datetime(2026, 1, 1, tzinfo=UTC)
    shop, buyer = (parse_incoming(row, now=now) for row in rows)
    assert (buyer.direction, buyer.kind) == (Direction.BUYER, MessageKind.BUYER)
    assert buyer.buyer_id == "us3333" and buyer.buyer_name == "jack.ma"
    assert buyer.attachments == ("https://ae01.alicdn.com/kf/example.jpg",)
    assert buyer.conversation_id == "33443344455"
    assert buyer.sent_at == datetime(2018, 8, 2, 9, 43, 30, tzinfo=UTC)
    assert shop.direction == Direction.SHOP  # a sub-account of the shop wrote it
    assert shop.message_id == "11333443436"


def test_order_messages_carry_the_order_number() -> None:
    relation = relations()[1]
    detail = {**details()[1], "sender_ali_id": relation["other_ali_id"]}
    row = row_of("ali-global", relation, detail)
    assert row["order_number"] == "8012345678"
    assert row["origin"] == "order_detail"


def test_system_messages_are_notices() -> None:
    detail = {**details()[0], "sender_ali_id": 0, "message_type": "system"}
    row = row_of("ali-global", relations()[0], detail)
    message = parse_incoming(row, now=datetime(2026, 1, 1, tzinfo=UTC))
    assert message.kind == MessageKind.NOTICE
    assert message.direction == Direction.PLATFORM


def test_rank_table_maps_kefu_marks_without_yellow() -> None:
    assert RANK_COLOURS == ("white", "red", "orange", "green", "blue", "purple")
    assert {mark: RANK_COLOURS[rank] for mark, rank in MARK_RANKS.items()} == {
        "yellow": "orange",  # reshipped: AliExpress has no yellow
        "red": "red",
        "green": "green",
        "blue": "blue",
        "purple": "purple",
    }
    assert rank_of_mark(None) == 0 and mark_of_rank(0) is None
    for mark in MARK_RANKS:
        assert mark_of_rank(rank_of_mark(mark)) == mark


cursors = st.builds(
    Cursor,
    since=st.integers(0, 2**45),
    floor=st.integers(0, 2**45),
    until=st.none() | st.integers(0, 2**45),
    upper=st.none() | st.integers(0, 2**45),
    page=st.integers(1, 50),
    skip=st.lists(st.text(min_size=1, max_size=20), max_size=5),
)


@given(cursors)
def test_cursor_round_trips(cursor: Cursor) -> None:
    assert Cursor.load(cursor.dump(), datetime(2026, 1, 1, tzinfo=UTC)) == cursor


def test_no_cursor_starts_at_since_and_a_broken_one_is_refused() -> None:
    since = datetime(2026, 1, 1, tzinfo=UTC)
    start = Cursor.load(None, since)
    assert start.since == start.floor == int(since.timestamp() * 1000)
    with pytest.raises(ChannelError) as broken:
        Cursor.load("{not json", since)
    assert broken.value.retryable is False


def refusal_cases() -> list[dict[str, Any]]:
    return list(recorded("refusals.json")["cases"])


@pytest.mark.parametrize("case", refusal_cases(), ids=lambda case: case["name"])
def test_the_sandbox_refuses_what_the_recorded_documents_refuse(case: dict[str, Any]) -> None:
    app = recorded("refusals.json")["app"]
    face = AliExpressFace(clock=lambda: 1533203011.0)
    face.add_app(app["app_key"], app["app_secret"])
    face.grant(app["session"], app["session_expires_ms"] / 1000)
    face.open_channel("us3333", "jack.ma", channel_id="2344555")
    request = dict(case["request"])
    if case.get("sign"):
        request["sign"] = sign(app["app_secret"], request)
    answer = face.handle(request)
    assert "error_response" in answer, f"the sandbox accepted {case['name']}"
    expected = case["response"]["error_response"]
    got = answer["error_response"]
    assert (got["code"], got["msg"]) == (expected["code"], expected["msg"])
    if "sub_code" in expected:
        assert got["sub_code"] == expected["sub_code"]


def test_the_recorded_signed_requests_are_accepted_once_corrected() -> None:
    """The refusals are about the one thing each case changes, not about the rest."""
    app = recorded("refusals.json")["app"]
    face = AliExpressFace(clock=lambda: 1533203011.0)
    face.add_app(app["app_key"], app["app_secret"])
    face.grant(app["session"], app["session_expires_ms"] / 1000)
    face.open_channel("us3333", "jack.ma", channel_id="2344555")
    request = dict(refusal_cases()[0]["request"])
    request["sign"] = sign(app["app_secret"], request)
    answer = face.handle(request)
    assert answer[response_key(request["method"])]["result"]["is_success"] is True
