"""End-to-end, the tracking review (issue 21, docs/tracking.md): an event pushed through the
webhook in words no rule knows is listed on the review page; the owner maps it to a status
and the list empties."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import APIRequestContext, Page, expect
from sqlalchemy import create_engine, delete, select

from kefu.adapters.db import tables as t

pytestmark = pytest.mark.e2e
WORDS = "Zqx e2e depot scan"


@pytest.fixture
def delivered_number(demo_db: str) -> Iterator[str]:
    """A delivered demo parcel's number; the event and rule the test adds are removed
    afterwards so the shared demo shop stays as built."""
    engine = create_engine(demo_db)
    with engine.begin() as conn:
        number = conn.execute(
            select(t.Parcel.tracking_number).where(t.Parcel.latest_status == "delivered")
        ).scalar()
    assert number is not None
    try:
        yield str(number)
    finally:
        with engine.begin() as conn:
            conn.execute(delete(t.TrackingEvent).where(t.TrackingEvent.description == WORDS))
            conn.execute(delete(t.TrackingTextRule).where(t.TrackingTextRule.text == WORDS.lower()))
        engine.dispose()


def test_an_unknown_text_is_listed_and_mapped(
    page: Page, api: APIRequestContext, delivered_number: str
) -> None:
    # Long before the parcel's delivery: its latest status stays delivered.
    event = {
        "tracking_number": delivered_number,
        "occurred_at": "2020-01-02T03:04:05+08:00",
        "code": "E2E",
        "description": WORDS,
    }
    pushed = api.post("/api/v1/tracking-events", data=[event])
    assert pushed.ok, pushed.text()
    assert pushed.json()["unmapped"] == 1
    page.goto("/imports")
    page.get_by_test_id("tracking-review-link").click()
    expect(page).to_have_url(re.compile(r"/tracking/review$"))
    expect(page.get_by_role("heading", name="物流轨迹审核")).to_be_visible()
    row = page.get_by_test_id("unmapped-text").filter(has_text=WORDS)
    expect(row).to_have_count(1)
    row.get_by_label("状态").select_option("in_transit")
    row.get_by_role("button", name="映射").click()
    expect(page.get_by_test_id("mapped-notice")).to_contain_text("1")
    expect(page.get_by_test_id("unmapped-text").filter(has_text=WORDS)).to_have_count(0)
    expect(page.get_by_test_id("text-rule").filter(has_text=WORDS.lower())).to_have_count(1)
