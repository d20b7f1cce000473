"""End-to-end, the Notices page (issue 18, docs/channels.md "Notices"): AliExpress sends a
system message to a connected store; the sync files it as a notice; the nav counts it, the
Notices page shows it unread beside the buyer's thread left in the inbox, the owner marks
the store's notices read in the browser, and the next sync tells AliExpress (read).

The shop, its `kefu serve` and the sandbox are tests/e2e/test_aliexpress_sync.py's.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.pages import InboxPage, NoticesPage
from tests.e2e.test_aliexpress_sync import (  # noqa: F401 - fixtures, by name
    STORE,
    Shop,
    ali_shop,
    page,
    sandbox,
)

pytestmark = pytest.mark.e2e


def test_a_platform_notice_is_read_on_the_notices_page_not_in_the_inbox(
    page: Page,  # noqa: F811 - the fixture
    ali_shop: Shop,  # noqa: F811 - the fixture
) -> None:
    kefu, face = ali_shop.kefu, ali_shop.face
    buyer = face.open_channel("es20261209", "Marta Ruiz")
    face.buyer_writes(buyer, "¿Tenéis la talla M?")
    system = face.open_channel("aliexpress", "AliExpress")
    face.notice(system, "Your store's response rate fell below 80% this week.")
    face.notice(system, "New rules for shipping to Spain from 1 January.")
    face.seller_sets(system, read=False)  # unread in AliExpress's message centre
    report = kefu.sync_marketplaces(STORE)
    assert (report.failed, report.stored) == ([], 3)

    inbox = InboxPage(page).open()
    expect(inbox.table).to_contain_text("Marta Ruiz")
    expect(inbox.rows).to_have_count(1)  # the buyer's thread only, not the system channel
    screen = NoticesPage(page)
    expect(screen.nav_count).to_have_text("2")

    screen.nav_link.click()
    expect(page).to_have_url(re.compile(r"/notices$"))
    expect(screen.notices).to_have_count(2)
    expect(screen.notices.first).to_contain_text("New rules for shipping to Spain")  # newest
    expect(screen.unread_badges).to_have_count(2)

    screen.mark_read(screen.notices.first)
    expect(screen.unread_badges).to_have_count(1)
    expect(screen.nav_count).to_have_text("1")
    screen.mark_store_read(STORE)
    expect(screen.unread_badges).to_have_count(0)
    expect(screen.notices).to_have_count(2)
    expect(screen.nav_count).to_have_count(0)

    assert face.channel(system)["read"] is False
    pushed = kefu.sync_marketplaces(STORE)
    assert (pushed.failed, pushed.push_errors) == ([], [])
    assert face.channel(system)["read"] is True
    assert face.channel(buyer)["read"] is False  # the buyer's thread is the agent's to read
