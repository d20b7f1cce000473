"""End-to-end, Wish (issue 18, docs/channels.md "State both ways"): a buyer opens a ticket
on the sandbox's Wish face; the sync brings it into the inbox; the owner asks Wish support
to step in from the conversation's actions, confirms, and Wish shows the ticket awaiting
Wish; the appeal is in the audit log.

Its own `kefu serve` on a fresh database, like tests/e2e/test_aliexpress_sync.py.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from playwright.sync_api import Browser, Dialog, Page, expect
from pydantic import SecretStr
from sqlalchemy import select

from kefu.adapters.db import tables as t
from kefu.adapters.marketplaces.sandbox import WishFace
from kefu.bootstrap import Kefu, bootstrap
from kefu.config import Settings
from kefu.domain.stores import StoreDraft
from kefu.services import shop, sync
from tests.e2e.conftest import serving, sign_in
from tests.e2e.pages import InboxPage
from tests.factories import acting
from tests.sandbox_server import serve_faces

pytestmark = pytest.mark.e2e

STORE = "wish-appeal"
OWNER, OWNER_PASSWORD = "boss", "wish-appeal-secret-1"
TOKEN = "wish-e2e-token"


@dataclass(frozen=True)
class Shop:
    url: str
    kefu: Kefu
    face: WishFace


@pytest.fixture
def wish_shop(database: str, tmp_path: Path) -> Iterator[Shop]:
    """An owner, a Wish store connected to the sandbox, then `kefu serve`."""
    face = WishFace()
    face.grant(TOKEN, time.time() + 3600)
    key = Fernet.generate_key().decode()
    queue = f"sqlite:///{tmp_path / 'jobs.db'}"
    kefu = bootstrap(Settings(database_url=database, queue_url=queue, secret_key=SecretStr(key)))
    with serve_faces(wish=face) as root:
        try:
            kefu.upgrade()
            kefu.auth.set_up_owner(OWNER, "店长", OWNER_PASSWORD, uow=kefu.uow(), clock=kefu.clock)
            owner = acting(kefu, OWNER)
            draft = StoreDraft(STORE, "wish", "wish.com", "Wish Appeal", "USD", "UTC", "CN")
            shop.create_store(
                owner, draft, checks=kefu.store_checks, uow=kefu.uow(), clock=kefu.clock
            )
            sync.connect_store(
                owner, STORE, base_url=f"{root}/wish", credentials={"access_token": TOKEN},
                secrets=kefu.secrets, uow=kefu.uow(), clock=kefu.clock,
            )  # fmt: skip
            with serving(
                database, tmp_path / "serve.log", KEFU_SECRET_KEY=key, KEFU_QUEUE_URL=queue
            ) as url:
                yield Shop(url, kefu, face)
        finally:
            kefu.close()


@pytest.fixture
def page(browser: Browser, wish_shop: Shop) -> Iterator[Page]:
    """Signed in as the owner; no locale cookie: a Chinese UI."""
    context = browser.new_context(base_url=wish_shop.url, viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(10_000)
    sign_in(context.request, OWNER, OWNER_PASSWORD)
    page = context.new_page()
    yield page
    context.close()


def test_the_agent_appeals_a_wish_ticket_to_wish_support(page: Page, wish_shop: Shop) -> None:
    kefu, face = wish_shop.kefu, wish_shop.face
    ticket = face.buyer_opens("Chloé Martin", "Le colis est vide !", locale="fr-FR")
    report = kefu.sync_marketplaces(STORE)
    assert report.failed == []

    inbox = InboxPage(page).open()
    inbox.open_conversation("Chloé Martin")
    appeal = page.get_by_test_id("appeal-to-wish")
    expect(appeal).to_have_text("申请 Wish 客服介入")

    asked: list[str] = []

    def dismiss(dialog: Dialog) -> None:
        asked.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", dismiss)
    appeal.click()
    expect(appeal).to_be_visible()
    assert asked and "Wish" in asked[0]  # the confirm, in Chinese
    assert face.ticket(ticket)["state"] == "AWAITING_MERCHANT"  # dismissed: nothing sent

    page.once("dialog", lambda dialog: dialog.accept())
    appeal.click()
    deadline = time.monotonic() + 10
    while face.ticket(ticket)["state"] != "AWAITING_WISH":
        assert time.monotonic() < deadline, "the appeal did not reach Wish"
        time.sleep(0.1)
    with kefu.session_factory() as session:
        actions = session.scalars(
            select(t.AuditEntry.action).where(t.AuditEntry.action == "appeal_to_support")
        ).all()
    assert actions == ["appeal_to_support"]
