"""axe-core over every page of the workbench (issue 19): no serious or critical violation.

Every GET route of the app outside the JSON API, the static files and the API docs is in
`ROUTES`, either as a page with the way to fill its path from the demo shop, or as "not a
page" with the reason (a download, a redirect, an HTMX fragment checked inside the page
that loads it). A new route missing from the table fails the test, so a new page cannot
go unchecked. Each page is opened as the owner and as an agent (a page an agent may not
see shows the "not allowed" page, which is checked too), in Chinese and in English, plus
key states: the conversation with its side panel, an Amazon order's actions loaded into
the panel, the composer showing policy findings, the import preview, a form's errors, the
sign-in page and its error, a "not found" page, the first-run page of an empty shop. Every
<details> is opened first, so forms behind a summary are checked too. The number of pages
walked is derived from the table and asserted.

axe-core is the axe.min.js shipped in the axe-playwright-python wheel (the `test` extra),
injected into the page; nothing is loaded from outside. The context bypasses the page's
Content-Security-Policy only so that the injected script may run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import Any, Literal

import pytest
from fastapi.routing import iter_route_contexts
from playwright.sync_api import APIRequestContext, Browser, BrowserContext, Page
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from kefu.config import Settings
from kefu.web.app import create_app
from tests.e2e.conftest import Conversations, serving, sign_in

pytestmark = pytest.mark.e2e

AXE = Path(str(files("axe_playwright_python") / "axe.min.js"))
# Impacts that fail the check; "moderate" and "minor" are reported by axe but not failed.
FAILING = frozenset({"serious", "critical"})
LOCALES = ("zh_CN", "en")
SHOWN_NODES = 40  # elements listed per violation in the failure message
HTML_LANG = {"zh_CN": "zh-CN", "en": "en"}
AGENT = "wangwei"  # an after-sale sub-account that sees every demo store
Role = Literal["owner", "agent", "anonymous", "fresh"]
SIGNED_IN: tuple[Role, ...] = ("owner", "agent")
# A products file whose only row is refused: its import changes nothing in the shop.
REFUSED_PRODUCTS = b"sku,title,price\nA11Y-1,Accessibility check,not-a-price\n"
# Prefixes that are not pages of the workbench.
NOT_PAGES = ("/api/", "/static", "/docs", "/events", "/openapi.json", "/sandbox")


@dataclass
class Demo:
    """Values from the demo shop that fill the path parameters."""

    conversation_id: int
    amazon_conversation_id: int
    account_id: int
    import_run_id: int
    case_id: int


@dataclass(frozen=True)
class PageRoute:
    """A page: how to fill its path, and who opens it."""

    fill: Callable[[Demo], str]
    roles: tuple[Role, ...] = SIGNED_IN


@dataclass(frozen=True)
class NotAPage:
    """A GET route that answers no page of its own; why."""

    reason: str


ROUTES: dict[str, PageRoute | NotAPage] = {
    "/": PageRoute(lambda d: "/"),
    "/conversations/{conversation_id}": PageRoute(lambda d: f"/conversations/{d.conversation_id}"),
    "/amazon/{code}/{number}/actions": NotAPage(
        "HTMX fragment of an Amazon conversation's side panel: STATES 'amazon-actions'"
    ),
    "/reports": PageRoute(lambda d: "/reports"),
    "/reports/kpi.csv": NotAPage("a CSV download"),
    "/reports/kpi.xlsx": NotAPage("a workbook download"),
    "/reports/quality": PageRoute(lambda d: "/reports/quality"),
    "/reports/quality.csv": NotAPage("a CSV download"),
    "/settings/replies": PageRoute(lambda d: "/settings/replies"),
    "/settings/terms": PageRoute(lambda d: "/settings/terms"),
    "/settings/translation": PageRoute(lambda d: "/settings/translation"),
    "/settings/customs": PageRoute(lambda d: "/settings/customs"),
    "/sign-in": PageRoute(lambda d: "/sign-in", roles=("anonymous",)),
    "/setup": PageRoute(lambda d: "/setup", roles=("fresh",)),
    "/account": PageRoute(lambda d: "/account"),
    "/team": PageRoute(lambda d: "/team"),
    "/team/{account_id}": PageRoute(lambda d: f"/team/{d.account_id}"),
    "/shifts": PageRoute(lambda d: "/shifts"),
    "/audit": PageRoute(lambda d: "/audit"),
    "/shop": PageRoute(lambda d: "/shop"),
    "/stores/oauth/callback": NotAPage("a redirect back from the marketplace's consent page"),
    "/mail/attachments/{digest}": NotAPage("a file download, never shown inline"),
    "/notices": PageRoute(lambda d: "/notices"),
    "/imports": PageRoute(lambda d: "/imports"),
    "/imports/{run_id}": PageRoute(lambda d: f"/imports/{d.import_run_id}"),
    "/imports/{run_id}/progress": NotAPage("HTMX fragment polled by /imports/{run_id}"),
    "/search": PageRoute(lambda d: "/search?q=refund"),
    "/notifications": PageRoute(lambda d: "/notifications"),
    "/deadlines": PageRoute(lambda d: "/deadlines"),
    "/logistics": PageRoute(lambda d: "/logistics"),
    "/conversations/{conversation_id}/presence": NotAPage(
        "HTMX fragment of the conversation's presence warning"
    ),
    "/cases": PageRoute(lambda d: "/cases?state=all"),
    "/cases/{case_id}": PageRoute(lambda d: f"/cases/{d.case_id}"),
    "/conversations/{conversation_id}/cases": NotAPage(
        "HTMX fragment of the conversation's side panel: the /cases/{case_id} page and the "
        "conversation page show its parts"
    ),
    "/tracking/review": PageRoute(lambda d: "/tracking/review"),
    # Model versions (docs/triage.md "Model versions").
    "/settings/model": PageRoute(lambda d: "/settings/model"),
    "/settings/model/progress": NotAPage("HTMX fragment polled by /settings/model in a retrain"),
    "/settings/model/versions/{version_id}": NotAPage(
        "a stored version's page: the demo has none; tests/e2e/test_model_page.py checks it"
    ),
}


@dataclass(frozen=True)
class State:
    """A state of a page the route walk does not reach: where it starts, what to do."""

    role: Role
    start: Callable[[Demo], str]
    act: Callable[[Page, Demo], None] = lambda page, demo: None


def _bad_password(page: Page, _demo: Demo) -> None:
    page.locator("input[name=username]").fill("owner")
    page.locator("input[name=password]").fill("not-the-password")
    page.locator("form[action='/sign-in'] button[type=submit]").click()
    page.get_by_test_id("sign-in-error").wait_for()


def _amazon_actions(page: Page, _demo: Demo) -> None:
    page.get_by_test_id("amazon-actions").wait_for()


def _import_preview(page: Page, _demo: Demo) -> None:
    form = page.get_by_test_id("upload-form")
    form.locator("#import-store").select_option("wish-global")
    form.locator("#import-kind").select_option("products")
    form.locator("#import-file").set_input_files(
        {"name": "a11y.csv", "mimeType": "text/csv", "buffer": REFUSED_PRODUCTS}
    )
    form.locator("button[type=submit]").click()
    page.get_by_test_id("read-as").wait_for()


def _field_errors(page: Page, _demo: Demo) -> None:
    """The new sub-account form sent empty (the browser's own checks off): kefu's errors."""
    form = page.get_by_test_id("new-account-form")
    form.evaluate("form => { form.noValidate = true; form.closest('details').open = true }")
    form.locator("button[type=submit]").click()
    page.get_by_test_id("errors").wait_for()


def _policy_findings(page: Page, _demo: Demo) -> None:
    page.locator("#reply-text").fill(
        "Add me on WhatsApp +86 138 0013 8000, email me at buyer.help@example.com"
    )
    page.get_by_test_id("policy").wait_for()


STATES: dict[str, State] = {
    "sign-in-error": State("anonymous", lambda d: "/sign-in", _bad_password),
    "not-found": State("owner", lambda d: "/conversations/999999999"),
    "amazon-actions": State(
        "owner", lambda d: f"/conversations/{d.amazon_conversation_id}", _amazon_actions
    ),
    "composer-policy-findings": State(
        "owner", lambda d: f"/conversations/{d.conversation_id}", _policy_findings
    ),
    "import-preview": State("owner", lambda d: "/imports", _import_preview),
    "team-form-errors": State("owner", lambda d: "/team", _field_errors),
}


def page_routes() -> list[str]:
    """The app's GET routes outside the JSON API, static files and API docs."""
    app = create_app(Settings(database_url="sqlite://"))
    paths = []
    for route in iter_route_contexts(app.routes):
        methods = getattr(route, "methods", None) or set()
        if "GET" in methods and not route.path.startswith(NOT_PAGES):
            paths.append(route.path)
    return paths


@dataclass
class Findings:
    walked: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)  # route walk: label → HTTP status


