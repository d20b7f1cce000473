"""End-to-end with AliExpress's orders (docs/channels.md "Orders from the platforms"): a
buyer orders on the sandbox marketplace's AliExpress face and writes about the order; the
owner presses "Sync now" on the Stores page and reads what came in; the conversation shows
the order, its line and its parcel beside the buyer's message. The shop, the server and
the sandbox are those of tests/e2e/test_aliexpress_sync.py (its fixtures)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.pages import InboxPage
from tests.e2e.test_aliexpress_sync import (  # noqa: F401 - pytest fixtures
    BUYER,
    BUYER_NAME,
    STORE,
    Shop,
    ali_shop,
    page,
    sandbox,
)

pytestmark = pytest.mark.e2e


def test_sync_now_brings_the_order_and_the_conversation_shows_it(
    page: Page,  # noqa: F811 - the fixture
    ali_shop: Shop,  # noqa: F811 - the fixture
) -> None:
    books = ali_shop.face.orders
    placed = books.place(BUYER, BUYER_NAME, [("AE-LAMP-01", "Desk lamp", 2, "12.50")])
    books.ship(placed, "LP00123456789CN")
    channel = ali_shop.face.open_channel(BUYER, BUYER_NAME, order_id=placed)
    ali_shop.face.buyer_writes(channel, "¿Dónde está mi lámpara?")

    page.goto("/shop")
    panel = page.get_by_test_id(f"connection-{STORE}")
    panel.get_by_role("button", name="立即同步").click()
    records = page.get_by_test_id("sync-records")
    # Chinese UI: a product, the order and its parcel are new; nothing refused.
    expect(records).to_have_text(
        "订单、商品和包裹：新增 3，更新 0，未变 0，早于已存 0，等待订单 0，拒绝 0。"
    )
    expect(page.get_by_test_id("sync-report")).to_contain_text("拉取 1 条消息")

    conversation = InboxPage(page).open().open_conversation(BUYER_NAME)
    expect(conversation.messages.last).to_contain_text("¿Dónde está mi lámpara?")
    expect(page.get_by_test_id("order-number")).to_have_text(str(placed))
    expect(page.get_by_role("cell", name="AE-LAMP-01")).to_be_visible()
    expect(page.get_by_test_id("tracking-number")).to_have_text("LP00123456789CN")
