"""An after-sale case from end to end (docs/cases.md), on SPEC §8's example: the demo's new
buyer whose dress arrived damaged gets an exchange. The agent opens the case from the
conversation, moves it through every step, and sees its clocks and the conversation's
colour mark change."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import APIRequestContext, Page, expect

from tests.e2e.conftest import Conversations

pytestmark = pytest.mark.e2e

# (step button, the state it leads to, what the shop's clock says then)
STEPS = (
    ("approve", "已同意", "已暂停：等待买家"),
    ("return_shipped", "买家已寄回", "已暂停：等待买家"),
    ("receive_return", "已收到退货", "剩余"),
    ("inspect", "已检验", "剩余"),
    ("ship", "新货已发出", "已暂停：等待买家"),
    ("confirm_delivery", "买家已签收", "剩余"),
    ("close", "已关闭", "—"),
)


def test_an_exchange_for_the_damaged_garment_goes_through_every_step(
    page: Page, api: APIRequestContext, conversations: Conversations
) -> None:
    conversation = conversations.damaged_garment_id()
    # The demo marked it red by hand; start from no mark to see the case set it.
    cleared = api.put(
        f"/api/v1/conversations/{conversation}/colour-mark", data={"colour_mark": None}
    )
    assert cleared.ok, cleared.text()
    page.goto(f"/conversations/{conversation}")
    expect(page.get_by_test_id("current-mark")).to_have_count(0)
    panel = page.get_by_test_id("cases-panel")
    panel.get_by_test_id("open-case").click()
    panel.get_by_test_id("case-kind").select_option("exchange")
    panel.get_by_test_id("case-reason").select_option("damaged")
    panel.get_by_test_id("case-solution").select_option("exchange")
    panel.get_by_test_id("case-line").first.check()
    panel.get_by_test_id("case-description").fill("左侧接缝撕裂，买家发来了照片；发货前已检查过。")
    panel.get_by_test_id("open-case-submit").click()
    page.wait_for_url(re.compile(r"/cases/\d+$"))
    case_url = page.url
    expect(page.get_by_test_id("case-state")).to_have_text("待店铺处理")
    expect(page.get_by_test_id("case-order")).to_have_text(re.compile(r"\d+"))
    expect(page.get_by_test_id("shop-deadline")).to_contain_text("剩余")
    # AliExpress gives no deadline for an exchange the shop agreed with the buyer.
    expect(page.get_by_test_id("platform-deadline")).to_contain_text("不计时")

    walked = 0
    for action, state, shop_clock in STEPS:
        form = page.get_by_test_id("case-step-form")
        form.get_by_test_id("case-step-reason").fill(f"{action}: 已与买家确认")
        if action == "ship":
            form.get_by_test_id("case-step-tracking").fill("LP00613800138002")
            form.get_by_test_id("case-step-carrier").fill("Cainiao")
        form.get_by_test_id(f"step-{action}").click()
        expect(page.get_by_test_id("case-state")).to_have_text(state)
        expect(page.get_by_test_id("shop-deadline")).to_contain_text(shop_clock)
        walked += 1
    assert walked == len(STEPS) == 7
    history = page.get_by_test_id("case-step")
    expect(history).to_have_count(8)  # opened, then the seven steps
    expect(history.nth(5)).to_contain_text("LP00613800138002")
    expect(page.get_by_test_id("case-step-form")).to_have_count(0)  # closed: nothing left

    # The case set the conversation's mark: a quality problem is red.
    page.get_by_test_id("case-conversation").click()
    expect(page.get_by_test_id("current-mark")).to_have_text("红色")
    expect(page.get_by_test_id("cases-panel").get_by_test_id("case-state")).to_have_text("已关闭")
    # Closing asked the buyer how it went, in her language, through the outbox.
    assert page.url.endswith(f"/conversations/{conversation}")
    expect(page.get_by_text("How satisfied are you with our service?").first).to_be_visible()
    page.goto(case_url)
    expect(page.get_by_test_id("case-state")).to_have_text("已关闭")