def check(page: Page, label: str, locale: str, findings: Findings) -> None:
    """Run axe on the page as it is; record serious and critical violations."""
    try:
        page.wait_for_load_state("networkidle", timeout=5_000)
    except PlaywrightTimeout:  # a page that polls never idles; it has loaded by now
        page.wait_for_load_state("load")
    findings.walked.append(label)
    lang = page.evaluate("() => document.documentElement.lang")
    if lang != HTML_LANG[locale]:
        findings.problems.append(f"{label}: <html lang={lang!r}>, expected {HTML_LANG[locale]}")
    # Closed <details> (forms behind a summary) are hidden, and axe skips what is hidden.
    page.evaluate("() => document.querySelectorAll('details').forEach(d => { d.open = true })")
    page.add_script_tag(path=AXE)
    result: dict[str, Any] = page.evaluate(
        "async () => await axe.run(document, {resultTypes: ['violations']})"
    )
    for violation in result["violations"]:
        if violation["impact"] not in FAILING:
            continue
        nodes = [
            f"{' '.join(node['target'])} ({_reason(node.get('failureSummary', ''))})"
            for node in violation["nodes"][:SHOWN_NODES]
        ]
        findings.problems.append(
            f"{label}: [{violation['impact']}] {violation['id']} — {violation['help']}"
            f" — {len(violation['nodes'])} node(s): " + "; ".join(nodes)
        )


