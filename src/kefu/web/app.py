"""create_app(settings): routers, error table, templates, static files. No globals."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from importlib.resources import files
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp

from kefu import __version__
from kefu.bootstrap import Kefu, bootstrap, create_sandbox
from kefu.config import Settings
from kefu.web import errors
from kefu.web.api import (
    conversations,
    messages,
    ratings,
    replies,
    reports,
    stores,
    translation,
)
from kefu.web.headers import content_security_policy, with_security_headers
from kefu.web.limits import JsonDepthMiddleware, explain_too_large
from kefu.web.pages import account as account_pages
from kefu.web.pages import inbox as inbox_pages
from kefu.web.pages import reports as report_pages
from kefu.web.pages import settings as settings_pages
from kefu.web.pages import team as team_pages
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
) -> FastAPI:
    """Build the web app around a Kefu container (made from settings unless given).

    `worker` runs the background jobs (sending replies, the routing sweep…) in threads
    of this process, the embedded default; `sandbox` serves kefu's marketplace sandbox
    at /sandbox for the demo.
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
    app.include_router(translation.router)
    app.include_router(ratings.router, max_body_size=limits.max_import_body_bytes)
    app.include_router(inbox_pages.router)
    app.include_router(report_pages.router)
    app.include_router(settings_pages.router)
    app.include_router(translation_pages.router)
    app.include_router(account_pages.router)
    app.include_router(team_pages.router)
    if sandbox:
        app.mount("/sandbox", create_sandbox())
    app.mount(
        "/static", StaticFiles(directory=str(files("kefu") / "web" / "static")), name="static"
    )
    app.openapi = partial(_openapi, app)  # type: ignore[method-assign]
    return app


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
