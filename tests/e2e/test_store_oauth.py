"""End-to-end: the owner connects an eBay store by OAuth from the Stores page (docs/
channels.md "Connecting a store"): types the app's keys, clicks "Connect with eBay",
agrees on the sandbox's eBay consent page, and comes back to the Stores page connected,
with the token's expiry shown; the store then syncs with the tokens kefu stored.

Its own `kefu serve` (KEFU_PUBLIC_URL: where eBay sends the browser back) on a fresh
SQLite file or a fresh PostgreSQL schema; the sandbox's eBay face over HTTP in this
process.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from playwright.sync_api import Browser, Page, expect
from pydantic import SecretStr

from kefu.adapters.marketplaces.sandbox import EbayFace
from kefu.bootstrap import Kefu, bootstrap
from kefu.config import Settings
from kefu.domain.stores import StoreDraft
from kefu.services import shop
from tests.e2e.conftest import serving, sign_in
from tests.factories import acting
from tests.sandbox_server import serve_faces

pytestmark = pytest.mark.e2e

STORE = "ebay-oauth"
OWNER, OWNER_PASSWORD = "boss", "ebay-oauth-secret-1"
RU_NAME = "kefu_shop-kefu-SBX-e2e"


@dataclass(frozen=True)
class Shop:
    url: str
    kefu: Kefu
    face: EbayFace
    ebay: str  # the face's base URL


@pytest.fixture
def ebay_shop(database: str, tmp_path: Path) -> Iterator[Shop]:
    """An owner and an eBay store (not connected), the sandbox's eBay face, `kefu serve`."""
    key = Fernet.generate_key().decode()
    queue = f"sqlite:///{tmp_path / 'jobs.db'}"
    kefu = bootstrap(Settings(database_url=database, queue_url=queue, secret_key=SecretStr(key)))
    face = EbayFace()
    try:
        kefu.upgrade()
        kefu.auth.set_up_owner(OWNER, "店长", OWNER_PASSWORD, uow=kefu.uow(), clock=kefu.clock)
        draft = StoreDraft(STORE, "ebay", "ebay.co.uk", "eBay OAuth", "GBP", "Europe/London", "GB")
        owner = acting(kefu, OWNER)
        shop.create_store(owner, draft, checks=kefu.store_checks, uow=kefu.uow(), clock=kefu.clock)
        with (
            serve_faces(ebay=face) as root,
            serving(
                database, tmp_path / "serve.log", KEFU_SECRET_KEY=key, KEFU_QUEUE_URL=queue
            ) as url,
        ):
            face.add_ru_name(RU_NAME, f"{url}/stores/oauth/callback")  # the RuName's accept URL
            yield Shop(url, kefu, face, f"{root}/ebay")
    finally:
        kefu.close()


@pytest.fixture
def page(browser: Browser, ebay_shop: Shop) -> Iterator[Page]:
    """Signed in as the owner, in English."""
    context = browser.new_context(base_url=ebay_shop.url, viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(10_000)
    context.add_cookies([{"name": "kefu_locale", "value": "en", "url": ebay_shop.url}])
    sign_in(context.request, OWNER, OWNER_PASSWORD)
    page = context.new_page()
    yield page
    context.close()


def test_the_owner_connects_an_ebay_store_by_oauth(page: Page, ebay_shop: Shop) -> None:
    kefu, face = ebay_shop.kefu, ebay_shop.face
    page.goto("/shop")
    panel = page.get_by_test_id(f"connection-{STORE}")
    panel.locator("summary").click()
    form = panel.get_by_test_id("oauth-form")
    form.get_by_label("App client id").fill(face.app[0])
    form.get_by_label("App client secret").fill(face.app[1])
    form.get_by_label("RuName (eBay redirect URL name)").fill(RU_NAME)
    form.get_by_label("API address").fill(ebay_shop.ebay)
    form.get_by_test_id("connect-oauth").click()

    page.get_by_test_id("oauth-continue").click()  # to eBay's consent page
    expect(page.get_by_role("heading")).to_have_text("eBay sandbox")
    page.get_by_test_id("approve").click()  # eBay sends the browser back to kefu

    expect(page).to_have_url(
        f"{ebay_shop.url}/shop?oauth=connected&store={STORE}#connection-{STORE}"
    )
    panel = page.get_by_test_id(f"connection-{STORE}")
    expect(panel.get_by_test_id("oauth-result")).to_have_text(
        "Connected: the platform granted kefu access to the store."
    )
    expect(panel.get_by_test_id("token-expires")).not_to_be_empty()
    expect(panel).not_to_contain_text(face.app[1])

    with kefu.uow() as uow:
        conn = uow.connections.connection_by_code(STORE)
    assert conn is not None and conn.error_code is None
    stored = json.loads(kefu.secrets.open(conn.credentials))
    assert stored["access_token"] in face.tokens and stored["refresh_token"] in face.refresh_tokens
    # The store syncs with the tokens kefu stored.
    ref = face.open_conversation("olivia_b")
    face.buyer_writes(ref, "Is the scarf still available?")
    report = kefu.sync_marketplaces(STORE)
    assert (report.failed, report.stored) == ([], 1)
