"""End-to-end: the owner adds a store on the Stores page, sees it listed, then archives
it and sees it marked, with a Restore button."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e


def test_owner_adds_a_store_and_sees_it_listed(page: Page, server_url: str) -> None:
    page.context.add_cookies([{"name": "kefu_locale", "value": "en", "url": server_url}])
    page.goto("/shop")
    page.get_by_text("Add a store").click()
    form = page.get_by_test_id("new-store-form")
    form.get_by_label("Code (a-z, 0-9 and -; imports name the store by it)").fill("amazon-de-e2e")
    form.get_by_label("Store name", exact=True).fill("Sunrise Home · Amazon DE")
    form.get_by_label("Platform").select_option("amazon")
    form.get_by_label("Marketplace site").select_option("amazon.de")
    form.get_by_label("Currency (ISO 4217, e.g. USD)").fill("EUR")
    form.get_by_label("Time zone", exact=True).fill("Europe/Berlin")
    form.get_by_label("Holiday country (e.g. CN; empty: none)").fill("DE")
    form.get_by_role("button", name="Add the store").click()
    expect(page.get_by_test_id("saved")).to_be_visible()
    row = page.get_by_test_id("stores").locator('tr[data-store="amazon-de-e2e"]')
    expect(row).to_contain_text("Sunrise Home · Amazon DE")
    expect(row).to_contain_text("EUR")

    # archived: marked, with a Restore button (and out of the other tests' inbox)
    page.locator("#store-amazon-de-e2e").get_by_test_id("archive").click()
    expect(row.get_by_test_id("archived")).to_be_visible()
    expect(page.locator("#store-amazon-de-e2e").get_by_test_id("restore")).to_be_visible()
