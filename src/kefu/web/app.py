"""create_app(settings): routers, error table, templates, static files. No globals."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from functools import partial
from html import escape
from importlib.resources import files
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.staticfiles import StaticFiles
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.types import ASGIApp

from kefu import __version__
from kefu.bootstrap import Kefu, bootstrap, create_sandbox
from kefu.config import Settings
from kefu.web import errors
from kefu.web.api import (
    amazon,
    connections,
    conversations,
    imports,
    mail,
    messages,
    oauth,
    ratings,
    replies,
    reports,
    stores,
    translation,
)
from kefu.web.api import cases as case_api
from kefu.web.api import customs as customs_api
from kefu.web.api import deadlines as deadline_api
from kefu.web.api import logistics as logistics_api
from kefu.web.api import model as model_api
from kefu.web.api import notes as note_api
from kefu.web.api import notices as notice_api
from kefu.web.api import notifications as notification_api
from kefu.web.api import quality as quality_api
from kefu.web.api import search as search_api
from kefu.web.api import tracking as tracking_api
from kefu.web.api import tracking_providers as tracking_provider_api
from kefu.web.api import views as view_api
from kefu.web.headers import content_security_policy, with_security_headers
from kefu.web.limits import JsonDepthMiddleware, explain_too_large
from kefu.web.pages import account as account_pages
from kefu.web.pages import amazon as amazon_pages
from kefu.web.pages import cases as case_pages
from kefu.web.pages import customs as customs_pages
from kefu.web.pages import deadlines as deadline_pages
from kefu.web.pages import imports as import_pages
from kefu.web.pages import inbox as inbox_pages
from kefu.web.pages import live as live_pages
from kefu.web.pages import logistics as logistics_pages
from kefu.web.pages import mail as mail_pages
from kefu.web.pages import model as model_pages
from kefu.web.pages import notices as notice_pages
from kefu.web.pages import oauth as oauth_pages
from kefu.web.pages import quality as quality_pages
from kefu.web.pages import reports as report_pages
from kefu.web.pages import search as search_pages
from kefu.web.pages import settings as settings_pages
from kefu.web.pages import team as team_pages
from kefu.web.pages import tracking as tracking_pages
from kefu.web.pages import translation as translation_pages
from kefu.web.ratelimit import RateLimitMiddleware
from kefu.web.templating import make_templates


class KefuAPI(FastAPI):
    """FastAPI with two wrappers outside its own error and body-limit middleware, which
    answer some responses themselves (a 500, a 413): the security headers and the
    explanation of a 413 must reach those too, and user middleware sits inside them."""

    csp = ""
    default_locale = "en"

    def build_middleware_stack(self) -> ASGIApp:
        inner = explain_too_large(
            super().build_middleware_stack(), default_locale=self.default_locale
        )
        return with_security_headers(inner, self.csp)


def create_app(
    settings: Settings | None = None,
    kefu: Kefu | None = None,
    *,
    worker: bool = False,
    sandbox: bool = False,
    mounts: Mapping[str, ASGIApp] | None = None,
) -> FastAPI:
    """Build the web app around a Kefu container (made from settings unless given).

    `worker` runs the background jobs (sending replies, the routing sweep…) in threads
    of this process, the embedded default; `sandbox` serves kefu's marketplace sandbox
    at /sandbox for the demo; `mounts` adds apps at their paths (the demo's live
    marketplace, kefu.demo.live).
    """
    container = kefu or bootstrap(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        jobs = container.start_jobs() if worker else None
        yield
        if jobs is not None:
            await asyncio.to_thread(jobs.stop)  # the jobs in hand finish first
        if kefu is None:
            container.close()

    limits = container.settings
    app = KefuAPI(
        title="kefu",
        version=__version__,
        description="Customer-service workbench for cross-border e-commerce sellers: the JSON API.",
        lifespan=lifespan,
        max_body_size=limits.max_body_bytes,
        # FastAPI's pages load Swagger UI and ReDoc from a CDN and start them inline, which
        # the CSP blocks: /docs is served below from static/vendor/swagger-ui, ReDoc not at all.
        docs_url=None,
        redoc_url=None,
    )
    app.csp = content_security_policy()
    app.default_locale = limits.default_locale
    app.state.kefu = container
    app.state.templates = make_templates()
    errors.install(app)
    # Added last, runs first: an API call over its rate is refused before its body is read.
    app.add_middleware(JsonDepthMiddleware, max_depth=limits.max_json_depth)
    app.add_middleware(RateLimitMiddleware, settings=limits)
    # The import endpoints take larger bodies than the rest (Settings.max_import_body_bytes).
    app.include_router(messages.router, max_body_size=limits.max_import_body_bytes)
    app.include_router(conversations.router)
    app.include_router(replies.router)
    app.include_router(reports.router)
    app.include_router(stores.router)
    app.include_router(mail.router)
    app.include_router(connections.router)
    app.include_router(oauth.router)
    app.include_router(amazon.router)
    app.include_router(translation.router)
    app.include_router(ratings.router, max_body_size=limits.max_import_body_bytes)
    app.include_router(imports.router, max_body_size=limits.max_import_body_bytes)
    # A file and a few form fields: the file is held to max_upload_bytes as it is copied.
    app.include_router(imports.upload_router, max_body_size=limits.max_upload_bytes + 65536)
    app.include_router(inbox_pages.router)
    app.include_router(amazon_pages.router)
    app.include_router(report_pages.router)
    app.include_router(settings_pages.router)
    app.include_router(translation_pages.router)
    app.include_router(account_pages.router)
    app.include_router(team_pages.router)
    app.include_router(oauth_pages.router)
    app.include_router(mail_pages.router)
    app.include_router(notice_api.router)
    app.include_router(notice_pages.router)
    app.include_router(import_pages.router, max_body_size=limits.max_upload_bytes + 65536)
    app.include_router(note_api.router)
    app.include_router(notification_api.router)
    app.include_router(live_pages.router)
    app.include_router(view_api.router)  # saved views, bulk actions (docs/inbox.md)
    app.include_router(search_api.router)
    app.include_router(search_pages.router)
    app.include_router(case_api.router)
    app.include_router(case_api.upload_router, max_body_size=case_api.EVIDENCE_BODY_BYTES)
    app.include_router(case_pages.router)
    app.include_router(case_pages.upload_router, max_body_size=case_api.EVIDENCE_BODY_BYTES)
    app.include_router(quality_api.router)  # quality report (docs/reports.md)
    app.include_router(quality_pages.router)
    app.include_router(deadline_api.router)  # deadlines board, case limits (docs/deadlines.md)
    app.include_router(deadline_pages.router)
    app.include_router(tracking_provider_api.router)  # tracking providers (docs/tracking.md)
    # tracking webhook, orphans, unmapped texts (docs/tracking.md)
    app.include_router(tracking_api.router, max_body_size=tracking_api.BODY_BYTES)
    app.include_router(tracking_pages.router)
    app.include_router(customs_api.router)  # customs facts (docs/customs.md)
    app.include_router(customs_pages.router)
    app.include_router(logistics_api.router)  # logistics board, tasks (docs/logistics.md)
    app.include_router(logistics_pages.router)
    # model versions, retrain, labelled files (docs/triage.md "Model versions")
    app.include_router(model_api.router)
    app.include_router(model_api.upload_router, max_body_size=limits.max_upload_bytes + 65536)
    app.include_router(model_pages.router)
    app.include_router(model_pages.upload_router, max_body_size=limits.max_upload_bytes + 65536)
    if sandbox:
        app.mount("/sandbox", create_sandbox())
    for path, mounted in (mounts or {}).items():
        app.mount(path, mounted)
    app.mount(
        "/static", StaticFiles(directory=str(files("kefu") / "web" / "static")), name="static"
    )
    app.openapi = partial(_openapi, app)  # type: ignore[method-assign]
    _add_api_docs(app)
    return app


SWAGGER_UI = "/static/vendor/swagger-ui"
DOCS_URL = "/docs"
OAUTH2_REDIRECT_URL = "/docs/oauth2-redirect"


def _add_api_docs(app: FastAPI) -> None:
    """Swagger UI at /docs from the vendored copy, started by its static init.js (no
    inline script). Plain Starlette routes, as FastAPI's own /docs: open to anyone, like
    /openapi.json, and outside the schema and the authorization matrix."""
    openapi_url = escape(app.openapi_url or "/openapi.json")
    docs = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>{escape(app.title)} - API docs</title>
<link rel="stylesheet" href="{SWAGGER_UI}/swagger-ui.css">
<link rel="icon" type="image/png" href="{SWAGGER_UI}/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui" data-openapi-url="{openapi_url}"
     data-oauth2-redirect-url="{OAUTH2_REDIRECT_URL}"></div>
<script src="{SWAGGER_UI}/swagger-ui-bundle.js"></script>
<script src="{SWAGGER_UI}/init.js"></script>
</body>
</html>
"""
    redirect = f"""<!DOCTYPE html>
<html lang="en">
<body>
<script src="{SWAGGER_UI}/oauth2-redirect.js"></script>
</body>
</html>
"""

    async def swagger_ui(_: Request) -> HTMLResponse:
        return HTMLResponse(docs)

    async def swagger_ui_redirect(_: Request) -> HTMLResponse:
        return HTMLResponse(redirect)

    app.add_route(DOCS_URL, swagger_ui, include_in_schema=False)
    app.add_route(OAUTH2_REDIRECT_URL, swagger_ui_redirect, include_in_schema=False)


def _openapi(app: FastAPI) -> dict[str, Any]:
    """The schema, with the message models the ingest endpoint documents by reference."""
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes
    )
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for model in messages.BODY_MODELS:
        body = model.model_json_schema(ref_template="#/components/schemas/{model}")
        components.update(body.pop("$defs", {}))
        components[model.__name__] = body
    app.openapi_schema = schema
    return schema
