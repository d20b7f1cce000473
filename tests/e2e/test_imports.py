"""End-to-end: the owner imports an orders CSV exported by a Chinese ERP (GBK, Chinese
headers) on the Import page: one column kefu does not know is picked in the preview, the
run's progress bar finishes, the report lists the bad row, the errors CSV downloads, and
the imported order shows in the side panel of the buyer's conversation."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import APIRequestContext, Page, expect

from tests.e2e.conftest import Conversations

pytestmark = pytest.mark.e2e

# 单号 (order number) is a name kefu does not know: the owner picks it in the preview.
ORDERS = (
    "单号,买家,买家姓名,国家,订单状态,下单时间,付款时间,币种,商品编码,商品名称,数量,单价\n"
    "E2E-1001,e2e-buyer-1,李雷,US,已付款,2026-11-03 10:00,2026-11-03 10:05,"
    "USD,SKU-E2E,测试商品,2,19.90\n"
    "E2E-1002,e2e-buyer-2,韩梅梅,Narnia,已付款,2026-11-03 11:00,2026-11-03 11:05,"
    "USD,SKU-E2E,测试商品,1,19.90\n"
)


def test_owner_imports_gbk_orders_and_sees_the_order_in_a_conversation(
    page: Page, server_url: str, api: APIRequestContext, conversations: Conversations
) -> None:
    page.context.add_cookies([{"name": "kefu_locale", "value": "en", "url": server_url}])
    page.goto("/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Imports").click()
    expect(page.get_by_role("heading", name="Import shop data")).to_be_visible()

    form = page.get_by_test_id("upload-form")
    form.get_by_label("Store").select_option("ali-global")
    form.get_by_label("The file holds").select_option("orders")
    form.get_by_label("File (CSV, XLSX or JSONL)").set_input_files(
        {"name": "订单导出.csv", "mimeType": "text/csv", "buffer": ORDERS.encode("gbk")}
    )
    form.get_by_role("button", name="Upload and preview").click()

    # the preview: read as GB18030, one column unknown, the rows as read
    expect(page.get_by_test_id("encoding")).to_have_text("gb18030")
    expect(page.get_by_test_id("delimiter")).to_have_text(",")
    expect(page.get_by_test_id("problems")).to_contain_text("order_number")
    order_number = page.get_by_label(re.compile(r"^Order number"))
    expect(order_number).to_have_value("")
    expect(page.get_by_label(re.compile(r"^Buyer country"))).to_have_value("国家")
    order_number.select_option("单号")
    page.get_by_test_id("again").click()
    expect(page.get_by_test_id("problems")).to_have_count(0)
    rows = page.get_by_test_id("preview-rows")
    expect(rows.locator('tr[data-row="2"]')).to_contain_text("李雷")
    expect(rows.locator('tr[data-row="3"]')).to_contain_text("is not an ISO 3166 country code")
    expect(page.get_by_label("Remember this mapping for this store")).to_be_checked()
    page.get_by_test_id("confirm").click()

    # the run: the bar fills, then the report
    expect(page).to_have_url(re.compile(r"/imports/\d+$"))
    progress = page.get_by_test_id("import-progress")
    expect(progress).to_have_attribute("data-status", "done", timeout=30_000)
    expect(progress.locator("progress")).to_have_attribute("value", "100")
    report = page.get_by_test_id("run-report")
    expect(report.locator('[data-count="created"]')).to_have_text("1")
    expect(report.locator('[data-count="rejected"]')).to_have_text("1")
    expect(page.get_by_test_id("run-errors")).to_contain_text("Narnia")

    with page.expect_download() as waiting:
        page.get_by_test_id("errors-csv").click()
    download = waiting.value
    assert download.suggested_filename.endswith("-errors.csv")
    content = Path(download.path()).read_bytes()
    assert content.startswith(b"\xef\xbb\xbf")
    text = content.decode("utf-8-sig")
    assert text.splitlines()[0] == "row,field,reason,value"
    assert "3,buyer_country," in text and "Narnia" in text

    # a message about the order: its conversation shows the imported order
    sent = api.post(
        "/api/v1/messages",
        data={
            "store": "ali-global",
            "message_id": "e2e-import-1",
            "buyer_id": "e2e-buyer-1",
            "buyer_name": "李雷",
            "buyer_country": "US",
            "buyer_language": "en",
            "order_number": "E2E-1001",
            "sent_at": datetime.now(UTC).isoformat(),
            "text": "Hello, when will order E2E-1001 ship?",
        },
    )
    assert sent.ok, sent.text()
    row = next(r for r in conversations.rows(store="ali-global") if r["buyer_name"] == "李雷")
    conversations.claimed.add(row["id"])  # no other test takes it
    page.goto(f"/conversations/{row['id']}")
    expect(page.get_by_test_id("order-number")).to_have_text("E2E-1001")
    expect(page.get_by_role("region", name="Order", exact=True)).to_contain_text("SKU-E2E")
