"""The KPI dashboard in a browser: the two readings of conversion and guided GMV side by
side with what each means, and disputes by store drawn as a chart (docs/kpis.md)."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect


def test_the_dashboard_explains_both_readings_and_draws_disputes_by_store(page: Page) -> None:
    page.goto("/reports")
    readings = page.get_by_test_id("conversion-readings")
    expect(readings.get_by_role("heading")).to_have_text("咨询转化率与引导下单GMV的两种口径")
    rows = readings.locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("区间内首次咨询")
    expect(rows.nth(1)).to_contain_text("按天计算")
    # Both rows show a conversion (a percentage or a dash) and an amount in USD.
    for n in range(2):
        expect(rows.nth(n).locator("td").first).to_have_text(re.compile(r"^(\d+(\.\d+)?%|—)$"))
        expect(rows.nth(n).locator("td").nth(1)).to_contain_text("US$")
    kpis = page.get_by_role("table", name="考核指标")
    expect(kpis.locator("tr[data-metric='dispute_rate'] abbr")).to_have_attribute(
        "title", re.compile("下单数")
    )  # the definition is one hover away
    expect(kpis.locator("tr[data-metric='undelivered_replies'] td").first).to_have_text(
        re.compile(r"^\d+$")
    )
    # The chart drew one bar group per store of the demo shop.
    expect(page.get_by_test_id("disputes-chart")).to_have_attribute("data-drawn", "4")
    expect(page.get_by_test_id("by-store").locator("td[data-metric='dispute_rate']")).to_have_count(
        4
    )
