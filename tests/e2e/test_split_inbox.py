"""End-to-end: the split inbox at 1440×900 — rows per screen, the keyboard, bulk actions,
saved views, elapsed waiting time and closed conversations hidden (docs/inbox.md)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import APIRequestContext, Browser, Page, expect

from kefu.domain.elapsed import format_elapsed
from tests.e2e.conftest import Conversations, sign_in
from tests.e2e.pages import ConversationPage, InboxPage

pytestmark = pytest.mark.e2e

WIDTH, HEIGHT = 1440, 900


def _page(browser: Browser, server_url: str, locale: str | None) -> Iterator[Page]:
    context = browser.new_context(base_url=server_url, viewport={"width": WIDTH, "height": HEIGHT})
    context.set_default_timeout(10_000)
    if locale:
        context.add_cookies([{"name": "kefu_locale", "value": locale, "url": server_url}])
    sign_in(context.request, "owner")
    yield context.new_page()
    context.close()


@pytest.fixture
def screen(browser: Browser, server_url: str) -> Iterator[Page]:
    """The owner at 1440×900, Chinese UI."""
    yield from _page(browser, server_url, None)


@pytest.fixture
def screen_en(browser: Browser, server_url: str) -> Iterator[Page]:
    """The owner at 1440×900, English UI: English buyers need no translation then."""
    yield from _page(browser, server_url, "en")


def _rows(api: APIRequestContext, **filters: str) -> list[dict[str, Any]]:
    response = api.get("/api/v1/conversations", params={"page_size": "50", **filters})
    assert response.ok, response.text()
    rows: list[dict[str, Any]] = response.json()["rows"]
    return rows


def _conversation(api: APIRequestContext, conversation_id: int) -> dict[str, Any]:
    response = api.get(f"/api/v1/conversations/{conversation_id}")
    assert response.ok, response.text()
    found: dict[str, Any] = response.json()
    return found


def _fully_visible_rows(page: Page) -> int:
    return int(
        page.evaluate(
            """() => [...document.querySelectorAll('#list-body tr.row')].filter((row) => {
                 const box = row.getBoundingClientRect();
                 return box.height > 0 && box.top >= 0 && box.bottom <= window.innerHeight;
               }).length"""
        )
    )


def test_twenty_rows_and_the_composer_fit_one_screen_beside_each_other(
    screen: Page, api: APIRequestContext
) -> None:
    inbox = InboxPage(screen).open()
    expect(inbox.rows.first).to_be_visible()
    assert _fully_visible_rows(screen) >= 20
    expect(inbox.legend).not_to_have_attribute("open", "")

    screen.evaluate("() => { window.__listKept = true }")
    first = inbox.rows.first
    conversation_id = int(first.get_attribute("data-conversation-id") or 0)
    first.get_by_role("link").click()
    conversation = ConversationPage(screen)
    expect(conversation.thread).to_be_visible()
    expect(screen).to_have_url(re.compile(rf"/conversations/{conversation_id}$"))
    # The list was not reloaded: the page is the same document, the row is still there.
    assert screen.evaluate("() => window.__listKept") is True
    expect(inbox.row_for(conversation_id)).to_have_attribute("aria-current", "true")
    assert _fully_visible_rows(screen) >= 20
    box = conversation.send_button.bounding_box()
    assert box is not None and box["y"] + box["height"] <= HEIGHT, box
    expect(conversation.panel("order")).to_be_visible()

    second = inbox.rows.nth(1)
    second_id = int(second.get_attribute("data-conversation-id") or 0)
    second.get_by_role("cell").nth(4).click()  # anywhere on a row opens it
    expect(screen).to_have_url(re.compile(rf"/conversations/{second_id}$"))
    expect(inbox.row_for(second_id)).to_have_attribute("aria-current", "true")
    assert screen.evaluate("() => window.__listKept") is True

    screen.goto(f"/conversations/{conversation_id}")  # opened by URL: the split view too
    expect(conversation.thread).to_be_visible()
    expect(inbox.row_for(conversation_id)).to_have_attribute("aria-current", "true")


def test_an_agent_works_the_list_by_keyboard_alone(
    screen_en: Page, api: APIRequestContext, conversations: Conversations
) -> None:
    page = screen_en
    # eBay's English buyers: away from the demo's fixed AliExpress case other tests read.
    rows = [r["id"] for r in _rows(api, language="en", platform="ebay", state="active")]
    assert len(rows) >= 3, "the demo has fewer than three open English eBay conversations"
    first = rows[0]
    conversations.claimed.add(first)
    inbox = InboxPage(page, "en").open("language=en&platform=ebay")
    expect(inbox.row_for(first)).to_be_visible()

    page.keyboard.press("j")  # the first row
    page.keyboard.press("Enter")
    conversation = ConversationPage(page, "en")
    expect(page).to_have_url(re.compile(rf"/conversations/{first}$"))
    expect(conversation.thread).to_be_visible()
    before = conversation.messages.count()

    page.keyboard.press("r")
    expect(conversation.reply_box).to_be_focused()
    text = f"Thanks, a new parcel is on its way. keyboard {first}"
    page.keyboard.type(text)
    page.keyboard.press("Control+Enter")
    expect(conversation.messages).to_have_count(before + 1)
    expect(page.get_by_test_id("sent-confirmation")).to_be_visible()

    page.keyboard.press("Escape")  # out of the composer (HTMX keeps the focus there)
    page.keyboard.press("2")  # blue
    expect(conversation.current_mark).to_have_text("Blue")
    # The header badge is readable: white on dark blue (it was white on light grey).
    colours = conversation.current_mark.evaluate(
        "e => [getComputedStyle(e).color, getComputedStyle(e).backgroundColor]"
    )
    assert colours == ["rgb(255, 255, 255)", "rgb(29, 78, 216)"], colours
    # The answered conversation now waits, lower in the list: j goes to the row after it.
    expect(inbox.row_for(first)).to_have_attribute("aria-current", "true")
    second = int(
        inbox.row_for(first)
        .locator("xpath=following-sibling::tr[1]")
        .get_attribute("data-conversation-id")
        or 0
    )
    conversations.claimed.add(second)
    page.keyboard.press("j")
    expect(inbox.row_for(second)).to_have_attribute("aria-current", "true")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/conversations/{second}$"))
    expect(
        conversation.root.locator(f'.conversation[data-conversation-id="{second}"]')
    ).to_be_visible()
    page.keyboard.press("e")
    expect(conversation.status).to_have_text("Closed")

    replied = _conversation(api, first)
    assert replied["colour_mark"] == "blue"
    assert [m["text"] for m in replied["messages"] if m["direction"] == "shop"][-1] == text
    assert _conversation(api, second)["status"] == "closed"
    expect(inbox.row_for(second)).to_have_count(0)  # closed: gone from the list


def test_keys_do_nothing_while_typing_and_question_mark_lists_them(
    screen_en: Page, api: APIRequestContext, conversations: Conversations
) -> None:
    page = screen_en
    row = conversations.claim(lambda r: r["colour_mark"] is None, state="open", language="en")
    conversation = ConversationPage(page, "en").open(row["id"])
    conversation.reply_box.click()
    page.keyboard.type("je12?/")
    expect(conversation.reply_box).to_have_value("je12?/")
    expect(page.get_by_test_id("shortcuts")).to_be_hidden()
    expect(page).to_have_url(re.compile(rf"/conversations/{row['id']}$"))
    found = _conversation(api, row["id"])
    assert (found["status"], found["colour_mark"]) == (row["status"], None)

    page.keyboard.press("Escape")  # leave the field; now keys act
    page.keyboard.press("?")
    shortcuts = page.get_by_test_id("shortcuts")
    expect(shortcuts).to_be_visible()
    expect(shortcuts.locator("kbd")).to_have_text(
        ["j", "k", "Enter", "r", "e", "1", "5", "a", "x", "/", "?"]
    )
    page.keyboard.press("Escape")
    expect(shortcuts).to_be_hidden()
    page.keyboard.press("/")
    expect(page.get_by_test_id("search-box")).to_be_focused()
    expect(page.locator("form.searchbox")).to_have_attribute("action", "/search")


def test_bulk_assign_reports_each_conversation_and_refuses_one(
    screen: Page, api: APIRequestContext, conversations: Conversations
) -> None:
    """Li Na works ali-global but not ebay-uk: that one is refused, the others assigned."""
    avoid = conversations.claimed | {conversations.damaged_garment_id()}
    rows = [r for r in _rows(api, state="active") if r["id"] not in avoid]
    ali = [r["id"] for r in rows if r["store_code"] == "ali-global"][:2]
    ebay = [r["id"] for r in rows if r["store_code"] == "ebay-uk"][:1]
    assert len(ali) == 2 and len(ebay) == 1, "the first page lacks ali-global/ebay-uk rows"
    conversations.claimed.update({*ali, *ebay})
    inbox = InboxPage(screen).open()
    for conversation_id in (*ali, *ebay):
        inbox.row_for(conversation_id).locator(".row-check").check()
    expect(screen.get_by_test_id("selected-count")).to_have_text("已选：3")
    screen.get_by_test_id("bulk-assignee").select_option(label="李娜 Li Na")
    screen.get_by_test_id("bulk-assign").click()

    summary = screen.get_by_test_id("bulk-summary")
    expect(summary).to_contain_text("已分配 2 个")
    expect(summary).to_contain_text("1 个不允许")
    refused = screen.get_by_test_id("bulk-refused")
    expect(refused).to_have_count(1)
    expect(refused).to_have_attribute("data-conversation-id", str(ebay[0]))
    expect(refused).to_contain_text("店铺")  # why, in Chinese: Li Na lacks that store
    for conversation_id in ali:
        assert _conversation(api, conversation_id)["assignee_name"] == "李娜 Li Na"
    assert _conversation(api, ebay[0])["assignee_name"] != "李娜 Li Na"
    expect(inbox.row_for(ali[0])).to_contain_text("李娜 Li Na")  # the list reloaded
    expect(screen.get_by_test_id("selected-count")).to_have_text("已选：0")


def test_a_saved_view_is_created_used_and_deleted(screen: Page, api: APIRequestContext) -> None:
    inbox = InboxPage(screen).open("colour_mark=red")
    views = screen.get_by_test_id("views")
    views.locator("details.save-view summary").click()
    screen.get_by_test_id("view-name").fill("红色 e2e")
    with screen.expect_navigation():
        views.get_by_role("button", name="保存", exact=True).click()
    tab = views.get_by_role("link", name="红色 e2e", exact=True)
    expect(tab).to_have_attribute("aria-current", "page")
    saved = [v for v in api.get("/api/v1/views").json() if v["name"] == "红色 e2e"]
    assert [v["query"] for v in saved] == ["state=active&colour_mark=red"]

    screen.get_by_test_id("view-open").click()
    expect(inbox.filter_select("colour_mark")).to_have_value("")
    tab.click()
    expect(screen).to_have_url(re.compile(r"colour_mark=red"))
    expect(inbox.filter_select("colour_mark")).to_have_value("red")
    for row in inbox.rows.all():
        expect(row.get_by_label("红色")).to_be_visible()

    with screen.expect_navigation():
        views.get_by_role("button", name="删除视图 红色 e2e").click()
    expect(tab).to_have_count(0)
    assert all(v["name"] != "红色 e2e" for v in api.get("/api/v1/views").json())


def test_waiting_is_shown_as_elapsed_with_the_exact_time_on_hover(
    screen: Page, api: APIRequestContext
) -> None:
    waiting = [r for r in _rows(api, state="open") if r["waiting_since"]]
    assert waiting, "no conversation is waiting in the demo"
    row = waiting[0]
    inbox = InboxPage(screen).open("state=open")
    shown = inbox.row_for(row["id"]).get_by_test_id("waited")
    since = datetime.fromisoformat(row["waiting_since"])
    now = datetime.now(since.tzinfo)
    expected = {format_elapsed(now - since + timedelta(minutes=m), "zh_CN") for m in (-1, 0, 1)}
    assert shown.inner_text() in expected, (shown.inner_text(), expected)
    expect(shown).to_have_attribute("title", re.compile(r"\d{4}年\d{1,2}月\d{1,2}日 \d{1,2}:\d{2}"))
    expect(shown).to_have_attribute("datetime", re.compile(r"^\d{4}-\d{2}-\d{2}T"))


def test_closed_conversations_are_hidden_until_the_state_filter_asks(
    screen: Page, api: APIRequestContext
) -> None:
    closed = api.get("/api/v1/conversations", params={"state": "closed"}).json()["total"]
    active = api.get("/api/v1/conversations", params={"state": "active"}).json()["total"]
    assert closed > 0
    inbox = InboxPage(screen).open()
    expect(inbox.count).to_have_text(f"会话：{active}")
    expect(inbox.filter_select("state")).to_have_value("active")
    expect(inbox.table.locator("tr.status-closed")).to_have_count(0)

    inbox.choose("state", value="closed")
    expect(inbox.count).to_have_text(f"会话：{closed}")
    expect(inbox.rows).to_have_count(min(closed, 50))
    expect(inbox.table.locator("tr.row:not(.status-closed)")).to_have_count(0)
