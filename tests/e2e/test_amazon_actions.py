"""End-to-end with Amazon's SP-API (issue 18, docs/channels.md "Amazon"): an Amazon order
pulled from the sandbox's Amazon face and written through the import API, a buyer's relay
mail about it in the inbox; on the conversation's side panel the agent sees the messages
Amazon allows for that order, sends one, and the sandbox shows it once; a text with an
e-mail address is stopped by the policy check and never reaches Amazon.

Its own `kefu serve` on a fresh SQLite file (or a fresh schema of KEFU_TEST_DATABASE_URL)
with a secret key; the sandbox is served over HTTP by uvicorn in this process.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from playwright.sync_api import Browser, Page, expect
from pydantic import SecretStr
from sqlalchemy import text

from kefu.adapters.marketplaces.amazon import AmazonClient
from kefu.adapters.marketplaces.sandbox import AmazonFace
from kefu.adapters.marketplaces.sandbox.amazon import Item
from kefu.bootstrap import Kefu, bootstrap
from kefu.config import Settings
from kefu.domain.stores import StoreDraft
from kefu.services import inbox, shop, shopdata, sync
from tests.e2e.conftest import serving, sign_in
from tests.factories import acting
from tests.sandbox_server import aliexpress_face, serve_sandbox

pytestmark = pytest.mark.e2e

STORE = "amz-e2e"
OWNER, OWNER_PASSWORD = "boss", "amazon-e2e-secret-1"
CLIENT_ID, CLIENT_SECRET, REFRESH = "amzn1.application-oa2-client.e2e", "lwa-e2e", "Atzr|e2e"
ALIAS = "q7kx2vb9m1@marketplace.amazon.com"


@dataclass(frozen=True)
class Shop:
    url: str
    kefu: Kefu
    face: AmazonFace
    amazon_url: str


@pytest.fixture
def amazon_shop(database: str, tmp_path: Path) -> Iterator[Shop]:
    """An owner, an Amazon store connected to the sandbox, then `kefu serve`."""
    face = AmazonFace()
    face.add_app(CLIENT_ID, CLIENT_SECRET, REFRESH)
    key = Fernet.generate_key().decode()
    queue = f"sqlite:///{tmp_path / 'jobs.db'}"
    kefu = bootstrap(Settings(database_url=database, queue_url=queue, secret_key=SecretStr(key)))
    with serve_sandbox(aliexpress_face(), amazon=face) as ali_url:
        amazon_url = ali_url.replace("/aliexpress", "/amazon")
        try:
            kefu.upgrade()
            kefu.auth.set_up_owner(OWNER, "店长", OWNER_PASSWORD, uow=kefu.uow(), clock=kefu.clock)
            owner = acting(kefu, OWNER)
            draft = StoreDraft(
                STORE, "amazon", "amazon.com", "Amz E2E", "USD", "America/Los_Angeles", "US"
            )
            shop.create_store(
                owner, draft, checks=kefu.store_checks, uow=kefu.uow(), clock=kefu.clock
            )
            keys = {"refresh_token": REFRESH, "client_id": CLIENT_ID}
            sync.connect_store(
                owner,
                STORE,
                base_url=amazon_url,
                credentials=keys | {"client_secret": CLIENT_SECRET},
                secrets=kefu.secrets,
                uow=kefu.uow(),
                clock=kefu.clock,
            )
            with serving(
                database, tmp_path / "serve.log", KEFU_SECRET_KEY=key, KEFU_QUEUE_URL=queue
            ) as url:
                yield Shop(url, kefu, face, amazon_url)
        finally:
            kefu.close()


@pytest.fixture
def page(browser: Browser, amazon_shop: Shop) -> Iterator[Page]:
    """Signed in as the owner; no locale cookie: a Chinese UI."""
    context = browser.new_context(
        base_url=amazon_shop.url, viewport={"width": 1400, "height": 1000}
    )
    context.set_default_timeout(10_000)
    sign_in(context.request, OWNER, OWNER_PASSWORD)
    page = context.new_page()
    yield page
    context.close()


def an_order_and_the_buyers_mail(shop_: Shop) -> tuple[str, int]:
    """The order from Amazon through the import API, then the buyer's relay message."""
    kefu, face = shop_.kefu, shop_.face
    lamp = [Item("LAMP-7", "Desk lamp", 1, Decimal("19.99"), shipping=Decimal("4.00"))]
    number = face.add_order(
        lamp, buyer_email=ALIAS, actions=("confirmDeliveryDetails", "unexpectedProblem")
    )
    values = {"store": STORE, "refresh_token": REFRESH, "client_id": CLIENT_ID}
    client = AmazonClient.from_credentials(
        shop_.amazon_url, values | {"client_secret": CLIENT_SECRET}
    )
    pulled = client.pull(None, datetime.now(UTC) - timedelta(days=1))
    client.close()
    owner = acting(kefu, OWNER)
    report = shopdata.upsert(
        owner,
        STORE,
        "orders",
        list(pulled.records["orders"]),
        uow=kefu.uow(),
        clock=kefu.clock,
        ref=kefu.reference,
    )
    assert (report.created, report.rejected) == (1, 0)
    row = {
        "store": STORE,
        "message_id": "relay-1",
        "conversation_id": f"amazon:{ALIAS}#{number}",
        "buyer_id": ALIAS,
        "sent_at": datetime.now(UTC).isoformat(),
        "text": "Hello, when will my lamp arrive?",
        "order_number": number,
    }
    assert inbox.ingest([row], kefu.uow(), kefu.clock).accepted == 1
    with kefu.engine.connect() as conn:
        conversation = conn.execute(text("SELECT id FROM conversations")).scalar_one()
    return number, int(conversation)


def test_the_agent_sends_a_message_amazon_allows_for_the_order_once(
    page: Page, amazon_shop: Shop
) -> None:
    number, conversation = an_order_and_the_buyers_mail(amazon_shop)
    page.goto(f"/conversations/{conversation}")
    panel = page.get_by_test_id("amazon-actions")
    expect(panel).to_contain_text("亚马逊消息")
    expect(panel.locator("form")).to_have_count(2)  # exactly the two Amazon offers

    delivery = page.get_by_test_id("amazon-action-confirmDeliveryDetails")
    words = "Your lamp left our warehouse today and arrives on Friday."
    delivery.locator("textarea").fill(words)
    delivery.get_by_role("button").click()
    expect(page.get_by_test_id("amazon-sent")).to_contain_text("confirmDeliveryDetails")
    assert [s.body for s in amazon_shop.face.messages(number)] == [{"text": words}]

    problem = page.get_by_test_id("amazon-action-unexpectedProblem")
    problem.locator("textarea").fill("Please write to help@example.com about it.")
    problem.get_by_role("button").click()
    expect(page.get_by_test_id("amazon-problem")).to_be_visible()
    assert len(amazon_shop.face.messages(number)) == 1  # the policy check kept it here
