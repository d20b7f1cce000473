"""End-to-end, the deadlines board (issue 20, docs/deadlines.md): an eBay cancellation
whose platform deadline passed comes first on the owner's board, in red, before the demo
shop's unanswered messages; the lead's per-agent table and chart are drawn."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import create_engine, delete, insert, select

from kefu.adapters.db import tables as t
from tests.e2e.pages import DeadlinesPage

pytestmark = pytest.mark.e2e


@pytest.fixture
def overdue_case(demo_db: str) -> Iterator[int]:
    """A cancellation 400 days past its platform deadline in the demo's eBay store, removed
    afterwards so the shared demo shop stays as built."""
    engine = create_engine(demo_db)
    now = datetime.now(UTC)
    with engine.begin() as conn:
        store = conn.execute(select(t.Store.id).where(t.Store.platform == "ebay")).scalar()
        case_id = conn.execute(
            insert(t.Case)
            .values(
                store_id=store,
                kind="cancellation",
                state="open",
                is_open=True,
                reason="changed_mind",
                description="",
                opened_at=now - timedelta(days=403),
                updated_at=now - timedelta(days=403),
                platform_due_at=now - timedelta(days=400),
                platform_due_source="platform",
                platform_due_rule="ebay.cancellation.answer",
                paused_seconds=0,
                push_state="local",
                online_shipping=False,
                version=1,
            )
            .returning(t.Case.id)
        ).scalar_one()
    try:
        yield int(case_id)
    finally:
        with engine.begin() as conn:
            conn.execute(delete(t.Case).where(t.Case.id == case_id))
        engine.dispose()


def test_the_board_shows_an_overdue_case_first(page: Page, overdue_case: int) -> None:
    page.goto("/")
    board = DeadlinesPage(page)
    board.nav_link.click()
    expect(page).to_have_url(re.compile(r"/deadlines$"))
    first = board.rows.first
    expect(first).to_have_attribute("data-kind", "case")
    expect(first).to_have_attribute("data-id", str(overdue_case))
    expect(first).to_have_attribute("data-urgency", "overdue")
    expect(first).to_contain_text("已超时 400天")
    expect(first).to_contain_text("取消订单 · 待店铺处理")
    expect(first).to_contain_text("平台给出")  # the deadline's source
    expect(first.locator("td.left")).to_have_css("color", "rgb(185, 28, 28)")
    expect(board.by_agent).to_be_visible()
    expect(page.locator("#deadlines-chart")).to_have_attribute("data-drawn", re.compile(r"\d+"))
    page.get_by_label("查看").select_option("overdue")
    page.get_by_role("button", name="筛选").click()
    expect(board.rows.first).to_have_attribute("data-id", str(overdue_case))
    expect(page.locator("tr.due-on_time")).to_have_count(0)
