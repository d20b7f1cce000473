"""End-to-end from an empty database (issue 17): the first person to open kefu creates
the owner and signs in, adds an eBay UK store and its mailbox on the real local mail
servers (Dovecot, Postfix; .ci/mail-servers.sh), imports a products CSV (Excel's UTF-8
with a byte-order mark) and an ERP's orders CSV (GBK, Chinese headers) on the Import
page; a buyer who has ordered writes from the e-mail address of the order, kefu pulls
the mail, the conversation shows the buyer's newest order beside it, and the reply typed
in the composer lands in the buyer's mailbox, threaded, from the store's address.

No demo and no test catalog: its own `kefu serve` on a fresh SQLite file, or on a fresh
schema of the KEFU_TEST_DATABASE_URL database (the other browser tests' demo shop lives
in its public schema and keeps running meanwhile).
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage, Message
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from cryptography.fernet import Fernet
from playwright.sync_api import Browser, Locator, Page, expect
from pydantic import SecretStr

from kefu.bootstrap import Kefu, bootstrap
from kefu.config import Settings
from tests.e2e.conftest import STARTUP_SECONDS, _free_port, _kefu
from tests.e2e.pages import Screen
from tests.mail_servers import MailServers

pytestmark = pytest.mark.e2e

STORE = "ebay-uk-home"
ZONE = ZoneInfo("Europe/London")
OWNER, OWNER_NAME, OWNER_PASSWORD = "boss", "王店长", "fresh-shop-secret-1"
# The buyer's newest order (two lines) and an older one; another buyer's order.
NEWEST, OLDER, OTHER = "26-13579-24680", "26-11111-22222", "26-99999-00000"
BUYER_NAME = "Emma Wilson"


@dataclass(frozen=True)
class FreshShop:
    """The server on an empty database, and a Kefu on the same database and job queue
    to run what the server's jobs run (pulling mail) when the test wants."""

    url: str
    kefu: Kefu
    servers: MailServers


