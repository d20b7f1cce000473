"""End-to-end: an agent picks a filled suggestion and sends it; Amazon's policy blocks e-mail."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import APIRequestContext, Page, expect

from tests.e2e.conftest import Conversations
from tests.e2e.pages import ConversationPage

pytestmark = pytest.mark.e2e


def _with_suggestions(api: APIRequestContext) -> Any:
    def has(row: dict[str, Any]) -> bool:
        response = api.get(f"/api/v1/conversations/{row['id']}/suggestions")
        return response.ok and len(response.json()) > 0

    return has


def test_pick_a_suggestion_see_it_filled_and_send_it(
    page: Page, conversations: Conversations, api: APIRequestContext
) -> None:
    row = conversations.claim(_with_suggestions(api), state="open", platform="aliexpress")
    conversation = ConversationPage(page).open(row["id"])
    before = conversation.messages.count()
    cards = page.get_by_test_id("suggestion")
    expect(cards.first).to_be_visible()
    assert cards.count() <= 3
    cards.first.locator("summary").click()  # a card is one line until opened
    text = cards.first.locator(".text").inner_text()
    assert "{" not in text and "XXXX" not in text

    cards.first.get_by_role("button").click()
    expect(conversation.reply_box).to_have_value(text)
    conversation.send_button.click()

    expect(conversation.messages).to_have_count(before + 1)
    expect(conversation.messages.last).to_contain_text(text.splitlines()[0])
    expect(conversation.messages.last.get_by_test_id("delivery")).to_be_visible()


def test_amazon_reply_with_an_email_is_blocked_at_the_exact_place(
    page: Page, conversations: Conversations
) -> None:
    row = conversations.claim(state="open", platform="amazon")
    conversation = ConversationPage(page).open(row["id"])
    before = conversation.messages.count()
    draft = "Hello, please write to me at lily.shop@gmail.com for a faster answer."

    conversation.reply_box.fill(draft)
    # The check runs as the agent types, before anything is sent.
    expect(page.locator('#policy [data-rule="email_address"]')).to_be_visible()

    conversation.send_button.click()
    marked = page.get_by_test_id("marked-text").locator("mark")
    expect(marked).to_have_text("lily.shop@gmail.com")
    expect(conversation.reply_box).to_have_value(draft)
    expect(conversation.messages).to_have_count(before)
