"""AliExpress disputes mapped to kefu's cases (kefu.adapters.marketplaces.aliexpress_cases)
from the fixtures in tests/data/recorded/aliexpress/cases (see its README), every issue
status the mapping knows, and the evidence check by content."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kefu.adapters.marketplaces import aliexpress_cases
from kefu.adapters.marketplaces.aliexpress_cases import image_kind, issue_of, reason_of
from kefu.domain.cases.model import CaseKind, CaseReason, CaseState
from kefu.domain.cases.workflows import WORKFLOWS

FIXTURES = Path(__file__).parents[1] / "data" / "recorded" / "aliexpress" / "cases"


def fixtures() -> tuple[list[dict[str, Any]], dict[str, Any]]:
    listed = json.loads((FIXTURES / "issuelist.get.response.json").read_text())
    details = json.loads((FIXTURES / "issue.detail.get.response.json").read_text())
    summaries = listed["aliexpress_issue_issuelist_get_response"]["result"]["data_list"][
        "issue_api_issue_dto"
    ]
    return summaries, {
        k: v["aliexpress_issue_detail_get_response"]["result"] for k, v in details.items()
    }


def test_a_damaged_item_dispute_with_photos() -> None:
    summaries, details = fixtures()
    case = issue_of(summaries[0], details["8100000000011"])
    assert case.ref == "issue:8100000000011"
    assert (case.kind, case.state, case.platform_state) == (
        "dispute",
        "open",
        "WAIT_SELLER_CONFIRM_REFUND",
    )
    assert case.reason == CaseReason.DAMAGED
    assert (case.refund_cents, case.currency, case.solution) == (2140, "USD", "full_refund")
    assert case.order_number == "3020000000000101"
    assert case.buyer_ref == "ru1000000007"
    # 19:20 Pacific (⚠ the platform's zone) is 03:20 UTC the next day.
    assert case.opened_at == datetime(2026, 12, 4, 3, 20, tzinfo=UTC)
    assert case.respond_by is None  # AliExpress gives none: kefu computes it
    assert case.evidence_urls == (
        "https://ae01.alicdn.com/kf/evidence-1.jpg",
        "https://ae01.alicdn.com/kf/evidence-2.jpg",
    )
    assert case.description == "The sleeve is torn, see the photos."
    assert case.steps == ()


def test_a_not_received_dispute_with_the_sellers_offer() -> None:
    summaries, details = fixtures()
    case = issue_of(summaries[1], details["8100000000012"])
    assert (case.state, case.reason) == ("proposed", CaseReason.NOT_RECEIVED)
    assert [(s.ref, s.action, s.actor) for s in case.steps] == [
        ("solution:9000013", "propose", "seller")
    ]
    assert case.steps[0].note.startswith("The parcel is at customs")
    assert case.updated_at == datetime(2026, 12, 2, 18, tzinfo=UTC)


def test_every_issue_status_maps_to_a_state_a_dispute_knows() -> None:
    table = WORKFLOWS[CaseKind.DISPUTE]
    known = set(table) | {s for moves in table.values() for s in moves.values()}
    known |= {CaseState.CANCELLED}
    walked = 0
    for raw, expected in aliexpress_cases.ISSUE_STATES.items():
        case = issue_of({"issue_id": 1, "gmt_create": "2026-12-01 00:00:00"}, {"issue_status": raw})
        assert case.state == expected.value and case.platform_state == raw
        assert expected in known, raw
        walked += 1
    assert walked == 10


def test_reasons_from_the_platforms_words() -> None:
    said = {
        "Product damaged": "damaged",
        "Quality problems": "quality",
        "Item not as described": "not_as_described",
        "Wrong product": "wrong_item",
        "Missing accessories": "missing_parts",
        "Size not as described": "not_as_described",
        "Order not received": "not_received",
        "Shipping time too long": "late_delivery",
        "Counterfeit": "source_of_goods",
        "Other": "other",
    }
    assert {words: reason_of(words).value for words in said} == said


def test_evidence_is_judged_by_its_bytes() -> None:
    webp = b"RIFF\x00\x00\x00\x00WEBPVP8 "
    walked = {
        b"\xff\xd8\xff\xe0rest": "image/jpeg",
        b"\x89PNG\r\n\x1a\nrest": "image/png",
        webp: "image/webp",
        b"GIF89a": None,
        b"%PDF-1.7": None,
        b"": None,
    }
    assert {data: image_kind(data) for data in walked} == walked
    assert len(walked) == 6
