"""End-to-end: the Search page of the demo shop (docs/search.md).

A Chinese word finds a Russian message through its stored Chinese translation (the demo's
translations, origin "demo"); an order number finds its conversation first; an agent not
given ebay-uk never finds its conversations, which the owner finds.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e

# The demo (seed 7): a Russian buyer on ali-global asks to change the address, "я переехал",
# which the team's translation says as 我搬家了; order 8030000001243283 is Joanna Nowak's.
MOVED_IN_CHINESE = "搬家"
RUSSIAN_WORDS = "я переехал"
ORDER = "8030000001243283"
ORDER_BUYER = "Joanna Nowak"
# Words of an ebay-uk buyer (Spanish: "customs duties").
EBAY_WORDS = "aranceles"


def _search(page: Page, q: str) -> None:
    page.goto("/search")
    page.get_by_test_id("search-q").fill(q)
    page.get_by_test_id("search-go").click()
    expect(page.get_by_test_id("search-summary")).to_be_visible()


@pytest.fixture
def agent_page(browser: Browser, server_url: str) -> Iterator[Page]:
    """lina, pre-sale, given ali-global, amazon-us and wish-global but not ebay-uk."""
    context = browser.new_context(base_url=server_url, viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(10_000)
    sign_in(context.request, "lina")
    yield context.new_page()
    context.close()


def test_a_chinese_word_finds_a_russian_message_through_its_translation(page: Page) -> None:
    _search(page, MOVED_IN_CHINESE)
    rows = page.get_by_test_id("search-result")
    expect(rows).to_have_count(1)
    expect(rows.first.locator("mark")).to_have_text(MOVED_IN_CHINESE)
    found = rows.first.get_attribute("data-conversation-id")
    rows.first.locator("a").click()
    expect(page).to_have_url(re.compile(f"/conversations/{found}$"))
    expect(page.get_by_text(RUSSIAN_WORDS).first).to_be_visible()


def test_an_order_number_finds_its_conversation_first(page: Page) -> None:
    _search(page, ORDER)
    first = page.get_by_test_id("search-result").first
    expect(first).to_contain_text(ORDER_BUYER)
    expect(first).to_contain_text(ORDER)


def test_an_agent_never_finds_another_stores_conversation(page: Page, agent_page: Page) -> None:
    _search(page, EBAY_WORDS)
    owner_rows = page.get_by_test_id("search-result")
    expect(owner_rows.first).to_be_visible()
    assert owner_rows.count() >= 1
    ids = [r.get_attribute("data-conversation-id") for r in owner_rows.all()]
    _search(agent_page, EBAY_WORDS)
    agent_ids = [
        r.get_attribute("data-conversation-id")
        for r in agent_page.get_by_test_id("search-result").all()
    ]
    assert not set(ids) & set(agent_ids), (ids, agent_ids)
    # Nor by opening it: the conversation is, for the agent, not there.
    response = agent_page.goto(f"/conversations/{ids[0]}")
    assert response is not None and response.status == 404
