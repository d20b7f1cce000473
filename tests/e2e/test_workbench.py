"""End-to-end: an agent works the demo shop's inbox in a real browser.

Each test uses its own conversation (see conftest.Conversations), so tests can run in
any order and may change data.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import APIRequestContext, Page, expect

from tests.e2e.conftest import Conversations
from tests.e2e.pages import ConversationPage, InboxPage

pytestmark = pytest.mark.e2e


def _total(api: APIRequestContext, **filters: str) -> int:
    response = api.get("/api/v1/conversations", params=filters)
    assert response.ok, response.text()
    total: int = response.json()["total"]
    return total


def test_inbox_opens_in_chinese_with_conversations_and_legend(
    page: Page, api: APIRequestContext
) -> None:
    inbox = InboxPage(page).open()

    # "(3) " before the name counts unread work, deadline breaches too.
    expect(page).to_have_title(re.compile(r"^(\(\d+\) )?收件箱"))
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(inbox.inbox_link).to_be_visible()
    expect(inbox.filters).to_be_visible()
    for key in ("store", "platform", "stage", "state", "colour_mark", "assignee"):
        expect(inbox.filter_select(key)).to_be_visible()
    # Closed conversations are hidden until the state filter asks for them.
    expect(inbox.count).to_have_text(f"会话：{_total(api, state='active')}")
    expect(inbox.rows.first).to_be_visible()
    expect(inbox.rows.first.get_by_role("link")).to_have_attribute(
        "href", re.compile(r"^/conversations/\d+$")
    )

    expect(inbox.legend).to_be_visible()
    expect(inbox.legend).not_to_have_attribute("open", "")  # behind its toggle
    inbox.legend.locator("summary").click()
    items = inbox.legend.get_by_role("listitem")
    expect(items).to_have_count(5)
    for colour in ("黄色", "蓝色", "绿色", "红色", "紫色"):
        expect(items.filter(has_text=colour)).to_be_visible()


def test_filtering_by_platform_and_stage_narrows_the_list(
    page: Page, api: APIRequestContext
) -> None:
    everything = _total(api, state="active")
    amazon = _total(api, platform="amazon", state="active")
    amazon_after_sale = _total(api, platform="amazon", stage="after_sale", state="active")
    assert 0 < amazon_after_sale < amazon < everything
    inbox = InboxPage(page).open()
    expect(inbox.count).to_have_text(f"会话：{everything}")

    inbox.choose("platform", label="Amazon")
    expect(inbox.count).to_have_text(f"会话：{amazon}")
    expect(page).to_have_url(re.compile(r"[?&]platform=amazon(&|$)"))
    rows = inbox.rows
    expect(rows).to_have_count(min(amazon, 50))
    for row in rows.all():  # cells: selection box, buyer, store, stage, ...
        expect(row.get_by_role("cell").nth(2)).to_contain_text("Amazon")

    inbox.choose("stage", label="售后")
    expect(inbox.count).to_have_text(f"会话：{amazon_after_sale}")
    expect(page).to_have_url(re.compile(r"[?&]stage=after_sale(&|$)"))
    for row in inbox.rows.all():
        expect(row.get_by_role("cell").nth(2)).to_contain_text("Amazon")
        expect(row.get_by_role("cell").nth(3)).to_contain_text("售后")

    page.reload()
    expect(inbox.count).to_have_text(f"会话：{amazon_after_sale}")
    expect(inbox.filter_select("platform")).to_have_value("amazon")
    expect(inbox.filter_select("stage")).to_have_value("after_sale")


def test_damaged_garment_shows_thread_order_and_parcel(
    page: Page, conversations: Conversations
) -> None:
    inbox = InboxPage(page).open("colour_mark=red&platform=aliexpress")
    conversation = inbox.open_conversation("Olivia Bennett")

    expect(page).to_have_url(re.compile(rf"/conversations/{conversations.damaged_garment_id()}$"))
    expect(conversation.heading).to_contain_text("Olivia Bennett")
    # The demo's three messages; a case closed on it (tests/e2e/test_cases.py) adds a survey.
    expect(conversation.messages.first).to_contain_text("the seam on the left side is torn")
    expect(conversation.messages.nth(2)).to_contain_text("box was crushed on one corner")
    expect(conversation.current_mark).to_have_text("红色")
    expect(conversation.stage).to_have_text("售后")

    expect(conversation.panel("buyer")).to_contain_text("Olivia Bennett")
    london = [
        (datetime.now(ZoneInfo("Europe/London")) + timedelta(minutes=m)).strftime("%H:%M")
        for m in (-1, 0, 1)
    ]
    expect(conversation.buyer_local_time).to_have_text(
        re.compile(rf"^({'|'.join(london)}) \(Europe/London\)$")
    )
    expect(conversation.order_number).to_have_text("8099000000000138")
    expect(conversation.panel("order")).to_contain_text("已妥投")
    expect(conversation.tracking_numbers).to_have_text(["LP00613800138001"])
    expect(conversation.tracking_numbers).to_have_attribute("href", re.compile("LP00613800138001"))
    parcel = conversation.panel("parcels")
    expect(parcel).to_contain_text("Cainiao Super Economy")
    # The latest tracking event: delivered in London.
    expect(parcel).to_contain_text(re.compile(r"已妥投 · .* · London, GB"))


def test_reply_appears_in_thread_and_survives_reload(
    page: Page, conversations: Conversations
) -> None:
    row = conversations.claim(state="open")
    conversation = ConversationPage(page).open(row["id"])
    before = conversation.messages.count()
    text = f"您好，我们已经为您安排补发。e2e reply {row['id']}"

    conversation.reply(text)
    expect(conversation.messages).to_have_count(before + 1)
    expect(conversation.messages.last).to_contain_text(text)
    expect(conversation.reply_box).to_have_value("")

    page.reload()
    expect(conversation.messages).to_have_count(before + 1)
    expect(conversation.messages.last).to_contain_text(text)


def test_colour_mark_persists_and_filters_the_inbox(
    page: Page, conversations: Conversations
) -> None:
    row = conversations.claim(lambda r: r["colour_mark"] is None, state="open")
    conversation = ConversationPage(page).open(row["id"])
    expect(conversation.current_mark).to_have_count(0)
    expect(conversation.mark_button("蓝色")).to_have_attribute("aria-pressed", "false")

    conversation.mark("蓝色")
    expect(conversation.current_mark).to_have_text("蓝色")

    page.reload()
    expect(conversation.current_mark).to_have_text("蓝色")
    expect(conversation.mark_button("蓝色")).to_have_attribute("aria-pressed", "true")
    for other in ("黄色", "绿色", "红色", "紫色"):
        expect(conversation.mark_button(other)).to_have_attribute("aria-pressed", "false")

    inbox = InboxPage(page).open()
    inbox.choose("store", label=row["store_name"])
    inbox.choose("colour_mark", label="蓝色")
    expect(page).to_have_url(re.compile(r"[?&]colour_mark=blue(&|$)"))
    expect(inbox.row_for(row["id"])).to_be_visible()
    expect(inbox.row_for(row["id"]).get_by_label("蓝色")).to_be_visible()


def test_close_then_reopen(page: Page, conversations: Conversations) -> None:
    row = conversations.claim(state="open")
    conversation = ConversationPage(page).open(row["id"])
    expect(conversation.reply_box).to_be_visible()

    conversation.close_button.click()
    expect(conversation.status).to_have_text("已关闭")
    expect(conversation.closed_note).to_be_visible()
    expect(conversation.reply_box).to_have_count(0)
    expect(conversation.close_button).to_have_count(0)

    page.reload()
    expect(conversation.status).to_have_text("已关闭")

    conversation.reopen_button.click()
    expect(conversation.status).not_to_have_text("已关闭")
    expect(conversation.reply_box).to_be_visible()
    expect(conversation.close_button).to_be_visible()
    expect(conversation.reopen_button).to_have_count(0)

    page.reload()
    expect(conversation.status).to_have_text("待处理")
    expect(conversation.send_button).to_be_visible()


def test_assigning_to_an_agent_persists(page: Page, conversations: Conversations) -> None:
    # Routing gives every open conversation an owner, so this one changes hands.
    row = conversations.claim(
        lambda r: r["assignee_name"] != "李娜 Li Na", state="open", platform="aliexpress"
    )
    conversation = ConversationPage(page).open(row["id"])

    with page.expect_response(re.compile(rf"/conversations/{row['id']}/assign$")):
        conversation.assign("李娜 Li Na")
    expect(conversation.assignee_select.locator("option:checked")).to_have_text("李娜 Li Na")

    page.reload()
    expect(conversation.assignee_select.locator("option:checked")).to_have_text("李娜 Li Na")

    inbox = InboxPage(page).open()
    inbox.choose("assignee", label="李娜 Li Na")
    inbox.choose("store", label=row["store_name"])
    expect(inbox.row_for(row["id"])).to_contain_text("李娜 Li Na")


def test_switching_to_english_persists_across_reloads_and_pages(
    page: Page, conversations: Conversations
) -> None:
    row = conversations.claim(state="open")
    inbox = InboxPage(page).open("platform=ebay")
    expect(inbox.inbox_link).to_have_text("收件箱")

    inbox.switch_locale("en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_url(re.compile(r"/\?platform=ebay$"))
    expect(inbox.inbox_link).to_have_text("Inbox")
    expect(page).to_have_title(re.compile(r"^(\(\d+\) )?Inbox"))
    expect(inbox.filter_select("platform")).to_have_value("ebay")
    expect(inbox.count).to_have_text(re.compile(r"^Conversations: \d+$"))
    expect(inbox.legend).to_contain_text("Colour marks")
    expect(inbox.locale_select).to_have_value("en")

    page.reload()
    expect(inbox.inbox_link).to_have_text("Inbox")

    conversation = ConversationPage(page, "en").open(row["id"])
    expect(conversation.send_button).to_have_text("Send reply")
    expect(conversation.close_button).to_be_visible()
    expect(conversation.panel("order")).to_be_visible()
    expect(conversation.locale_select).to_have_value("en")

    conversation.switch_locale("zh_CN")
    expect(page).to_have_url(re.compile(rf"/conversations/{row['id']}$"))
    expect(conversation.send_button).to_have_text("发送回复")


def test_switching_language_keeps_filters_chosen_on_the_page(page: Page) -> None:
    inbox = InboxPage(page).open()
    inbox.choose("platform", label="Amazon")
    expect(page).to_have_url(re.compile(r"[?&]platform=amazon(&|$)"))

    inbox.switch_locale("en")
    expect(inbox.inbox_link).to_have_text("Inbox")
    assert "platform=amazon" in page.url, f"the filter was dropped: {page.url}"


def test_buyer_html_is_shown_as_text_and_never_run(
    page: Page, api: APIRequestContext, conversations: Conversations
) -> None:
    text = '<script>window.__xss=1</script><img src=x onerror="window.__xss=2">'
    response = api.post(
        "/api/v1/messages",
        data={
            "store": "ali-global",
            "message_id": "xss-1",
            "buyer_id": "xss-buyer",
            "sent_at": datetime.now(UTC).isoformat(),
            "text": text,
        },
    )
    assert response.ok, response.text()
    assert response.json()["errors"] == []
    rows = conversations.rows(platform="aliexpress")
    found = [i for i, r in enumerate(rows) if r["preview"] == text]
    assert len(found) == 1, "the ingested message's conversation is not in the inbox"
    conversation_id = rows[found[0]]["id"]

    inbox = InboxPage(page).open(f"platform=aliexpress&state=all&page={found[0] // 50 + 1}")
    expect(inbox.row_for(conversation_id)).to_contain_text(text)
    expect(inbox.table.locator("img, script")).to_have_count(0)
    assert page.evaluate("() => typeof window.__xss") == "undefined"

    conversation = ConversationPage(page).open(conversation_id)
    expect(conversation.messages.filter(has_text=text)).to_have_count(1)
    expect(conversation.thread.locator("img, script")).to_have_count(0)
    assert page.evaluate("() => typeof window.__xss") == "undefined"


def test_an_agent_corrects_the_intent_in_two_clicks(
    page: Page, conversations: Conversations
) -> None:
    row = conversations.claim(state="open")
    conversation = ConversationPage(page).open(row["id"])
    triage = conversation.thread.get_by_test_id("triage").first
    expect(triage).to_be_visible()  # every buyer message shows its triage
    menu = triage.get_by_label("更正意图")

    menu.select_option(label="投诉")  # click the menu, pick the intent: two clicks

    triage = conversation.thread.get_by_test_id("triage").first
    expect(triage).to_contain_text("投诉")
    expect(triage).to_contain_text("已人工更正")
    page.reload()
    expect(conversation.thread.get_by_test_id("triage").first).to_contain_text("已人工更正")


def test_the_kpi_dashboard_redraws_for_a_new_range_and_downloads_csv(page: Page) -> None:
    page.goto("/reports")
    expect(page.get_by_role("heading", name="客服考核指标")).to_be_visible()
    kpis = page.get_by_role("table", name="考核指标")
    expect(kpis.locator("tr[data-metric='buyers_served'] abbr")).to_have_attribute(
        "title", re.compile("每天计一次")
    )  # the definition is one hover away
    # Satisfaction from the demo's ratings, a score out of 5, and the open disputes.
    expect(kpis.locator("tr[data-metric='satisfaction_mean'] td").first).to_have_text(
        re.compile(r"^[1-5]\.\d\d$")
    )
    expect(kpis.locator("tr[data-metric='open_disputes'] td").first).to_have_text(
        re.compile(r"^\d+$")
    )
    trend = page.locator("canvas#trend")
    expect(trend).to_have_attribute("data-drawn", "30")  # the chart drew 30 days
    # Each breakdown is a table and a chart: four stores, four platforms.
    expect(page.get_by_test_id("by-store-chart")).to_have_attribute("data-drawn", "4")
    expect(page.get_by_test_id("by-platform-chart")).to_have_attribute("data-drawn", "4")
    expect(page.get_by_test_id("by-platform")).to_contain_text("AliExpress")

    today = datetime.now(UTC).date()
    page.get_by_label("开始日期").fill((today - timedelta(days=6)).isoformat())
    page.locator("select[name=store]").select_option("amazon-us")
    page.get_by_role("button", name="查看").click()
    expect(page).to_have_url(re.compile(r"store=amazon-us"))
    expect(page.locator("canvas#trend")).to_have_attribute("data-drawn", "7")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="下载 CSV").click()
    download = download_info.value
    assert download.suggested_filename.startswith("kefu-kpi-")
    content = Path(download.path()).read_text(encoding="utf-8")
    assert content.splitlines()[0].startswith("metric,")
    assert any(line.startswith("messages_received,") for line in content.splitlines())
    assert any(line.startswith("satisfaction_ratings,") for line in content.splitlines())
