"""End-to-end with AliExpress (issue 18, docs/channels.md "State both ways"): a buyer
writes on the sandbox marketplace's AliExpress face; the sync pulls it into the inbox;
the agent opens it, marks it blue and replies in the browser; the outbox sends the reply
through the platform's API and the sync pushes the state: the sandbox shows the reply,
read, handled and rank 4 (blue).

Its own `kefu serve` on a fresh SQLite file (or a fresh schema of KEFU_TEST_DATABASE_URL)
with a secret key, and a `Kefu` on the same database that runs what the server's jobs run
(deliver the outbox, sync the store) when the test wants; the sandbox is served over
HTTP by uvicorn in this process.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from playwright.sync_api import Browser, Page, expect
from pydantic import SecretStr

from kefu.adapters.marketplaces.sandbox import AliExpressFace
from kefu.bootstrap import Kefu, bootstrap
from kefu.config import Settings
from kefu.domain.stores import StoreDraft
from kefu.services import shop, sync
from tests.e2e.conftest import serving, sign_in
from tests.e2e.pages import ConversationPage, InboxPage
from tests.factories import acting
from tests.sandbox_server import aliexpress_face, serve_sandbox

pytestmark = pytest.mark.e2e

STORE = "ali-sync"
OWNER, OWNER_PASSWORD = "boss", "ali-sync-secret-1"
APP_KEY, SECRET, TOKEN = "500777", "sandbox-secret-e2e", "token-ali-e2e"
BUYER, BUYER_NAME = "es20261208", "Lucía Gómez"


@dataclass(frozen=True)
class Shop:
    url: str
    kefu: Kefu
    face: AliExpressFace


@pytest.fixture
def sandbox() -> Iterator[tuple[str, AliExpressFace]]:
    """The sandbox marketplace over HTTP, on the real clock."""
    face = aliexpress_face(APP_KEY, SECRET, TOKEN)
    with serve_sandbox(face) as url:
        yield url, face


@pytest.fixture
def ali_shop(database: str, tmp_path: Path, sandbox: tuple[str, AliExpressFace]) -> Iterator[Shop]:
    """An owner, an AliExpress store connected to the sandbox, then `kefu serve`."""
    sandbox_url, face = sandbox
    key = Fernet.generate_key().decode()
    queue = f"sqlite:///{tmp_path / 'jobs.db'}"
    kefu = bootstrap(Settings(database_url=database, queue_url=queue, secret_key=SecretStr(key)))
    try:
        kefu.upgrade()
        kefu.auth.set_up_owner(OWNER, "店长", OWNER_PASSWORD, uow=kefu.uow(), clock=kefu.clock)
        owner = acting(kefu, OWNER)
        draft = StoreDraft(
            STORE, "aliexpress", "aliexpress.com", "Ali Sync", "USD", "Asia/Shanghai", "CN"
        )
        shop.create_store(owner, draft, checks=kefu.store_checks, uow=kefu.uow(), clock=kefu.clock)
        sync.connect_store(
            owner,
            STORE,
            base_url=sandbox_url,
            credentials={"app_key": APP_KEY, "app_secret": SECRET, "access_token": TOKEN},
            secrets=kefu.secrets,
            uow=kefu.uow(),
            clock=kefu.clock,
        )
        with serving(
            database, tmp_path / "serve.log", KEFU_SECRET_KEY=key, KEFU_QUEUE_URL=queue
        ) as url:
            yield Shop(url, kefu, face)
    finally:
        kefu.close()


@pytest.fixture
def page(browser: Browser, ali_shop: Shop) -> Iterator[Page]:
    """Signed in as the owner; no locale cookie: a Chinese UI."""
    context = browser.new_context(base_url=ali_shop.url, viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(10_000)
    sign_in(context.request, OWNER, OWNER_PASSWORD)
    page = context.new_page()
    yield page
    context.close()


def test_a_buyer_writes_the_agent_marks_blue_and_replies_the_platform_shows_it_all(
    page: Page, ali_shop: Shop
) -> None:
    kefu, face = ali_shop.kefu, ali_shop.face
    channel = face.open_channel(BUYER, BUYER_NAME)
    face.buyer_writes(channel, "Hola, ¿cuándo llega mi pedido?")
    report = kefu.sync_marketplaces(STORE)
    assert (report.failed, report.stored) == ([], 1)

    inbox = InboxPage(page).open()
    expect(inbox.table).to_contain_text(BUYER_NAME)
    conversation = inbox.open_conversation(BUYER_NAME)
    expect(conversation.messages.last).to_contain_text("¿cuándo llega mi pedido?")
    conversation.mark("蓝色")
    expect(conversation.current_mark).to_have_text("蓝色")
    answer = "Hola Lucía, tu pedido salió ayer y llega en unos 10 días."
    before = conversation.messages.count()
    conversation.reply(answer)
    expect(conversation.messages).to_have_count(before + 1)
    expect(conversation.messages.last).to_contain_text(answer)

    assert kefu.deliver_outbox().delivered == 1
    pushed = kefu.sync_marketplaces(STORE)
    assert (pushed.failed, pushed.push_errors, pushed.pushed) == ([], [], 1)
    seen = face.channel(channel)
    assert [m["content"] for m in seen["messages"] if m["own"]] == [answer]
    assert (seen["read"], seen["handled"], seen["rank"], seen["unread"]) == (True, True, 4, 0)

    # The page still shows blue after a reload: the platform's state came back the same.
    page.reload()
    expect(ConversationPage(page).current_mark).to_have_text("蓝色")
    again = kefu.sync_marketplaces(STORE)
    assert again.pushed == 0 and again.applied == 0
