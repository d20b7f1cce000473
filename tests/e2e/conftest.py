"""Browser tests: a demo shop served by `kefu serve`, driven by headless Debian chromium.

The fixtures build the demo database with the CLI, start the server on a free port,
launch one chromium for the session and give every test a fresh browser context
(no locale cookie, so the UI starts in Chinese, the deployment default).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import APIRequestContext, Browser, Page, Playwright, sync_playwright
from sqlalchemy import create_engine, make_url

from kefu.cli import servers
from kefu.demo.catalog import DEMO_PASSWORD
from kefu.domain.permissions import Permission

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
HERE = Path(__file__).parent
# The `kefu` console script next to the interpreter running pytest (the project's venv).
KEFU = Path(sys.executable).with_name("kefu")
SEED = 7
# A small demo shop (about 150 conversations) keeps the browser suite fast.
SCALE = 0.05
DAMAGED_CONVERSATION = "demo-damaged-garment"
STARTUP_SECONDS = 30.0


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test in this folder e2e; skip them all when there is no chromium."""
    skip = pytest.mark.skip(reason=f"browser tests need Debian chromium at {CHROMIUM}")
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.e2e)
            if not CHROMIUM.exists():
                item.add_marker(skip)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _kefu(*args: str) -> list[str]:
    if KEFU.exists():
        return [str(KEFU), *args]
    found = shutil.which("kefu")
    if found is None:
        pytest.fail("the kefu console script is not installed in this environment")
    return [found, *args]


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A freshly built, deterministic demo shop: a SQLite file, or the PostgreSQL database
    KEFU_TEST_DATABASE_URL names (its public schema is emptied first)."""
    url = os.environ.get("KEFU_TEST_DATABASE_URL")
    if url:
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        engine.dispose()
        target = ["--database-url", url]
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('e2e-db') / 'demo.db'}"
        target = ["--db", url.removeprefix("sqlite:///")]
    result = subprocess.run(
        _kefu("demo", "--build-only", *target, "--scale", str(SCALE), "--seed", str(SEED)),
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, "COLUMNS": "200"},
        check=False,
    )
    if result.returncode != 0:
        pytest.fail(f"kefu demo failed ({result.returncode}):\n{result.stderr[-3000:]}")
    return url


def _wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"kefu serve exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            # Any answer will do: an empty database sends /sign-in on to its first-run page.
            if httpx.get(f"{url}/sign-in", timeout=2).status_code < 500:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    pytest.fail(f"kefu serve did not answer within {STARTUP_SECONDS} s:\n{log.read_text()[-3000:]}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Stop a `kefu serve`; one that waits on open event streams past 10 s is killed."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@contextmanager
def serving(database: str, log: Path, **settings: str) -> Iterator[str]:
    """`kefu serve` on a free port with this database and these settings (KEFU_…) until
    the block ends; its URL, also its KEFU_PUBLIC_URL. The jobs run when a test runs
    them (no worker in the process), and nothing is translated."""
    url = f"http://127.0.0.1:{_free_port()}"
    env = {
        **os.environ,
        "KEFU_WORKER_IN_PROCESS": "false",
        "KEFU_TRANSLATOR": "none",
        "KEFU_PUBLIC_URL": url,
        **settings,
    }
    command = _kefu("serve", "--database-url", database, "--host", "127.0.0.1")
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*command, "--port", url.rsplit(":", 1)[1]],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )
    try:
        _wait_until_up(url, process, log)
        yield url
    finally:
        _stop(process)


@pytest.fixture(scope="session")
def translation_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """kefu's translation sandbox (`kefu translate sandbox`): the server translates
    through it, with the demo corpus's recorded answers."""
    log = tmp_path_factory.mktemp("e2e-translate") / "sandbox.log"
    with servers.translation_sandbox(log) as url:
        yield url


