"""End-to-end: beside a conversation, every parcel of the order with its links, status and
whole history, in Chinese (issue 21, docs/tracking.md "Beside the conversation")."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import APIRequestContext, Page, expect

from tests.e2e.conftest import Conversations
from tests.e2e.pages import ConversationPage

pytestmark = pytest.mark.e2e


def test_the_panel_shows_every_parcel_and_its_history_in_chinese(
    page: Page, api: APIRequestContext, conversations: Conversations
) -> None:
    details: dict[int, dict[str, Any]] = {}

    def several_parcels(row: dict[str, Any]) -> bool:
        detail = api.get(f"/api/v1/conversations/{row['id']}").json()
        details[row["id"]] = detail
        parcels = (detail.get("order") or {}).get("parcels", [])
        return len(parcels) >= 2 and any(len(p["events"]) > 3 for p in parcels)

    row = conversations.claim(several_parcels)
    parcels = details[row["id"]]["order"]["parcels"]
    conversation = ConversationPage(page).open(row["id"])
    panel = conversation.panel("parcels")
    boxes = panel.get_by_test_id("parcel")

    expect(boxes).to_have_count(len(parcels))
    # At most one arrival line for the order, in Chinese.
    expect(panel.get_by_test_id("arrival")).to_have_count(1)
    expect(panel.get_by_test_id("arrival")).to_contain_text(
        re.compile(r"预计|妥投|邮局|延误|无法预计")
    )
    expect(conversation.tracking_numbers).to_have_text([p["tracking_number"] for p in parcels])
    walked = 0
    for i, parcel in enumerate(parcels):
        box = boxes.nth(i)
        expect(box.get_by_test_id("tracking-17track")).to_have_attribute(
            "href", f"https://t.17track.net/en#nums={parcel['tracking_number']}"
        )
        expect(box.get_by_test_id("parcel-status")).to_contain_text("自 ")  # "since …"
        events = box.get_by_test_id("parcel-event")
        latest = parcel["events"][0]
        expect(events.first).to_contain_text(latest["description"])
        if len(parcel["events"]) > 3:
            expect(box.locator("details summary")).to_have_text(
                f"更早的 {len(parcel['events']) - 3} 条轨迹"
            )
            expect(events.nth(3)).to_be_hidden()
            box.locator("details summary").click()
        expect(events).to_have_count(len(parcel["events"]))
        for n in range(len(parcel["events"])):
            expect(events.nth(n)).to_be_visible()
            expect(events.nth(n)).to_contain_text(re.compile(r"\d{4}年\d{1,2}月\d{1,2}日"))
            walked += 1
    assert walked == sum(len(p["events"]) for p in parcels) > 3
