"""Page objects for the two screens; elements are found by role, label or test id.

Labels come from the UI catalogs, so each page object knows which UI language it reads.
"""

from __future__ import annotations

import re
from typing import Literal

from playwright.sync_api import Locator, Page, expect

Locale = Literal["zh_CN", "en"]

TEXT: dict[Locale, dict[str, str]] = {
    "zh_CN": {
        "inbox": "收件箱",
        "language": "界面语言",
        "filters": "筛选",
        "store": "店铺",
        "platform": "平台",
        "stage": "阶段",
        "state": "状态",
        "colour_mark": "颜色标记",
        "assignee": "负责人",
        "buyer_language": "买家语言",
        "conversations": "会话列表",
        "count": "会话：",
        "legend": "颜色标记说明",
        "messages": "消息",
        "reply_to": "买家收到的内容",
        "agent_text": "用您的语言撰写",
        "send_reply": "发送回复",
        "close": "关闭会话",
        "reopen": "重新打开",
        "closed": "已关闭",
        "closed_note": "会话已关闭，重新打开后才能回复。",
        "buyer": "买家",
        "order": "订单",
        "products": "相关商品",
        "parcels": "包裹",
        "back": "返回收件箱",
    },
    "en": {
        "inbox": "Inbox",
        "language": "Language",
        "filters": "Filters",
        "store": "Store",
        "platform": "Platform",
        "stage": "Stage",
        "state": "State",
        "colour_mark": "Colour mark",
        "assignee": "Assignee",
        "buyer_language": "Buyer language",
        "conversations": "Conversations",
        "count": "Conversations: ",
        "legend": "Colour marks",
        "messages": "Messages",
        "reply_to": "The buyer receives",
        "agent_text": "Write in your language",
        "send_reply": "Send reply",
        "close": "Close",
        "reopen": "Reopen",
        "closed": "Closed",
        "closed_note": "This conversation is closed. Reopen it to reply.",
        "buyer": "Buyer",
        "order": "Order",
        "products": "Products",
        "parcels": "Parcels",
        "back": "Back to inbox",
    },
}


class Screen:
    """What every screen has: the top bar with navigation and the UI language switch."""

    def __init__(self, page: Page, locale: Locale = "zh_CN") -> None:
        self.page = page
        self.locale: Locale = locale
        self.t = TEXT[locale]

    @property
    def nav(self) -> Locator:
        return self.page.get_by_role("navigation")

    @property
    def inbox_link(self) -> Locator:
        return self.nav.get_by_role("link", name=self.t["inbox"], exact=True)

    @property
    def locale_select(self) -> Locator:
        return self.page.get_by_label(self.t["language"], exact=True)

    def switch_locale(self, locale: Locale) -> None:
        """Pick a UI language; the form posts and the server redirects back here."""
        with self.page.expect_navigation():
            self.locale_select.select_option(locale)
        self.locale = locale
        self.t = TEXT[locale]


class InboxPage(Screen):
    @property
    def filters(self) -> Locator:
        return self.page.get_by_role("search", name=self.t["filters"])

    def filter_select(self, key: str) -> Locator:
        """One filter select by its label (store, platform, stage, state, colour_mark, ...)."""
        return self.filters.get_by_label(self.t[key])

    @property
    def count(self) -> Locator:
        """The "Conversations: N" line above the table."""
        return self.page.get_by_role("status").filter(has_text=self.t["count"])

    @property
    def table(self) -> Locator:
        return self.page.get_by_role("table", name=self.t["conversations"], exact=True)

    @property
    def rows(self) -> Locator:
        return self.table.locator("tbody").get_by_role("row")

    @property
    def legend(self) -> Locator:
        return self.page.get_by_role("group").filter(has_text=self.t["legend"])

    def open(self, query: str = "") -> InboxPage:
        self.page.goto(f"/{'?' + query if query else ''}")
        expect(self.table).to_be_visible()
        return self

    def count_value(self) -> int:
        match = re.search(r"(\d+)", self.count.inner_text())
        assert match, self.count.inner_text()
        return int(match.group(1))

    def choose(self, key: str, *, label: str | None = None, value: str | None = None) -> None:
        """Change one filter; HTMX reloads the list and pushes the filter into the URL."""
        select = self.filter_select(key)
        with self.page.expect_response(lambda r: "/?" in r.url and r.request.method == "GET"):
            if label is not None:
                select.select_option(label=label)
            else:
                select.select_option(value)

    def row_for(self, conversation_id: int) -> Locator:
        return self.table.locator(f'tr[data-conversation-id="{conversation_id}"]')

    def open_conversation(self, buyer_name: str) -> ConversationPage:
        self.table.get_by_role("link", name=buyer_name, exact=True).first.click()
        conversation = ConversationPage(self.page, self.locale)
        expect(conversation.thread).to_be_visible()
        return conversation


