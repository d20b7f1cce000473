"""End-to-end: an agent corrects a buyer message to a sub-intent from the menu under it,
sees its label after the intent, and finds the conversation by the sub-intent filter."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Conversations
from tests.e2e.pages import ConversationPage, InboxPage

pytestmark = pytest.mark.e2e


def test_an_agent_corrects_a_message_to_a_sub_intent_and_sees_its_label(
    page: Page, conversations: Conversations
) -> None:
    row = conversations.claim(state="open")
    conversation = ConversationPage(page).open(row["id"])
    latest = conversation.thread.get_by_test_id("triage").last
    expect(latest).to_be_visible()
    menu = latest.get_by_label("更正意图")
    expect(menu.locator("option[value='short_shipment']")).to_have_text("错发/漏发 › 少发")

    menu.select_option(label="错发/漏发 › 少发")  # the sub-intent, under its parent

    latest = conversation.thread.get_by_test_id("triage").last
    expect(latest.locator(".badge.intent")).to_have_text("错发/漏发")  # the parent comes along
    expect(latest.get_by_test_id("sub-intent")).to_have_text("少发")
    expect(latest).to_contain_text("已人工更正")
    page.reload()
    latest = conversation.thread.get_by_test_id("triage").last
    expect(latest.get_by_test_id("sub-intent")).to_have_text("少发")

    inbox = InboxPage(page).open("state=all")
    with page.expect_response(lambda r: "/?" in r.url and r.request.method == "GET"):
        inbox.filters.get_by_label("细分意图").select_option(label="少发")
    expect(page).to_have_url(re.compile(r"sub_intent=short_shipment"))
    expect(inbox.row_for(row["id"])).to_be_visible()