def _wait_for_first_run(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    """Until the server answers with its first-run page (an empty database has no one to
    sign in: every other page sends there)."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"kefu serve exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{url}/setup", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    pytest.fail(f"kefu serve did not answer within {STARTUP_SECONDS} s:\n{log.read_text()[-3000:]}")


@pytest.fixture
def fresh_shop(database: str, tmp_path: Path, mail_servers: MailServers) -> Iterator[FreshShop]:
    """`kefu serve` on an empty database (migrated at start, nothing else), running its
    jobs in process on a queue of its own, with a secret key for mailbox passwords and
    the mail servers' certificate trusted. Its log, but for the requests, is printed at
    the end (pytest shows it when the test fails)."""
    settings = {
        "KEFU_SECRET_KEY": Fernet.generate_key().decode(),
        "KEFU_MAIL_CA_FILE": mail_servers.ca_file,
        "KEFU_QUEUE_URL": f"sqlite:///{tmp_path / 'jobs.db'}",
        "KEFU_WORKER_IN_PROCESS": "true",
        "KEFU_IMPORT_DIR": str(tmp_path / "imports"),
        "KEFU_TRANSLATOR": "none",
    }
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, **settings, "KEFU_PUBLIC_URL": url}
    command = _kefu("serve", "--database-url", database, "--host", "127.0.0.1", "--port", str(port))
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)
        kefu = None
        try:
            _wait_for_first_run(url, process, log)
            kefu = bootstrap(
                Settings(
                    database_url=database,
                    queue_url=settings["KEFU_QUEUE_URL"],
                    secret_key=SecretStr(settings["KEFU_SECRET_KEY"]),
                    mail_ca_file=mail_servers.ca_file,
                    public_url=url,
                )
            )
            yield FreshShop(url, kefu, mail_servers)
        finally:
            if kefu is not None:
                kefu.close()
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
            lines = log.read_text(errors="replace").splitlines()
            print("\n".join(line for line in lines if ' HTTP/1.1" ' not in line))


@pytest.fixture
def page(browser: Browser, fresh_shop: FreshShop) -> Iterator[Page]:
    """A fresh browser context, signed in as no one, no locale cookie: a Chinese UI."""
    context = browser.new_context(base_url=fresh_shop.url, viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


def _stamp(moment: datetime) -> str:
    """A time as ERPs export it: the store's local time, no zone."""
    return moment.astimezone(ZONE).strftime("%Y-%m-%d %H:%M")


def _products_csv() -> bytes:
    """As Excel saves a sheet: UTF-8 with a byte-order mark, Chinese headers."""
    return (
        "货号,产品名称,售价,币种,库存,重量(g)\n"
        "SC-RED-01,Silk scarf red 90x90,12.90,GBP,140,80\n"
        "HT-WOOL-M,Wool beret M,18.50,GBP,7,120\n"
        "MUG-BLU-02,Blue enamel mug,9.00,GBP,55,300\n"
    ).encode("utf-8-sig")


def _orders_csv(buyer: str) -> bytes:
    """An ERP's order export: GBK, Chinese headers and statuses, one row per order line;
    the buyer's e-mail on their two orders, the newer one with two lines."""
    now = datetime.now(ZONE)
    newest, older = now - timedelta(days=2), now - timedelta(days=20)
    head = (
        "订单号,买家,买家姓名,国家,买家邮箱,订单状态,下单时间,付款时间,币种,汇率,运费,"
        "订单备注,商品编码,商品名称,数量,单价\n"
    )
    emma = f"emma-w-77,{BUYER_NAME},GB,{buyer}"
    rows = [
        f"{NEWEST},{emma},已付款,{_stamp(newest)},{_stamp(newest + timedelta(minutes=3))},"
        "GBP,1.27,3.00,,SC-RED-01,Silk scarf red 90x90,2,12.90",
        f"{NEWEST},{emma},已付款,{_stamp(newest)},{_stamp(newest + timedelta(minutes=3))},"
        "GBP,1.27,3.00,,HT-WOOL-M,Wool beret M,1,18.50",
        f"{OLDER},{emma},交易完成,{_stamp(older)},{_stamp(older)},"
        "GBP,1.27,0,,MUG-BLU-02,Blue enamel mug,1,9.00",
        f"{OTHER},tom-h-12,Tom Hughes,GB,tom@buyer.test,已付款,{_stamp(newest)},{_stamp(newest)},"
        "GBP,1.27,0,礼品包装,MUG-BLU-02,Blue enamel mug,4,9.00",
    ]
    return (head + "\n".join(rows) + "\n").encode("gbk")


def _first_run(page: Page) -> None:
    """The first-run page creates the owner (a Chinese UI), then the owner signs in."""
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/setup$"))
    expect(page.get_by_role("heading", name="设置 kefu")).to_be_visible()
    page.get_by_label("用户名").fill(OWNER)
    page.get_by_label("团队内显示的名称").fill(OWNER_NAME)
    page.get_by_label("密码（至少 10 个字符）").fill(OWNER_PASSWORD)
    page.get_by_label("再次输入密码").fill(OWNER_PASSWORD)
    page.get_by_role("button", name="创建主账号").click()

    expect(page).to_have_url(re.compile(r"/sign-in"))
    page.get_by_label("用户名").fill(OWNER)
    page.get_by_label("密码", exact=True).fill(OWNER_PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_test_id("me")).to_have_text(OWNER_NAME)


def _add_store(page: Page) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Stores").click()
    expect(page.get_by_test_id("stores")).to_contain_text("No store yet")
    form = page.get_by_test_id("new-store-form")  # open: there is no store yet
    form.get_by_label("Code (a-z, 0-9 and -; imports name the store by it)").fill(STORE)
    form.get_by_label("Store name", exact=True).fill("Willow Home · eBay UK")
    form.get_by_label("Platform").select_option("ebay")
    form.get_by_label("Marketplace site").select_option("ebay.co.uk")
    form.get_by_label("Currency (ISO 4217, e.g. USD)").fill("GBP")
    form.get_by_label("Time zone", exact=True).fill("Europe/London")
    form.get_by_label("Holiday country (e.g. CN; empty: none)").fill("GB")
    form.get_by_role("button", name="Add the store").click()
    expect(page.get_by_test_id("saved")).to_be_visible()
    row = page.get_by_test_id("stores").locator(f'tr[data-store="{STORE}"]')
    expect(row).to_contain_text("Willow Home · eBay UK")
    expect(row).to_contain_text("ebay.co.uk")
    expect(row).to_contain_text("GBP")


def _set_mailbox(page: Page, servers: MailServers, address: str) -> None:
    """The mailbox panel with the test servers: IMAPS to read, submission + STARTTLS to send."""
    draft = servers.draft(address)
    panel = page.get_by_test_id(f"mailbox-{STORE}")
    panel.locator("summary").click()
    panel.get_by_label("The store's e-mail address").fill(draft.address)
    for side, title in (("imap", "Reading (IMAP)"), ("smtp", "Sending (SMTP)")):
        group = panel.get_by_role("group", name=title)
        group.get_by_label("Server").fill(getattr(draft, f"{side}_host"))
        group.get_by_label("Port").fill(str(getattr(draft, f"{side}_port")))
        group.get_by_label("Security").select_option(getattr(draft, f"{side}_security"))
        group.get_by_label("User name").fill(getattr(draft, f"{side}_user"))
        group.get_by_label("Password").fill(getattr(draft, f"{side}_password"))
    panel.get_by_role("button", name="Save the mailbox").click()
    expect(page.get_by_test_id("saved")).to_be_visible()
    panel = page.get_by_test_id(f"mailbox-{STORE}")
    expect(panel.get_by_role("heading", name=f"Mailbox · {address}")).to_be_visible()
    expect(panel.get_by_test_id("mail-health")).to_be_visible()
    expect(panel.get_by_test_id("mail-error")).to_have_count(0)


def _import(page: Page, kind: str, name: str, content: bytes, encoding: str) -> None:
    """Upload, check the preview (read right, nothing to map, no row problem), import,
    wait for the bar to fill and the report."""
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Imports").click()
    form = page.get_by_test_id("upload-form")
    form.get_by_label("Store").select_option(STORE)
    form.get_by_label("The file holds").select_option(kind)
    form.get_by_label("File (CSV, XLSX or JSONL)").set_input_files(
        {"name": name, "mimeType": "text/csv", "buffer": content}
    )
    form.get_by_role("button", name="Upload and preview").click()

    expect(page.get_by_role("heading", name="2. Check the columns")).to_be_visible()
    expect(page.get_by_test_id("encoding")).to_have_text(encoding)
    expect(page.get_by_test_id("problems")).to_have_count(0)
    rows = page.get_by_test_id("preview-rows").locator("tbody tr")
    expect(rows.first).to_be_visible()
    expect(page.get_by_test_id("preview-rows").locator("tr.has-errors")).to_have_count(0)
    page.get_by_test_id("confirm").click()

    expect(page).to_have_url(re.compile(r"/imports/\d+$"))
    progress = page.get_by_test_id("import-progress")
    expect(progress).to_have_attribute("data-status", "done", timeout=60_000)
    expect(progress.locator("progress")).to_have_attribute("value", "100")


def _report(page: Page) -> dict[str, str]:
    report = page.get_by_test_id("run-report")
    return {
        key: report.locator(f'[data-count="{key}"]').inner_text()
        for key in ("rows", "created", "updated", "rejected")
    }


def _reload_until(page: Page, badge: Locator, text: str, timeout: float = 10.0) -> None:
    """Reload until `badge` reads `text` (the conversation page does not poll): the job
    marks the reply delivered once the SMTP server took it, maybe a moment after the mail
    is in the buyer's mailbox."""
    deadline = time.monotonic() + timeout
    while True:
        page.reload()
        if badge.inner_text().strip() == text or time.monotonic() > deadline:
            break
    expect(badge).to_have_text(text)


def _body(message: Message) -> str:
    """The plain text of a mail as the buyer reads it."""
    assert isinstance(message, EmailMessage)  # parsed with the default policy
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def test_a_fresh_shop_from_the_owner_to_a_reply_in_the_buyers_mailbox(
    page: Page, fresh_shop: FreshShop
) -> None:
    servers, kefu = fresh_shop.servers, fresh_shop.kefu
    shop = servers.address("willow", "shop.test")
    buyer = servers.address("emma", "buyer.test")

    # 1. the first run: the owner, then the UI in English
    _first_run(page)
    Screen(page).switch_locale("en")
    expect(page.get_by_role("navigation", name="Main")).to_contain_text("Stores")

    # 2. the store and its mailbox
    _add_store(page)
    _set_mailbox(page, servers, shop)

    # 3. products, then orders (GBK, Chinese headers)
    _import(page, "products", "产品.csv", _products_csv(), "utf-8-sig")
    assert _report(page) == {"rows": "3", "created": "3", "updated": "0", "rejected": "0"}
    _import(page, "orders", "订单导出.csv", _orders_csv(buyer), "gb18030")
    assert _report(page) == {"rows": "4", "created": "3", "updated": "0", "rejected": "0"}

    # 4. the buyer writes from the order's address; kefu pulls the mailbox (the pull_mail job)
    question = "Hello, I ordered a scarf and a beret two days ago. When will they be sent?"
    asked = servers.buyer_mail(buyer, shop, question, subject="When will my parcel leave?")
    servers.wait_for(shop)
    pulled = kefu.pull_mail(STORE)
    assert pulled.failed == [], pulled
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Stores").click()
    health = page.get_by_test_id(f"mailbox-{STORE}").get_by_test_id("mail-health")
    expect(health.get_by_test_id("mail-pulled")).to_have_text(re.compile(r"/ 1$"))
    expect(health.get_by_test_id("mail-error")).to_have_count(0)

    # 5. the inbox lists it; the conversation shows the buyer's newest order
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Inbox").click()
    table = page.get_by_role("table", name="Conversations", exact=True)
    row = table.locator(f'tbody tr[data-store="{STORE}"]')
    expect(row).to_have_count(1)
    expect(row).to_contain_text(f"Order {NEWEST}")
    row.get_by_role("link").click()

    thread = page.get_by_role("list", name="Messages", exact=True)
    expect(thread.get_by_role("listitem")).to_have_count(1)
    expect(thread.get_by_role("listitem").first).to_contain_text(question)
    order = page.get_by_role("region", name="Order", exact=True)
    expect(order.get_by_test_id("order-number")).to_have_text(NEWEST)
    expect(order).to_contain_text("Silk scarf red 90x90")
    expect(order).to_contain_text("Wool beret M")
    expect(order).to_contain_text("£47.30")  # 2 × 12.90 + 18.50 + 3.00 shipping, in pounds
    # The sender's address is on the buyer's orders: the Buyer panel is that buyer's.
    buyer_panel = page.get_by_role("region", name="Buyer", exact=True)
    expect(buyer_panel).to_contain_text(BUYER_NAME)
    expect(buyer_panel).to_contain_text("Orders2 ·")  # her two orders of the file
    products = page.get_by_role("region", name="Products", exact=True)
    expect(products).to_contain_text("Wool beret M")
    expect(products).to_contain_text("Stock: 7")  # from the products file

    # 6. the reply leaves by the store's SMTP server and lands in the buyer's mailbox
    reply = (
        "Dear Emma, thank you for your order. Your scarves and beret are packed and leave "
        "our warehouse tomorrow."
    )
    page.get_by_label(re.compile(r"^The buyer receives")).fill(reply)
    page.get_by_role("button", name="Send reply", exact=True).click()
    expect(thread.get_by_role("listitem")).to_have_count(2)
    expect(thread.get_by_role("listitem").last).to_contain_text(reply)

    arrived = servers.wait_for(buyer, where=lambda m: reply in _body(m))
    assert len(arrived) == 1, [m["Subject"] for m in servers.messages(buyer)]
    answer = arrived[0]
    assert answer["From"] == shop
    assert answer["In-Reply-To"] == f"<{asked}>"
    assert answer["Subject"] == "Re: When will my parcel leave?"
    assert _body(answer).strip() == reply
    _reload_until(page, thread.get_by_role("listitem").last.get_by_test_id("delivery"), "Delivered")
