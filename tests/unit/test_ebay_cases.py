"""eBay Post-Order answers mapped to kefu's cases (kefu.adapters.marketplaces.ebay_cases)
from the fixtures in tests/data/recorded/ebay/cases (see its README), and every platform
state the mapping knows."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from kefu.adapters.marketplaces import ebay_cases
from kefu.adapters.marketplaces.ebay import Credentials, EbayClient
from kefu.adapters.marketplaces.ebay_cases import (
    cancellation_of,
    case_of,
    inquiry_of,
    return_of,
)
from kefu.adapters.marketplaces.platform_cases import DONE, LOOKBACK, Pass, cents, next_page
from kefu.domain.cases.model import CaseAction, CaseKind, CaseReason, CaseState, Solution
from kefu.domain.cases.workflows import WORKFLOWS
from kefu.services.ports import ChannelError, PlatformCase

FIXTURES = Path(__file__).parents[1] / "data" / "recorded" / "ebay" / "cases"


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text())
    return data


def test_a_cancellation_waiting_for_the_seller_keeps_ebays_deadline() -> None:
    first, closed = load("cancellation_search.json")["cancellations"]
    case = cancellation_of(first)
    assert case.ref == "cancel:5000123401"
    assert (case.kind, case.state, case.platform_state) == (
        "cancellation",
        "open",
        "CANCEL_REQUESTED",
    )
    assert case.respond_by == datetime(2026, 12, 9, 17, 30, tzinfo=UTC)
    assert (case.refund_cents, case.currency) == (2398, "GBP")
    assert case.order_number == "12-05678-12345"
    assert case.buyer_ref == "buyer_gb_1"
    assert case.reason == CaseReason.CHANGED_MIND
    done = cancellation_of(closed)
    assert (done.state, done.reason) == ("closed", CaseReason.PRICE)
    # The buyer's opening is no step; the seller's approval and the refund are.
    assert [(s.action, s.actor) for s in done.steps] == [
        ("approve", "seller"),
        ("refund", "buyer"),
    ]
    assert done.updated_at == datetime(2026, 11, 30, 10, tzinfo=UTC)


def test_returns_map_to_return_and_exchange_with_deadline_lines_and_words() -> None:
    damaged, replacement = (return_of(d) for d in load("return_search.json")["members"])
    assert damaged.ref == "return:5000098761"
    assert (damaged.kind, damaged.state, damaged.reason) == ("return", "open", "damaged")
    assert damaged.solution == Solution.RETURN
    assert damaged.respond_by == datetime(2026, 12, 9, 22, 10, tzinfo=UTC)
    assert damaged.lines == (("110553344221", 1),)
    assert damaged.description == "The collar is torn."
    assert (damaged.refund_cents, damaged.currency) == (3150, "GBP")
    assert (replacement.kind, replacement.state) == ("exchange", "return_shipped")
    assert replacement.solution == Solution.EXCHANGE
    assert replacement.reason == CaseReason.SIZE_FIT
    assert replacement.respond_by is None  # eBay gave none: kefu computes it
    assert replacement.lines == (("110553344222", 2),)


def test_an_inquiry_and_an_escalated_case() -> None:
    (inquiry,) = (inquiry_of(d) for d in load("inquiry_search.json")["members"])
    assert (inquiry.ref, inquiry.kind, inquiry.state) == (
        "inquiry:5100044001",
        "not_received",
        "open",
    )
    assert inquiry.order_number == "110553344223-2833741001"  # a legacy order id
    assert inquiry.respond_by == datetime(2026, 12, 8, 15, tzinfo=UTC)
    assert inquiry.updated_at == datetime(2026, 12, 4, 15, tzinfo=UTC)
    (case,) = (case_of(d) for d in load("casemanagement_search.json")["members"])
    assert (case.ref, case.kind, case.state, case.reason) == (
        "case:5200011001",
        "dispute",
        "escalated",
        "not_as_described",
    )
    assert (case.refund_cents, case.currency) == (5500, "USD")


STATE_MAPS = {
    "cancellation": (ebay_cases.CANCEL_STATES, CaseKind.CANCELLATION),
    "return": (ebay_cases.RETURN_STATES, CaseKind.RETURN),
    "inquiry": (ebay_cases.INQUIRY_STATES, CaseKind.NOT_RECEIVED),
    "case": (ebay_cases.CASE_STATES, CaseKind.DISPUTE),
}


def document(source: str, state: str) -> dict[str, Any]:
    when = {"value": "2026-12-01T00:00:00.000Z"}
    if source == "cancellation":
        return {"cancelId": "1", "cancelStatus": state, "cancelRequestDate": when}
    if source == "return":
        return {"returnId": "1", "status": state, "creationInfo": {"creationDate": when}}
    if source == "inquiry":
        return {"inquiryId": "1", "inquiryStatusEnum": state, "creationDate": when}
    return {"caseId": "1", "caseStatusEnum": state, "creationDate": when}


MAPPERS = {
    "cancellation": cancellation_of,
    "return": return_of,
    "inquiry": inquiry_of,
    "case": case_of,
}


def test_every_platform_state_maps_to_a_state_its_kind_knows() -> None:
    walked = 0
    for source, (states, kind) in STATE_MAPS.items():
        table = WORKFLOWS[kind]
        known = set(table) | {s for moves in table.values() for s in moves.values()}
        known.add(CaseState.CANCELLED)  # withdrawn: every kind reaches it
        if kind is CaseKind.RETURN:  # a replacement is an exchange: its road out too
            known |= set(WORKFLOWS[CaseKind.EXCHANGE])
        for raw, expected in states.items():
            case = MAPPERS[source](document(source, raw))
            assert case.state == expected.value, (source, raw)
            assert case.platform_state == raw
            assert expected in known, (source, raw)
            walked += 1
    assert walked == 8 + 31 + 8 + 8


def test_a_state_ebay_adds_later_keeps_its_word_and_a_safe_state() -> None:
    assert return_of(document("return", "SOMETHING_NEW")).state == "open"
    assert case_of(document("case", "SOMETHING_NEW")).state == "escalated"
    assert return_of(document("return", "SOMETHING_NEW")).platform_state == "SOMETHING_NEW"


def test_a_case_without_its_opening_date_is_refused_in_words() -> None:
    with pytest.raises(ChannelError, match="return 7 without a date"):
        return_of({"returnId": "7", "state": "RETURN_REQUESTED"})


def test_amounts_in_cents() -> None:
    assert [cents(v) for v in ("12.50", 12.5, "0.1", "", None, "x")] == [
        1250,
        1250,
        10,
        None,
        None,
        None,
    ]


def test_which_steps_go_to_ebay() -> None:
    client = ebay_cases.EbayCases.__new__(ebay_cases.EbayCases)
    offered = [
        (prefix, action.value)
        for prefix in ("cancel", "return", "inquiry", "case", "issue")
        for action in CaseAction
        if client.can_decide(f"{prefix}:1", action.value)
    ]
    assert len(offered) == 2 + 4 + 4 + 1
    assert ("cancel", "approve") in offered
    assert ("return", "refund") in offered
    assert ("cancel", "refund") not in offered


def _case(n: int) -> PlatformCase:
    at = datetime(2026, 12, 1, tzinfo=UTC)
    return PlatformCase(
        f"return:{n}", "return", "open", "RETURN_REQUESTED", None, None, None, "other",
        at, at, None, None, None, None,
    )  # fmt: skip


def test_a_pass_reads_every_source_page_by_page_then_starts_again() -> None:
    now = datetime(2026, 12, 6, tzinfo=UTC)
    held = {"a": 5, "b": 0, "c": 2}
    calls: list[tuple[str, int]] = []

    def listing(source: str, start: datetime, end: datetime, offset: int):  # type: ignore[no-untyped-def]
        calls.append((source, offset))
        assert (start, end) == (now - LOOKBACK, now)
        count = max(0, min(2, held[source] - offset))
        return [_case(offset + i) for i in range(count)], held[source]

    cursor, pages, seen = None, 0, 0
    while True:
        page = next_page(cursor, now, now, ("a", "b", "c"), 2, listing, "test")
        pages += 1
        seen += len(page.cases)
        cursor = page.cursor
        if page.done:
            break
    assert calls == [("a", 0), ("a", 2), ("a", 4), ("b", 0), ("c", 0)]
    assert (pages, seen, cursor) == (5, 7, DONE)
    # The next pass starts again from the first source.
    assert Pass.load(cursor, now, now, "test").source == 0


def test_an_unreadable_cursor_is_refused_for_good() -> None:
    now = datetime(2026, 12, 6, tzinfo=UTC)
    with pytest.raises(ChannelError, match="unreadable") as caught:
        Pass.load('{"v": "cases/1", "source": "x"}', now, now, "eBay")
    assert caught.value.retryable is False


def test_an_inquiry_without_a_response_date_keeps_its_escalation_date() -> None:
    doc = document("inquiry", "OPEN") | {"escalationDate": {"value": "2026-12-09T00:00:00Z"}}
    assert inquiry_of(doc).respond_by == datetime(2026, 12, 9, tzinfo=UTC)


class Limiter:
    def __init__(self) -> None:
        self.keys: list[str] = []

    def acquire(self, key: str, budget: object, *, max_wait: float) -> None:
        self.keys.append(key)

    def pause(self, key: str, seconds: float) -> None:
        raise AssertionError("no pause expected")


def test_each_call_carries_the_post_order_headers_within_its_budget() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"members": [], "paginationOutput": {"totalEntries": 0}})

    limiter = Limiter()
    with httpx.Client(transport=httpx.MockTransport(answer)) as http:
        api = EbayClient(
            "ebay-gb",
            Credentials(access_token="tok", client_id="app-1", marketplace_id="EBAY_GB"),
            base_url="https://api.ebay.test",
            client=http,
            limiter=limiter,
        )
        client = ebay_cases.EbayCases(api, clock=lambda: 1_796_000_000.0)
        pages = 0
        cursor = None
        while True:
            page = client.pull_cases(cursor, datetime(2026, 12, 1, tzinfo=UTC))
            pages += 1
            cursor = page.cursor
            if page.done:
                break
    assert pages == len(ebay_cases.SOURCES) == 5
    assert [r.url.path for r in seen] == [
        "/post-order/v2/cancellation/search",
        "/post-order/v2/return/search",
        "/post-order/v2/return/search",
        "/post-order/v2/inquiry/search",
        "/post-order/v2/casemanagement/search",
    ]
    assert {r.headers["authorization"] for r in seen} == {"IAF tok"}
    assert {r.headers["x-ebay-c-marketplace-id"] for r in seen} == {"EBAY_GB"}
    assert [r.url.params.get("return_state") for r in seen[1:3]] == ["ALL_OPEN", "CLOSED"]
    assert limiter.keys == ["ebay:post-order:app-1"] * 5
