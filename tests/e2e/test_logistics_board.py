"""End-to-end, the logistics board (issue 21, docs/logistics.md): the demo's parcel waiting
at the post office is on the board; an agent sends the proposed message with one click and
the conversation shows it; the demo's Amazon parcel lost on the way becomes a task and
no message."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import create_engine, func, select

from kefu.adapters.db import tables as t
from kefu.demo.parcels import AMAZON_LOST_ORDER, PLANS, POST_OFFICE_ORDER
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e

NUMBER = {plan.order_number: plan.tracking_number for plan in PLANS}


@pytest.fixture
def agent_page(browser: Browser, server_url: str) -> Iterator[Page]:
    """Li Na, a pre-sale agent with the AliExpress and Amazon stores; Chinese UI."""
    context = browser.new_context(base_url=server_url, viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(10_000)
    sign_in(context.request, "lina")
    page = context.new_page()
    yield page
    context.close()


def _filter(page: Page, anomaly: str) -> None:
    page.locator("select[name=anomaly]").select_option(anomaly)
    page.get_by_role("button", name="筛选", exact=True).click()


def test_the_agent_sends_the_post_office_message_and_the_conversation_shows_it(
    agent_page: Page,
) -> None:
    page = agent_page
    page.goto("/")
    page.get_by_test_id("nav-logistics").click()
    expect(page).to_have_url(re.compile(r"/logistics$"))
    expect(page.locator("#logistics-chart")).to_have_attribute("data-drawn", "9")
    _filter(page, "awaiting_pickup")
    line = page.locator(
        f'[data-testid="logistics-line"][data-tracking="{NUMBER[POST_OFFICE_ORDER]}"]'
    )
    expect(line).to_have_count(1)
    expect(line).to_contain_text("到达当地邮局待取")
    expect(line).to_contain_text("Lucía Fernández")
    line.get_by_role("button", name="发送消息").click()
    result = page.get_by_test_id("logistics-result")
    expect(result).to_have_count(1)
    expect(result).to_have_attribute("data-outcome", "sent")
    expect(line).to_have_count(0)  # handled: hidden unless "show handled"
    result.get_by_role("link", name="打开会话").click()
    expect(page).to_have_url(re.compile(r"/conversations/\d+$"))
    expect(page.get_by_text(re.compile(r"¡Hola, Lucía!")).first).to_be_visible()
    expect(page.get_by_text(re.compile(NUMBER[POST_OFFICE_ORDER])).first).to_be_visible()


def test_an_amazon_anomaly_becomes_a_task_and_no_message(agent_page: Page, demo_db: str) -> None:
    """The click makes the task, unless the server's `logistics_tasks` job got there
    first (it runs every 15 minutes): then the line is handled and the click does nothing
    more. Either way one task, no message."""
    page = agent_page
    page.goto("/logistics?show_handled=true")
    _filter(page, "lost")
    line = page.locator(
        f'[data-testid="logistics-line"][data-tracking="{NUMBER[AMAZON_LOST_ORDER]}"]'
    )
    expect(line).to_have_attribute("data-platform", "amazon")
    line.get_by_role("button", name="创建任务").click()
    expect(page.get_by_test_id("logistics-result")).to_have_attribute(
        "data-outcome", re.compile(r"^(task|already)$")
    )
    task = page.locator('[data-testid="task"][data-key$=":lost"]').filter(
        has_text=NUMBER[AMAZON_LOST_ORDER]
    )
    expect(task).to_have_count(1)
    engine = create_engine(demo_db)
    try:
        with engine.connect() as conn:
            sent = conn.execute(
                select(func.count())
                .select_from(t.Message)
                .where(t.Message.text.contains(NUMBER[AMAZON_LOST_ORDER]))
            ).scalar_one()
    finally:
        engine.dispose()
    assert sent == 0