@pytest.fixture(scope="session")
def server_url(
    demo_db: str, translation_sandbox: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """`kefu serve` on a free local port, translating through the sandbox, stopped when
    the session ends."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp_path_factory.mktemp("e2e-serve") / "serve.log"
    command = _kefu(
        "serve",
        "--database-url",
        demo_db,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    )
    env = {
        **os.environ,
        "KEFU_TRANSLATOR": "sandbox",
        "KEFU_TRANSLATION_SANDBOX_URL": translation_sandbox,
    }
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)
        try:
            _wait_until_up(url, process, log)
            yield url
        finally:
            _stop(process)


@pytest.fixture
def database(tmp_path: Path) -> Iterator[str]:
    """A fresh database for a shop of one test: a SQLite file; on PostgreSQL a schema of
    this test alone, dropped at the end."""
    url = os.environ.get("KEFU_TEST_DATABASE_URL")
    if not url:
        yield f"sqlite:///{tmp_path / 'shop.db'}"
        return
    schema = f"kefu_e2e_{uuid.uuid4().hex[:12]}"
    engine = create_engine(url)
    with engine.begin() as conn:
        # A database has pg_trgm once: in public, not in a schema this test drops.
        conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public")
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    try:
        scoped = make_url(url).update_query_dict({"options": f"-csearch_path={schema}"})
        yield scoped.render_as_string(hide_password=False)
    finally:
        with engine.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        engine.dispose()


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def page(browser: Browser, server_url: str) -> Iterator[Page]:
    """A page in a fresh context signed in as the owner; no locale cookie, so a Chinese UI."""
    context = browser.new_context(base_url=server_url, viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(10_000)
    sign_in(context.request, "owner")
    page = context.new_page()
    yield page
    context.close()


def sign_in(request: APIRequestContext, username: str, password: str = DEMO_PASSWORD) -> str:
    """Sign in through the form (cookies land in `request`'s jar); returns the CSRF token."""
    form = request.get("/sign-in")
    token = re.search(r'name="form_token" value="([^"]+)"', form.text())
    assert token, form.text()[:500]
    done = request.post(
        "/sign-in",
        form={"username": username, "password": password, "form_token": token[1]},
        max_redirects=0,
    )
    assert done.status == 303, done.text()[:500]
    account = request.get("/account").text()
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', account)
    assert csrf, account[:500]
    return csrf[1]


@pytest.fixture(scope="session")
def api(playwright: Playwright, server_url: str) -> Iterator[APIRequestContext]:
    """A plain HTTP client on the JSON API (no browser) with an owner's API token, made
    through the account page as an integration would get one."""
    browser_like = playwright.request.new_context(base_url=server_url)
    csrf = sign_in(browser_like, "owner")
    scopes = "&".join(f"scopes={p.value}" for p in Permission)
    created = browser_like.post(
        "/account/tokens",
        data=f"name=e2e&{scopes}",
        headers={"Content-Type": "application/x-www-form-urlencoded", "X-CSRF-Token": csrf},
    )
    token = re.search(r'data-testid="new-token">([^<]+)<', created.text())
    assert token, created.text()[:500]
    browser_like.dispose()
    request = playwright.request.new_context(
        base_url=server_url, extra_http_headers={"Authorization": f"Bearer {token[1]}"}
    )
    yield request
    request.dispose()


@dataclass
class Conversations:
    """Hands each test its own conversation, so tests that change data never share one."""

    api: APIRequestContext
    claimed: set[int] = field(default_factory=set)

    def rows(self, **filters: str) -> list[dict[str, Any]]:
        response = self.api.get("/api/v1/conversations", params={**filters, "page_size": "200"})
        assert response.ok, response.text()
        rows: list[dict[str, Any]] = response.json()["rows"]
        return rows

    def damaged_garment_id(self) -> int:
        """The demo's fixed case: Olivia Bennett's red-marked damaged dress on ali-global."""
        for row in self.rows(colour_mark="red", platform="aliexpress"):
            if row["buyer_name"] == "Olivia Bennett" and row["store_code"] == "ali-global":
                conversation_id: int = row["id"]
                return conversation_id
        pytest.fail(f"the demo has no {DAMAGED_CONVERSATION} conversation")

    def claim(
        self, predicate: Callable[[dict[str, Any]], bool] | None = None, **filters: str
    ) -> dict[str, Any]:
        """The first conversation matching the filters that no other test has taken."""
        avoid = self.claimed | {self.damaged_garment_id()}
        for row in self.rows(**filters):
            if row["id"] in avoid or not row["buyer_name"]:
                continue
            if predicate is None or predicate(row):
                self.claimed.add(row["id"])
                return row
        pytest.fail(f"no unclaimed conversation matches {filters}")


@pytest.fixture(scope="session")
def conversations(api: APIRequestContext) -> Conversations:
    return Conversations(api)
