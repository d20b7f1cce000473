"""A lead retrains the intent model from the Model page and rolls back (docs/triage.md
"Model versions"): "Retrain now", the progress bar polled to done by the server's own
worker, the new version listed and active; then an earlier version activated in a click.

Its own `kefu serve` on a fresh database, training on a small corpus (KEFU_MODEL_CORPUS)
so the job takes seconds: this is about the page and the job, not the model's quality."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from kefu.bootstrap import Kefu, bootstrap
from kefu.config import Settings
from kefu.domain.permissions import Role
from kefu.services.auth import NewAccount
from tests.e2e.conftest import serving, sign_in
from tests.e2e.test_accessibility import Findings, check
from tests.factories import acting
from tests.model_corpus import small_corpus

pytestmark = pytest.mark.e2e

OWNER, LEAD, PASSWORD = "boss", "lena", "model-page-secret-1"
TRAINING_TIMEOUT_MS = 120_000  # a shared CI machine trains the small corpus in ~5 s


@dataclass(frozen=True)
class Shop:
    url: str
    kefu: Kefu


@pytest.fixture
def shop(database: str, tmp_path: Path) -> Iterator[Shop]:
    queue = f"sqlite:///{tmp_path / 'jobs.db'}"
    kefu = bootstrap(Settings(database_url=database, queue_url=queue))
    try:
        kefu.upgrade()
        kefu.auth.set_up_owner(OWNER, "店长", PASSWORD, uow=kefu.uow(), clock=kefu.clock)
        kefu.auth.create_account(
            acting(kefu, OWNER),
            NewAccount(LEAD, "Lena", Role.LEAD.value, PASSWORD, frozenset()),
            uow=kefu.uow(),
            clock=kefu.clock,
        )
        with serving(
            database,
            tmp_path / "serve.log",
            KEFU_QUEUE_URL=queue,
            KEFU_WORKER_IN_PROCESS="true",
            KEFU_MODEL_CORPUS=str(small_corpus(tmp_path / "corpus")),
            KEFU_MODEL_CHECK_SECONDS="0",
        ) as url:
            yield Shop(url, kefu)
    finally:
        kefu.close()


@pytest.fixture
def page(browser: Browser, shop: Shop) -> Iterator[Page]:
    """Signed in as the lead; no locale cookie: a Chinese UI."""
    context = browser.new_context(base_url=shop.url, viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(10_000)
    sign_in(context.request, LEAD, PASSWORD)
    page = context.new_page()
    yield page
    context.close()


def retrain(page: Page) -> str:
    page.goto("/settings/model")
    page.get_by_test_id("retrain").click()
    progress = page.get_by_test_id("model-progress")
    expect(progress).to_be_visible()
    expect(progress).to_have_attribute("data-status", "ready", timeout=TRAINING_TIMEOUT_MS)
    expect(page.get_by_test_id("model-done")).to_contain_text("已训练并启用")
    version = progress.get_attribute("data-version")
    assert version
    return version


def test_a_lead_retrains_from_the_page_and_rolls_back(
    page: Page, browser: Browser, shop: Shop
) -> None:
    page.goto("/")
    page.get_by_test_id("nav-model").click()
    expect(page.locator("h1")).to_have_text("意图模型")
    expect(page.get_by_test_id("active-version")).to_contain_text("内置模型")

    first = retrain(page)
    page.goto("/settings/model")
    rows = page.get_by_test_id("versions").locator("tbody tr")
    expect(rows).to_have_count(2)  # the new version and the packaged baseline
    expect(rows.first).to_have_attribute("data-version", first)
    expect(rows.first).to_have_attribute("data-active", "true")
    expect(page.get_by_test_id("active-version")).to_contain_text(first)

    second = retrain(page)
    page.goto("/settings/model")
    expect(rows).to_have_count(3)
    expect(page.locator(f"tr[data-version='{second}']")).to_have_attribute("data-active", "true")

    page.get_by_test_id(f"activate-{first}").click()
    expect(page.locator(f"tr[data-version='{first}']")).to_have_attribute("data-active", "true")
    expect(page.locator(f"tr[data-version='{second}']")).to_have_attribute("data-active", "false")
    expect(page.get_by_test_id("active-version")).to_contain_text(first)

    page.locator(f"tr[data-version='{first}'] a").first.click()
    expect(page.get_by_test_id("coverage-chart")).to_be_visible()
    expect(page.get_by_test_id("per-intent").locator("tbody tr")).not_to_have_count(0)
    expect(page.get_by_test_id("per-language").locator("tbody tr")).to_have_count(2)

    # The version's page is not in the demo's accessibility walk (no stored version):
    # axe here, in a context that lets its script in.
    context = browser.new_context(base_url=shop.url, bypass_csp=True)
    try:
        sign_in(context.request, LEAD, PASSWORD)
        checked = context.new_page()
        checked.goto(f"/settings/model/versions/{first}")
        findings = Findings()
        check(checked, "model version page", "zh_CN", findings)
        checked.goto("/settings/model")
        check(checked, "model page with versions", "zh_CN", findings)
    finally:
        context.close()
    assert findings.problems == []
    assert len(findings.walked) == 2
