"""End-to-end: the owner creates an agent for one store; the agent signs in, sees only
that store, is refused the team page; the audit log shows both."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.pages import InboxPage

pytestmark = pytest.mark.e2e
PASSWORD = "violet-harbour-1987"


def test_owner_creates_an_agent_who_sees_only_their_store(
    page: Page, browser: Browser, server_url: str
) -> None:
    page.context.add_cookies([{"name": "kefu_locale", "value": "en", "url": server_url}])
    page.goto("/team")
    page.get_by_text("New sub-account").click()
    form = page.get_by_test_id("new-account-form")
    form.get_by_label("User name").fill("mei")
    form.get_by_label("First password (at least 10 characters)").fill(PASSWORD)
    form.get_by_label("Name shown to the team").fill("Mei <b>Chen</b>")
    form.get_by_label("Role").select_option("after_sale")
    form.get_by_label("Sunrise Outlet · eBay UK").check()
    form.get_by_label("Spanish").check()
    form.get_by_role("button", name="Create the account").click()
    expect(page.get_by_test_id("saved")).to_be_visible()

    agent = browser.new_context(base_url=server_url, locale="en-GB")
    agent.add_cookies([{"name": "kefu_locale", "value": "en", "url": server_url}])
    mei = agent.new_page()
    mei.goto("/")
    expect(mei).to_have_url(f"{server_url}/sign-in?next=%2F")
    mei.get_by_label("User name").fill("mei")
    mei.get_by_label("Password").fill(PASSWORD)
    mei.get_by_role("button", name="Sign in").click()
    expect(mei.get_by_test_id("me")).to_have_text("Mei <b>Chen</b>")  # escaped, not bold

    inbox = InboxPage(mei, "en")
    # An agent starts on their own conversations (none yet); all open ones are a tab away.
    expect(mei.get_by_test_id("view-mine")).to_have_attribute("aria-current", "page")
    mei.get_by_test_id("view-open").click()
    expect(mei.get_by_test_id("view-open")).to_have_attribute("aria-current", "page")
    expect(inbox.rows.first).to_be_visible()
    stores = {inbox.rows.nth(i).get_attribute("data-store") for i in range(inbox.rows.count())}
    assert stores == {"ebay-uk"}
    expect(mei.get_by_role("link", name="Team")).to_have_count(0)
    response = mei.goto("/team")
    assert response is not None and response.status == 403
    agent.close()

    page.goto("/audit")
    page.get_by_label("Action").select_option("account_create")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_test_id("audit").locator("tbody tr").first).to_contain_text("mei")
    page.get_by_label("Action").select_option("sign_in")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_test_id("audit").locator("tbody tr").first).to_contain_text(
        "Mei <b>Chen</b>"
    )