class ConversationPage(Screen):
    """The open conversation: the right pane of the split inbox (the list is beside it)."""

    @property
    def root(self) -> Locator:
        return self.page.locator("#conversation")

    def open(self, conversation_id: int) -> ConversationPage:
        self.page.goto(f"/conversations/{conversation_id}")
        expect(self.thread).to_be_visible()
        return self

    @property
    def heading(self) -> Locator:
        return self.root.get_by_role("heading", level=1)

    @property
    def thread(self) -> Locator:
        return self.root.get_by_role("list", name=self.t["messages"], exact=True)

    @property
    def messages(self) -> Locator:
        return self.thread.get_by_role("listitem")

    @property
    def reply_box(self) -> Locator:
        return self.root.get_by_label(self.t["reply_to"])

    @property
    def agent_box(self) -> Locator:
        """Where the agent writes in their own language (buyers writing another one)."""
        return self.root.get_by_label(self.t["agent_text"])

    @property
    def send_button(self) -> Locator:
        return self.root.get_by_role("button", name=self.t["send_reply"], exact=True)

    @property
    def close_button(self) -> Locator:
        return self.root.get_by_role("button", name=self.t["close"], exact=True)

    @property
    def reopen_button(self) -> Locator:
        return self.root.get_by_role("button", name=self.t["reopen"], exact=True)

    @property
    def closed_note(self) -> Locator:
        return self.root.get_by_text(self.t["closed_note"])

    @property
    def assignee_select(self) -> Locator:
        return self.root.get_by_label(self.t["assignee"])

    @property
    def status(self) -> Locator:
        return self.root.get_by_test_id("status")

    @property
    def stage(self) -> Locator:
        return self.root.get_by_test_id("stage")

    @property
    def buyer_local_time(self) -> Locator:
        return self.panel("buyer").get_by_test_id("buyer-local-time")

    @property
    def current_mark(self) -> Locator:
        return self.root.get_by_test_id("current-mark")

    def mark_button(self, colour_label: str) -> Locator:
        return self.root.get_by_role("button", name=colour_label, exact=True)

    def panel(self, key: str) -> Locator:
        """A side panel (buyer, order, products, parcels), a region named by its heading."""
        return self.root.get_by_role("region", name=self.t[key], exact=True)

    @property
    def order_number(self) -> Locator:
        return self.panel("order").get_by_test_id("order-number")

    @property
    def tracking_numbers(self) -> Locator:
        return self.panel("parcels").get_by_test_id("tracking-number")

    def reply(self, text: str) -> None:
        self.reply_box.fill(text)
        self.send_button.click()

    def mark(self, colour_label: str) -> None:
        self.mark_button(colour_label).click()
        expect(self.mark_button(colour_label)).to_have_attribute("aria-pressed", "true")

    def assign(self, account_label: str) -> None:
        self.assignee_select.select_option(label=account_label)


NOTICE_WORDS: dict[Locale, dict[str, str]] = {
    "zh_CN": {"mark_read": "标为已读", "filter": "筛选"},
    "en": {"mark_read": "Mark read", "filter": "Filter"},
}


class NoticesPage(Screen):
    """The Notices screen (docs/channels.md "Notices"); Chinese labels unless told."""

    def open(self) -> NoticesPage:
        self.page.goto("/notices")
        return self

    @property
    def nav_link(self) -> Locator:
        return self.page.get_by_test_id("nav-notices")

    @property
    def nav_count(self) -> Locator:
        """The unread count beside "Notices" in the nav; absent when none is unread."""
        return self.page.get_by_test_id("notices-unread")

    @property
    def notices(self) -> Locator:
        return self.page.get_by_test_id("notice")

    @property
    def unread_badges(self) -> Locator:
        return self.page.get_by_test_id("notice-unread")

    def mark_read(self, notice: Locator) -> None:
        notice.get_by_role("button", name=NOTICE_WORDS[self.locale]["mark_read"]).click()

    def mark_store_read(self, store: str) -> None:
        """Filter by the store, then "Mark all read"."""
        self.page.get_by_label(self.t["store"]).select_option(store)
        words = NOTICE_WORDS[self.locale]
        self.page.get_by_role("button", name=words["filter"], exact=True).click()
        self.page.get_by_test_id("mark-all-read").click()


class DeadlinesPage(Screen):
    """The deadlines board (docs/deadlines.md); Chinese labels unless told."""

    def open(self) -> DeadlinesPage:
        self.page.goto("/deadlines")
        return self

    @property
    def nav_link(self) -> Locator:
        return self.page.get_by_test_id("nav-deadlines")

    @property
    def rows(self) -> Locator:
        return self.page.get_by_test_id("deadline")

    @property
    def by_agent(self) -> Locator:
        return self.page.get_by_test_id("deadlines-by-agent")
