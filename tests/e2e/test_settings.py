"""End-to-end: a shop lead words a template with a live preview and sets keyword replies."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import APIRequestContext, Page, expect

pytestmark = pytest.mark.e2e

STORE = "ebay-uk"  # no other browser test reads this store's settings


@pytest.fixture
def lead(page: Page, server_url: str, api: APIRequestContext) -> Iterator[Page]:
    """The settings page in English; the store's settings are put back afterwards."""
    page.context.add_cookies([{"name": "kefu_locale", "value": "en", "url": server_url}])
    before: dict[str, Any] = api.get(f"/api/v1/stores/{STORE}/reply-settings").json()
    yield page
    api.put(f"/api/v1/stores/{STORE}/reply-settings/auto-replies", data=before["auto_replies"])
    api.put(f"/api/v1/stores/{STORE}/templates/feedback_thanks/es", data={"text": None})


def test_lead_rewords_a_template_with_a_live_preview(lead: Page) -> None:
    lead.goto(f"/settings/replies?store={STORE}")
    lead.get_by_role("link", name="Templates", exact=True).click()
    lead.get_by_role("link", name="Thanks for the feedback").click()
    lead.get_by_role("link", name="es", exact=True).click()

    box = lead.get_by_label("Wording in Spanish")
    box.fill("¡Gracias, {buyer_name}! 🌸 שלום\n{signature}")
    preview = lead.get_by_test_id("preview-text")
    expect(preview).to_contain_text("¡Gracias, Anna! 🌸 שלום")  # emoji and Hebrew kept as typed

    box.fill("¡Gracias, {cliente}!")
    expect(lead.get_by_test_id("preview-problem")).to_contain_text("unknown variable")

    box.fill("¡Mil gracias por tu reseña, {buyer_name}!\n{signature}")
    expect(preview).to_contain_text("Mil gracias por tu reseña, Anna!")
    lead.get_by_role("button", name="Save wording").click()
    expect(lead.get_by_test_id("saved")).to_be_visible()
    expect(lead.locator('tr[data-key="feedback_thanks"]')).to_contain_text("own wording")

    lead.get_by_role("button", name="Back to kefu's wording").click()
    expect(lead.locator('tr[data-key="feedback_thanks"]')).not_to_contain_text("own wording")


def test_lead_is_told_a_keyword_set_needs_three_and_nothing_is_saved(
    lead: Page, api: APIRequestContext
) -> None:
    lead.goto(f"/settings/replies?store={STORE}")
    lead.get_by_role("link", name="Auto-replies", exact=True).click()
    for row in range(1, 10):
        lead.get_by_label(f"Keyword {row}", exact=True).fill("")
        lead.get_by_label(f"Content {row}", exact=True).fill("")
        lead.get_by_label(f"Reply with {row}", exact=True).select_option("text")
    lead.get_by_label("Keyword 1", exact=True).fill("returns")
    lead.get_by_label("Content 1", exact=True).fill("Returns are free within 30 days.")
    lead.get_by_label("Keyword 2", exact=True).fill("coupon")
    lead.get_by_label("Reply with 2", exact=True).select_option("coupon")
    lead.get_by_label("Content 2", exact=True).fill("SPRING-10")
    lead.get_by_role("button", name="Save automatic replies").click()

    expect(lead.get_by_test_id("errors")).to_contain_text("3 to 9 keywords")
    expect(lead.get_by_label("Keyword 2", exact=True)).to_have_value("coupon")  # input kept
    stored = api.get(f"/api/v1/stores/{STORE}/reply-settings").json()["auto_replies"]
    assert "returns" not in [k["keyword"] for k in stored["keywords"]]

    lead.get_by_label("Keyword 3", exact=True).fill("size")
    lead.get_by_label("Reply with 3", exact=True).select_option("image")
    lead.get_by_label("Content 3", exact=True).fill("https://img.example.com/size.png")
    lead.get_by_role("button", name="Save automatic replies").click()
    expect(lead.get_by_test_id("saved")).to_be_visible()
    stored = api.get(f"/api/v1/stores/{STORE}/reply-settings").json()["auto_replies"]
    assert [k["keyword"] for k in stored["keywords"]] == ["returns", "coupon", "size"]


def test_a_welcome_with_an_email_address_is_refused_on_the_amazon_store_with_the_reason(
    page: Page, server_url: str, api: APIRequestContext
) -> None:
    """Amazon forbids contact off the platform, in automatic replies as in an agent's: the
    preview says so as the lead types, and saving is refused with the reason beside it."""
    amazon = "amazon-us"
    page.context.add_cookies([{"name": "kefu_locale", "value": "en", "url": server_url}])
    page.goto(f"/settings/replies?store={amazon}&template=welcome&lang=en#wording")
    box = page.get_by_label("Wording in English")
    wording = (
        "Hello! Thank you for writing to {store_name}. Our team answers during "
        "{working_hours}. Questions? Write to help.sunrise@gmail.com"
    )
    box.fill(wording)
    expect(page.get_by_test_id("preview-findings")).to_contain_text("help.sunrise@gmail.com")
    page.get_by_role("button", name="Save wording").click()
    errors = page.get_by_test_id("errors")
    expect(errors).to_contain_text("help.sunrise@gmail.com")
    expect(page.get_by_label("Wording in English")).to_have_value(wording)  # input kept
    templates = api.get("/api/v1/templates", params={"store": amazon}).json()
    welcome = next(t for t in templates if t["key"] == "welcome")
    assert "en" not in welcome["own_wording"]
