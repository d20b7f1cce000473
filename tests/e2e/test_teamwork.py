"""End-to-end team work (docs/team.md "Working together"), with two agents signed in at
once in two browser contexts: a note that mentions the other, the warning that someone
else is viewing or typing, the refusal of a second reply to one buyer message, and the
tab title that counts unread work as it arrives, without a reload."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
from playwright.sync_api import APIRequestContext, Browser, Page, expect

from tests.e2e.conftest import Conversations, sign_in
from tests.e2e.pages import ConversationPage

pytestmark = pytest.mark.e2e

Agent = Callable[[str], Page]


@pytest.fixture
def agent(browser: Browser, server_url: str) -> Iterator[Agent]:
    """A page in a fresh browser context signed in as the given demo account."""
    contexts = []

    def open_as(username: str) -> Page:
        context = browser.new_context(base_url=server_url, viewport={"width": 1400, "height": 1000})
        context.set_default_timeout(15_000)
        sign_in(context.request, username)
        contexts.append(context)
        return context.new_page()

    yield open_as
    for context in contexts:
        context.close()


def _seen_by(page: Page) -> Callable[[dict[str, object]], bool]:
    def sees(row: dict[str, object]) -> bool:
        return page.request.get(f"/api/v1/conversations/{row['id']}").ok

    return sees


def test_a_note_mentions_a_teammate_who_is_notified(
    agent: Agent, conversations: Conversations
) -> None:
    owner, wangwei = agent("owner"), agent("wangwei")
    row = conversations.claim(_seen_by(wangwei), state="open", platform="aliexpress")
    wangwei.goto("/")
    expect(wangwei.get_by_test_id("bell")).to_be_visible()

    conversation = ConversationPage(owner).open(row["id"])
    before = conversation.messages.count()
    owner.get_by_test_id("mention-picker").get_by_role("button", name="王伟 Wang Wei").click()
    expect(owner.get_by_test_id("note-text")).to_have_value("@wangwei ")
    owner.get_by_test_id("note-text").press_sequentially("请核对退款金额")
    owner.get_by_test_id("add-note").click()

    note = owner.get_by_test_id("note")
    expect(note).to_have_count(1)
    expect(note).to_contain_text("内部备注")
    expect(note).to_contain_text("@wangwei 请核对退款金额")
    expect(conversation.messages).to_have_count(before + 1)  # in the thread, not sent
    expect(note.get_by_test_id("delivery")).to_have_count(0)

    # wangwei's open inbox hears of it without a reload: the bell counts it
    expect(wangwei.get_by_test_id("bell-count")).to_be_visible(timeout=15_000)
    wangwei.get_by_test_id("bell").click()
    mention = wangwei.get_by_test_id("notification").first
    expect(mention).to_contain_text("王店长 (Owner) 提到了你")
    expect(mention).to_contain_text("请核对退款金额")


def test_two_agents_see_each_other_and_the_second_reply_is_refused(
    agent: Agent, conversations: Conversations
) -> None:
    owner, wangwei = agent("owner"), agent("wangwei")
    row = conversations.claim(_seen_by(wangwei), state="open", platform="aliexpress")
    first = ConversationPage(owner).open(row["id"])
    second = ConversationPage(wangwei).open(row["id"])

    expect(owner.get_by_test_id("presence")).to_contain_text(
        "王伟 Wang Wei 正在查看此会话", timeout=15_000
    )
    second.reply_box.press_sequentially("Hello")
    expect(owner.get_by_test_id("presence")).to_contain_text(
        "王伟 Wang Wei 正在输入回复", timeout=15_000
    )

    before = first.messages.count()
    first.reply_box.fill("Thank you, we are checking your order now.")
    first.send_button.click()
    expect(first.messages).to_have_count(before + 1)
    # the conversation was swapped in place: the warning is back at once
    expect(owner.get_by_test_id("presence")).to_contain_text("王伟 Wang Wei", timeout=5_000)

    second.reply_box.fill("Hello, thanks for waiting, we are on it.")
    second.send_button.click()
    refusal = wangwei.get_by_test_id("collision")
    expect(refusal).to_contain_text(
        re.compile(r"王店长 \(Owner\) 已于 .+ 回复了这条消息——请先阅读再发送")
    )
    # the first reply is in the thread now, the draft kept
    expect(second.messages).to_have_count(before + 1)
    expect(second.reply_box).to_have_value("Hello, thanks for waiting, we are on it.")
    refusal.get_by_test_id("send-anyway").check()
    second.send_button.click()
    expect(second.messages).to_have_count(before + 2)
    expect(wangwei.get_by_test_id("collision")).to_have_count(0)


def test_the_tab_title_counts_a_new_message_without_a_reload(
    agent: Agent, api: APIRequestContext
) -> None:
    wangwei = agent("wangwei")
    thread = f"e2e-team-{uuid.uuid4().hex[:8]}"

    def buyer_writes(n: int) -> None:
        sent = api.post(
            "/api/v1/messages",
            data={
                "store": "ali-global",
                "conversation_id": thread,
                "message_id": f"{thread}-{n}",
                "buyer_id": f"{thread}-buyer",
                "buyer_name": "Team Test",
                "sent_at": datetime.now(UTC).isoformat(),
                "text": f"Hello, where is my parcel? ({n})",
            },
        )
        assert sent.ok, sent.text()

    buyer_writes(1)
    found = api.get("/api/v1/conversations", params={"page_size": "200"}).json()["rows"]
    conversation_id = next(r["id"] for r in found if r["buyer_name"] == "Team Test")
    wangwei_id = _account_id(api, "王伟 Wang Wei")
    assert api.put(
        f"/api/v1/conversations/{conversation_id}/assignee", data={"assignee_id": wangwei_id}
    ).ok
    ConversationPage(wangwei).open(conversation_id)  # read: no longer unread
    wangwei.goto("/notifications")
    wangwei.get_by_test_id("mark-all-read").click()
    counts = wangwei.request.get("/api/v1/notifications").json()
    before = counts["unread"] + counts["unread_conversations"]
    settled = rf"^\({before}\) " if before else r"^(?!\(\d+\))"
    expect(wangwei).to_have_title(re.compile(settled))

    buyer_writes(2)  # the conversation is unread again: one more, without a reload
    expect(wangwei).to_have_title(re.compile(rf"^\({before + 1}\) "), timeout=15_000)
    assert wangwei.url.endswith("/notifications")


def _account_id(api: APIRequestContext, name: str) -> int:
    accounts = api.get("/api/v1/filters")
    assert accounts.ok, accounts.text()
    return next(int(i) for i, shown in accounts.json()["accounts"] if shown == name)


def test_an_agent_hands_their_conversation_to_a_teammate(
    agent: Agent, conversations: Conversations, api: APIRequestContext
) -> None:
    wangwei = agent("wangwei")
    me, teammate = _account_id(api, "王伟 Wang Wei"), _account_id(api, "张敏 Zhang Min")

    def seen_when_not_his(found: dict[str, object]) -> bool:
        # Seen while someone else holds it (asked now: earlier tests reassign), so still
        # seen once the teammate holds it: both conversations stay on his screen.
        now = api.get(f"/api/v1/conversations/{found['id']}").json()
        return bool(now["assignee_id"] != me and _seen_by(wangwei)(found))

    row = conversations.claim(seen_when_not_his, state="open", platform="aliexpress")
    other = conversations.claim(seen_when_not_his, state="open", platform="aliexpress")
    for conversation_id, holder in ((row["id"], me), (other["id"], teammate)):
        assert api.put(
            f"/api/v1/conversations/{conversation_id}/assignee", data={"assignee_id": holder}
        ).ok

    # not theirs: the menu says why, and a try is refused in words, not in silence
    ConversationPage(wangwei).open(other["id"])
    expect(wangwei.get_by_test_id("handover-hint")).to_contain_text("只有主管或负责此会话的客服")
    wangwei.locator("#conversation").get_by_label("负责人").select_option("")
    expect(wangwei.get_by_test_id("refusal")).to_contain_text("你只能转交分配给你的会话")

    # theirs: the menu offers teammates who have the store; the choice is notified
    ConversationPage(wangwei).open(row["id"])
    expect(wangwei.get_by_test_id("handover-hint")).to_contain_text("你可以转交给")
    # Asked through htmx (processed first: the body may have been swapped a moment ago),
    # and the answer waited for, so a refusal would show here and not as a stale hint.
    with wangwei.expect_response(lambda r: r.url.endswith(f"/{row['id']}/assign")) as handed:
        wangwei.evaluate("htmx.process(document.getElementById('conversation'))")
        wangwei.locator("#conversation").get_by_label("负责人").select_option(str(teammate))
    assert handed.value.status == 200, handed.value.text()
    expect(wangwei.get_by_test_id("handover-hint")).to_contain_text("只有主管或负责此会话的客服")
    zhangmin = agent("zhangmin")
    zhangmin.goto("/notifications")
    expect(zhangmin.get_by_test_id("notification").first).to_contain_text(
        "王伟 Wang Wei 把一个会话转交给你"
    )
