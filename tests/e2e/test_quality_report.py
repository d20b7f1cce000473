"""The quality report in the browser: the demo's red-marked conversations per product, as a
table and a chart drawn from the page's own data, and the CSV download."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e


def test_the_quality_report_shows_a_table_a_chart_and_downloads_csv(page: Page) -> None:
    page.goto("/reports")
    page.get_by_test_id("nav-quality").click()
    expect(page.get_by_role("heading", name="各产品的质量问题")).to_be_visible()
    # The whole demo year: the demo's red marks (damaged goods) fall in it.
    today = datetime.now(UTC).date()
    page.get_by_label("开始日期").fill((today - timedelta(days=365)).isoformat())
    page.get_by_role("button", name="查看").click()
    expect(page).to_have_url(re.compile(r"from="))
    table = page.get_by_test_id("quality-table")
    expect(table).to_be_visible()
    rows = table.locator("tbody tr")
    shown = rows.count()
    assert shown >= 1
    # The chart draws the products with the most problems, at most 15.
    expect(page.get_by_test_id("quality-chart")).to_have_attribute(
        "data-drawn", str(min(shown, 15))
    )
    counts = [int(c) for c in rows.locator("td:nth-child(4)").all_inner_texts()]
    assert len(counts) == shown and counts == sorted(counts, reverse=True)
    # The latest example opens the conversation.
    example = rows.first.locator("a[href^='/conversations/']")
    expect(example).to_have_count(1)

    with page.expect_download() as download_info:
        page.get_by_test_id("quality-csv").click()
    download = download_info.value
    assert download.suggested_filename.startswith("kefu-quality-")
    content = Path(download.path()).read_text(encoding="utf-8")
    lines = list(csv.DictReader(io.StringIO(content)))
    assert len(lines) == shown
    assert [int(line["conversations"]) for line in lines] == counts