def _reason(summary: str) -> str:
    """axe's failure summary without its "Fix any of the following:" line."""
    lines = [line.strip() for line in summary.splitlines() if line.strip()]
    return " ".join(lines[1:])[:200]


def _context(browser: Browser, url: str, locale: str, role: Role) -> BrowserContext:
    context = browser.new_context(
        base_url=url, bypass_csp=True, viewport={"width": 1440, "height": 900}
    )
    context.set_default_timeout(15_000)
    if role in SIGNED_IN:
        sign_in(context.request, "owner" if role == "owner" else AGENT)
    context.add_cookies([{"name": "kefu_locale", "value": locale, "url": url}])
    return context


@pytest.fixture(scope="module")
def demo(api: APIRequestContext, conversations: Conversations) -> Demo:
    """The damaged-garment conversation (order, products, parcels in its side panel), an
    Amazon conversation with an order, the agent's account and an import run of a file
    whose only row is refused (so its report shows an error and the shop is unchanged)."""
    amazon = next(r for r in conversations.rows(platform="amazon") if r["order_number"])
    accounts = api.get("/api/v1/filters")
    assert accounts.ok, accounts.text()
    agent = [a for a in accounts.json()["accounts"] if "Wang Wei" in a[1]]
    assert len(agent) == 1, accounts.json()["accounts"]
    run = api.post(
        "/api/v1/stores/wish-global/imports",
        multipart={
            "kind": "products",
            "file": {
                "name": "a11y.csv",
                "mimeType": "text/csv",
                "buffer": REFUSED_PRODUCTS,
            },
        },
    )
    assert run.status == 202, run.text()
    return Demo(
        conversation_id=conversations.damaged_garment_id(),
        amazon_conversation_id=amazon["id"],
        account_id=int(agent[0][0]),
        import_run_id=run.json()["id"],
        case_id=_a_case(api),
    )


def _a_case(api: APIRequestContext) -> int:
    """One of the demo's cases, with its steps and clocks."""
    listed = api.get("/api/v1/cases")
    assert listed.ok, listed.text()
    found = listed.json()["cases"]
    assert found, "the demo has no open case"
    case_id: int = found[0]["id"]
    return case_id


@pytest.fixture(scope="module")
def fresh_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`kefu serve` on an empty SQLite database: its first-run page."""
    folder = tmp_path_factory.mktemp("a11y-fresh")
    with serving(f"sqlite:///{folder / 'fresh.db'}", folder / "serve.log") as url:
        yield url


def expected_walk() -> int:
    """Pages the walk must open: each page route for each of its roles in each locale,
    and each extra state in each locale."""
    pages = sum(len(r.roles) for r in ROUTES.values() if isinstance(r, PageRoute))
    return (pages + len(STATES)) * len(LOCALES)


def test_every_route_is_in_the_table() -> None:
    served = page_routes()
    missing = sorted(set(served) - set(ROUTES))
    assert missing == [], f"routes without an accessibility case in ROUTES: {missing}"
    gone = sorted(set(ROUTES) - set(served))
    assert gone == [], f"ROUTES names routes the app no longer serves: {gone}"


def test_no_page_has_a_serious_or_critical_violation(
    browser: Browser, server_url: str, fresh_url: str, demo: Demo
) -> None:
    findings = Findings()
    for locale in LOCALES:
        for role in ("owner", "agent", "anonymous", "fresh"):
            url = fresh_url if role == "fresh" else server_url
            context = _context(browser, url, locale, role)
            page = context.new_page()
            for path, route in ROUTES.items():
                if isinstance(route, PageRoute) and role in route.roles:
                    label = f"{path} as {role}, {locale}"
                    response = page.goto(route.fill(demo))
                    assert response is not None, label
                    findings.statuses[label] = response.status
                    check(page, label, locale, findings)
            for name, state in STATES.items():
                if state.role == role:
                    page.goto(state.start(demo))
                    state.act(page, demo)
                    check(page, f"state {name} as {role}, {locale}", locale, findings)
            context.close()
    refused = {label: status for label, status in findings.statuses.items() if status != 200}
    print(f"axe-core checked {len(findings.walked)} pages, {len(refused)} of them refusals")
    assert findings.problems == [], "\n".join(findings.problems)
    assert len(findings.walked) == expected_walk() == 116
    # The owner sees every page itself; the agent the inbox and the conversation (the
    # pages only a manager may open show the agent the "not allowed" page, checked too).
    assert all(" as agent, " in label and status == 403 for label, status in refused.items())
    for locale in LOCALES:
        for path in ("/", "/conversations/{conversation_id}", "/notices", "/account"):
            assert findings.statuses[f"{path} as agent, {locale}"] == 200
