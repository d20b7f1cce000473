"""End-to-end: the pages a person meets off the main path speak the UI language — an
unknown address, a refused page — the product picker is searchable, and the API docs
render with every request to another host blocked."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, Route, expect

from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e


def test_an_unknown_address_and_a_refused_page_are_pages_in_the_ui_language(
    page: Page, browser: Browser, server_url: str
) -> None:
    response = page.goto("/no-such-page")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", name="此页面不存在。")).to_be_visible()
    expect(page.get_by_role("link", name="返回收件箱")).to_be_visible()
    expect(page.get_by_test_id("me")).to_be_visible()  # the layout stays: the agent goes on

    agent = browser.new_context(base_url=server_url)
    sign_in(agent.request, "lina")
    lina = agent.new_page()
    refused = lina.goto("/audit")
    assert refused is not None and refused.status == 403
    expect(lina.get_by_test_id("error-page")).to_contain_text("不允许")
    expect(lina.locator("body")).not_to_contain_text('"detail"')
    agent.close()


def test_the_product_picker_of_a_sub_account_filters_as_the_owner_types(page: Page) -> None:
    page.goto("/team")
    page.locator("tr[data-username='lina'] a").click()
    picker = page.get_by_test_id("products-form")
    choices = picker.locator("[data-choice]")
    total = choices.count()
    assert total > 4
    search = picker.get_by_test_id("product-filter")
    search.fill("dress")
    expect(picker.locator("[data-choice]:visible")).not_to_have_count(total)
    shown = picker.locator("[data-choice]:visible")
    assert 0 < shown.count() < total
    for text in shown.all_inner_texts():
        assert "dress" in text.lower()
    expect(page.locator("#product-choices-shown")).to_have_text(str(shown.count()))
    first = shown.first
    sku = first.inner_text().split(" · ")[0].strip()
    first.locator("input").check()
    search.fill("no product is called this")
    expect(picker.locator("[data-choice]:visible")).to_have_count(1)  # the ticked one stays
    picker.get_by_role("button", name="保存商品").click()
    expect(page.get_by_test_id("saved")).to_be_visible()
    kept = page.get_by_test_id("products-form").locator("[data-choice]", has_text=sku)
    expect(kept.locator("input")).to_be_checked()


def test_a_new_sub_account_form_starts_with_real_shift_hours(page: Page) -> None:
    page.goto("/team")
    page.get_by_text("新建子账号").click()
    form = page.get_by_test_id("new-account-form")
    expect(form.locator("input[name='start_0']")).to_have_value("09:00")
    expect(form.locator("input[name='end_4']")).to_have_value("18:00")
    expect(form.locator("input[name='start_5']")).to_have_value("")
    assert form.locator("input[placeholder]").count() == 0


def test_the_api_docs_list_the_operations_with_every_other_host_blocked(
    browser: Browser, server_url: str
) -> None:
    context = browser.new_context(base_url=server_url)
    blocked: list[str] = []

    def only_here(route: Route) -> None:
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    context.route("**/*", only_here)
    docs = context.new_page()
    docs.goto("/docs")
    expect(docs.locator(".opblock").first).to_be_visible()
    assert docs.locator(".opblock").count() > 20
    expect(
        docs.locator(".opblock-summary-path[data-path='/api/v1/messages']").first
    ).to_be_visible()
    assert blocked == []
    context.close()


def test_the_token_form_offers_no_payment_rights(page: Page) -> None:
    page.goto("/account")
    rights = page.locator("input[name='scopes']")
    values = [rights.nth(i).get_attribute("value") for i in range(rights.count())]
    assert len(values) == 19  # manage_model added (issue 22)
    assert not {"collect_payments", "withdraw_money", "enrol_marketing"} & set(values)
    expect(page.locator("main")).not_to_contain_text(re.compile("收款|提现"))
