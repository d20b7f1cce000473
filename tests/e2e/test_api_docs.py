"""End-to-end: the API docs (/docs) render under kefu's Content-Security-Policy from the
vendored Swagger UI, for a visitor who has not signed in, without asking anything of
another origin and without a single CSP violation."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Request, expect

pytestmark = pytest.mark.e2e

# Runs before any page script and outside the page's CSP: every violation the browser
# reports lands in window.__csp_violations.
RECORD_VIOLATIONS = """
window.__csp_violations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp_violations.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"}`);
});
"""


@dataclass
class Recorded:
    requests: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)


@pytest.fixture
def visitor(browser: Browser, server_url: str) -> Iterator[tuple[Page, Recorded]]:
    """A page in a fresh context that has not signed in, recording what it asks for."""
    context = browser.new_context(base_url=server_url, viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(15_000)
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    recorded = Recorded()

    def on_request(request: Request) -> None:
        recorded.requests.append(request.url)

    def on_console(message: ConsoleMessage) -> None:
        recorded.console.append(f"{message.type}: {message.text}")

    page.on("request", on_request)
    page.on("console", on_console)
    yield page, recorded
    context.close()


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _csp_trouble(page: Page, recorded: Recorded) -> list[str]:
    violations: list[str] = page.evaluate("window.__csp_violations")
    in_console = [m for m in recorded.console if "Content Security Policy" in m]
    return violations + in_console


def test_the_api_docs_render_from_our_origin_alone(
    visitor: tuple[Page, Recorded], server_url: str
) -> None:
    page, recorded = visitor
    response = page.goto("/docs")
    assert response is not None and response.ok
    assert response.url == f"{server_url}/docs"  # no detour to /sign-in
    assert "script-src 'self'" in response.headers["content-security-policy"]

    ingest = page.locator('.opblock-post:has(.opblock-summary-path[data-path="/api/v1/messages"])')
    expect(ingest).to_be_visible()
    assert page.locator(".opblock").count() > 20
    # Opening an operation renders its parameters, body schema and responses.
    ingest.locator(".opblock-summary").click()
    expect(ingest.locator(".opblock-body")).to_contain_text("Request body")
    expect(ingest.locator(".responses-wrapper")).to_be_visible()
    # The schemas section at the foot of the page, and the "Authorize" dialog.
    expect(page.locator("section.models")).to_be_visible()
    page.get_by_role("button", name="Authorize").first.click()
    expect(page.locator(".modal-ux")).to_contain_text("HTTPBearer")

    assert _csp_trouble(page, recorded) == []
    assert [m for m in recorded.console if m.startswith("error:")] == []
    assert f"{server_url}/openapi.json" in recorded.requests
    assert f"{server_url}/static/vendor/swagger-ui/init.js" in recorded.requests
    foreign = [u for u in recorded.requests if _origin(u) != server_url]
    assert foreign == []


def test_the_oauth2_redirect_page_loads_its_script_from_our_origin(
    visitor: tuple[Page, Recorded], server_url: str
) -> None:
    page, recorded = visitor
    with page.expect_response("**/static/vendor/swagger-ui/oauth2-redirect.js") as script:
        response = page.goto("/docs/oauth2-redirect")
    assert response is not None and response.ok
    assert script.value.ok
    # Opened by hand there is no Swagger UI window to report to; the script says so
    # (an error about window.opener), but the CSP let it run.
    assert _csp_trouble(page, recorded) == []
    assert [u for u in recorded.requests if _origin(u) != server_url] == []
